package nlp

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

func TestClassifyFreshComplaints(t *testing.T) {
	a := testAnalyzer(t)
	data, err := os.ReadFile("testdata/classify.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad fixture line %q", line)
		}
		t.Run(text, func(t *testing.T) {
			res, err := a.Analyze(text)
			if err != nil {
				t.Fatal(err)
			}
			if res.Category != want {
				t.Errorf("category = %s, want %s (scores %v)", res.Category, want, res.Scores)
			}
		})
	}
}

func TestClassifyResultShape(t *testing.T) {
	a := testAnalyzer(t)
	text := "縣不動產登記中心的窗口人員吃拿卡要，不給紅包就不辦。"
	res, err := a.Analyze(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scores) != len(a.Categories()) {
		t.Errorf("%d scores for %d categories", len(res.Scores), len(a.Categories()))
	}
	sum := 0.0
	for _, p := range res.Scores {
		sum += p
	}
	if math.Abs(sum-1) > 0.01 {
		t.Errorf("scores sum to %v", sum)
	}
	if res.Category != "extortion" {
		t.Errorf("category = %s", res.Category)
	}
	var sawLexicon bool
	for _, e := range res.Evidence {
		// Evidence quotes the user's traditional characters, at the right offsets.
		if text[e.Start:e.End] != e.Text {
			t.Errorf("evidence %q offsets quote %q", e.Text, text[e.Start:e.End])
		}
		if e.Text == "吃拿卡要" && e.Category == "extortion" && e.Source == "lexicon" {
			sawLexicon = true
		}
		if strings.ContainsAny(e.Text, "红给") {
			t.Errorf("evidence %q is in simplified script, not the user's", e.Text)
		}
	}
	if !sawLexicon {
		t.Errorf("evidence %+v lacks 吃拿卡要", res.Evidence)
	}
	if res.Subject.Unit != "縣不動產登記中心" || res.Subject.Position != "窗口人員" {
		t.Errorf("subject = %+v", res.Subject)
	}
}

func TestAnalyzeRejectsEmptyAndOversizedText(t *testing.T) {
	a := testAnalyzer(t)
	for _, in := range []string{"", "   \n\t", "\u200b", "\xff\xfe"} {
		if _, err := a.Analyze(in); err != ErrNoText {
			t.Errorf("Analyze(%q) err = %v, want ErrNoText", in, err)
		}
	}
	if _, err := a.Analyze(strings.Repeat("镇", MaxTextBytes/3+1)); err != ErrTooLong {
		t.Errorf("oversized text err = %v, want ErrTooLong", err)
	}
}

// The analyzer is shared by every request; run it from many goroutines (go test -race).
func TestAnalyzeConcurrently(t *testing.T) {
	a := testAnalyzer(t)
	texts := []string{"村支书王某截留低保金两千元", "鄉政府對隱患置之不理", "局长公车私用", "物业不修电梯"}
	want := make([]string, len(texts))
	for i, s := range texts {
		res, err := a.Analyze(s)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.Category + res.Fingerprint.String() + res.Subject.Unit
	}
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for k := 0; k < 50; k++ {
				i := k % len(texts)
				res, err := a.Analyze(texts[i])
				if err == nil && res.Category+res.Fingerprint.String()+res.Subject.Unit != want[i] {
					err = errMismatch
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

var errMismatch = errorString("concurrent result differs from serial result")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestSearchTerms(t *testing.T) {
	a := testAnalyzer(t)
	res, err := a.Analyze("村支书王某截留低保金，村支书还打人。")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, w := range res.SearchTerms() {
		seen[w]++
	}
	if seen["村支书"] != 1 || seen["低保金"] != 1 || seen["，"] != 0 || seen["还"] != 0 {
		t.Errorf("terms %v", res.SearchTerms())
	}
	q := a.SearchTerms("低保金 村支書")
	if len(q) != 2 || q[0] != "低保金" || q[1] != "村支书" {
		t.Errorf("query terms %v", q)
	}
}

// Analyze reuses its scratch buffers from call to call; a result must not share any of
// them, so one read earlier stays the same however many readings follow.
func TestResultOutlivesLaterReadings(t *testing.T) {
	a := testAnalyzer(t)
	texts := []string{"我們村村支書王某把低保名額給了親戚，截留兩千元", "县住建局 张某某 吃拿卡要，\n办事要收三千多元好处费", "物业不修电梯"}
	var first []*Result
	var want []string
	for _, s := range texts {
		res, err := a.Analyze(s)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		first = append(first, res)
		want = append(want, string(b)+strings.Join(res.SearchTerms(), "|"))
	}
	for k := 0; k < 20; k++ {
		for _, s := range []string{"鄉政府對隱患置之不理，拖了三個月", "局长公车私用，每周末开去钓鱼", strings.Repeat("派出所民警推诿扯皮。", 40)} {
			if _, err := a.Analyze(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, res := range first {
		b, _ := json.Marshal(res)
		if got := string(b) + strings.Join(res.SearchTerms(), "|"); got != want[i] {
			t.Errorf("result %d changed after later readings:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

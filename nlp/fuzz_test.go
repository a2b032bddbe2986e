package nlp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAnalyze feeds any bytes to the whole pipeline: it must never panic, and what it
// returns must point into the input. Run: go test -run '^$' -fuzz FuzzAnalyze ./nlp
func FuzzAnalyze(f *testing.F) {
	for _, seed := range []string{
		"", "\xff\xfe\xfd", "县住建局副局长王某收了两千元红包", "鄉政府對隱患置之不理",
		"ＡＢＣ　１２３", "上百万几十户三千多万元2026年3月5日", "某某某", "局", "副", "\u200b\u200b",
		strings.Repeat("的", 5000), "张某某局长局长局长所长", "1,2,3.4.5万亿亿亿", "我叫张某",
	} {
		f.Add(seed)
	}
	a := testAnalyzer(f)
	cats := map[string]bool{}
	for _, c := range a.Categories() {
		cats[c.ID] = true
	}
	f.Fuzz(func(t *testing.T, text string) {
		res, err := a.Analyze(text)
		if err != nil {
			if err != ErrNoText && err != ErrTooLong {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !cats[res.Category] {
			t.Fatalf("category %q", res.Category)
		}
		// Quotes are valid text: the input's bytes at their offsets, less invalid ones.
		inText := func(what, s string, start, end int) {
			if start < 0 || end > len(text) || start > end || strings.ToValidUTF8(text[start:end], "") != s || !utf8.ValidString(s) {
				t.Fatalf("%s %q at [%d,%d) does not quote the input", what, s, start, end)
			}
		}
		for _, e := range res.Evidence {
			inText("evidence", e.Text, e.Start, e.End)
		}
		for _, s := range res.Signals {
			inText("signal", s.Text, s.Start, s.End)
		}
		for _, part := range []string{res.Subject.Name, res.Subject.Position, res.Subject.Unit} {
			if !strings.Contains(strings.ToValidUTF8(text, ""), part) || !utf8.ValidString(part) {
				t.Fatalf("subject part %q is not from the input", part)
			}
		}
	})
}

// A megabyte of text is refused cleanly rather than processed for seconds.
func TestAnalyzeMegabyte(t *testing.T) {
	a := testAnalyzer(t)
	if _, err := a.Analyze(strings.Repeat("村支书截留补贴。", 1<<20/24)); err != ErrTooLong {
		t.Errorf("err = %v, want ErrTooLong", err)
	}
}

// FuzzParseCorpus: staff corrections arrive as corpus files (qingfeng train -corpus).
func FuzzParseCorpus(f *testing.F) {
	f.Add("inaction\tweb\t-\t-\t没人管\n")
	f.Add("# c\n\t\t\t\t\n")
	f.Add("a\tb\tc\td\te\tf\n\xff")
	f.Fuzz(func(t *testing.T, data string) {
		ex, err := ParseCorpus(data)
		if err != nil {
			return
		}
		for _, e := range ex {
			if e.Category == "" || strings.TrimSpace(e.Text) == "" {
				t.Fatalf("accepted an example without category or text: %+v", e)
			}
		}
	})
}

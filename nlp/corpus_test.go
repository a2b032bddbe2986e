package nlp

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedCorpus(t *testing.T) {
	corpus, err := ParseCorpus(defaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	a := testAnalyzer(t)
	per := map[string]int{}
	channels := map[string]int{}
	trad := 0
	for i, ex := range corpus {
		if _, ok := a.lex.index[ex.Category]; !ok {
			t.Errorf("example %d: unknown category %q", i+1, ex.Category)
		}
		per[ex.Category]++
		channels[ex.Channel]++
		for _, label := range []string{ex.Unit, ex.Position} {
			if label != "" && !strings.Contains(ex.Text, label) {
				t.Errorf("example %d: label %q is not in its text", i+1, label)
			}
		}
		if a.norm.Normalize(ex.Text).Norm != ex.Text {
			trad++
		}
	}
	for _, c := range a.Categories() {
		if per[c.ID] < 25 {
			t.Errorf("category %s has %d examples, want ≥ 25", c.ID, per[c.ID])
		}
	}
	for _, ch := range []string{"web", "sms", "hotline"} {
		if channels[ch] < 50 {
			t.Errorf("channel %s has %d examples, want ≥ 50", ch, channels[ch])
		}
	}
	if trad < 30 {
		t.Errorf("%d examples in traditional script, want ≥ 30", trad)
	}
}

// The evaluation file measures us; none of its texts may be in the training corpus.
// Any shared run of 12 characters counts as copying.
func TestCorpusSharesNothingWithEvaluationFile(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "shared", "eval", "dev.jsonl"))
	if err != nil {
		t.Skipf("no evaluation file here: %v", err)
	}
	defer f.Close()
	corpus, err := ParseCorpus(defaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	const run = 12
	grams := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct{ Text string }
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		r := []rune(line.Text)
		for i := 0; i+run <= len(r); i++ {
			grams[string(r[i:i+run])] = true
		}
	}
	for i, ex := range corpus {
		r := []rune(ex.Text)
		for j := 0; j+run <= len(r); j++ {
			if grams[string(r[j:j+run])] {
				t.Errorf("corpus example %d shares %q with the evaluation file", i+1, string(r[j:j+run]))
				break
			}
		}
	}
}

func TestParseCorpusErrors(t *testing.T) {
	for _, in := range []string{"inaction\tweb\t-\t-", "\tweb\t-\t-\ttext", "inaction\tweb\t-\t-\t  "} {
		if _, err := ParseCorpus(in); err == nil {
			t.Errorf("ParseCorpus(%q) accepted a bad line", in)
		}
	}
	ex, err := ParseCorpus("# comment\n\ninaction\tsms\t-\t-\t没人管\r\n")
	if err != nil || len(ex) != 1 || ex[0].Text != "没人管" || ex[0].Unit != "" {
		t.Errorf("ParseCorpus = %+v, %v", ex, err)
	}
}

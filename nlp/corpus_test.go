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

// The evaluation files measure us; none of their texts may be in the training corpus.
// Any shared run of 12 characters counts as copying.
func TestCorpusSharesNothingWithEvaluationFiles(t *testing.T) {
	corpus, err := ParseCorpus(defaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dev.jsonl", "real-dev.jsonl"} {
		t.Run(name, func(t *testing.T) {
			grams := evalGrams(t, filepath.Join("..", "..", "shared", "eval", name))
			for i, ex := range corpus {
				if g, ok := sharedRun(ex.Text, grams); ok {
					t.Errorf("corpus example %d shares %q with %s", i+1, g, name)
				}
			}
		})
	}
}

const copyRun = 12

// evalGrams collects every run of copyRun characters of an evaluation file's texts.
func evalGrams(t *testing.T, path string) map[string]bool {
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("no evaluation file here: %v", err)
	}
	defer f.Close()
	grams := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r := []rune(line.Text)
		for i := 0; i+copyRun <= len(r); i++ {
			grams[string(r[i:i+copyRun])] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(grams) == 0 {
		t.Fatalf("%s holds no text", path)
	}
	return grams
}

// sharedRun finds a run of copyRun characters of text that is in grams.
func sharedRun(text string, grams map[string]bool) (string, bool) {
	r := []rune(text)
	for j := 0; j+copyRun <= len(r); j++ {
		if g := string(r[j : j+copyRun]); grams[g] {
			return g, true
		}
	}
	return "", false
}

func TestSharedRunFindsACopy(t *testing.T) {
	grams := map[string]bool{"一二三四五六七八九十甲乙": true}
	if _, ok := sharedRun("前面一二三四五六七八九十甲乙后面", grams); !ok {
		t.Error("a copied run was not found")
	}
	if _, ok := sharedRun("一二三四五六七八九十甲", grams); ok {
		t.Error("11 characters counted as a copy")
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

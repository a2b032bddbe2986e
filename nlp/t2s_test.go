package nlp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/longbridgeapp/opencc"
)

func newTestT2S(t *testing.T) (*opencc.OpenCC, *t2s) {
	t.Helper()
	cc, err := opencc.New("t2s")
	if err != nil {
		t.Fatal(err)
	}
	fast, err := newT2S(cc)
	if err != nil {
		t.Fatal(err)
	}
	return cc, fast
}

// Our walk over OpenCC's tries must convert exactly as opencc.Convert does.
func TestT2SMatchesOpenCC(t *testing.T) {
	cc, fast := newTestT2S(t)
	texts := []string{"", "乾隆皇帝", "乾淨的衣服", "鄉政府對村民反映的山體滑坡隱患置之不理", "頭髮發財", "abc 123 ！", "著名的著作著手"}
	if files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "seeds", "*.txt")); len(files) > 0 {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, string(b))
		}
	}
	for _, s := range texts {
		want, err := cc.Convert(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := fast.Convert(s); got != want {
			t.Errorf("t2s differs for %.40q…\n got %.80q\nwant %.80q", s, got, want)
		}
	}
}

// Converting in place gives the same text as Convert whenever lengths are kept, which
// OpenCC's t2s tables do for every seed text.
func TestT2SInPlaceMatchesConvert(t *testing.T) {
	_, fast := newTestT2S(t)
	for _, s := range []string{"乾隆皇帝", "乾淨的衣服", "鄉政府對村民反映的山體滑坡隱患置之不理", "頭髮發財", "著名的著作著手", "臺灣的後面"} {
		rs := []rune(s)
		fast.convertRunes(rs)
		if got, want := string(rs), fast.Convert(s); got != want {
			t.Errorf("in place %q = %q, Convert = %q", s, got, want)
		}
	}
}

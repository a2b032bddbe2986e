package nlp

import (
	"unicode/utf8"
)

// docFeatures is what the model sees of one text: its words (from the segmenter), the
// pairs of adjacent Chinese characters (robust to words the dictionary cuts oddly) and
// the lexicon's weight per category.
type docFeatures struct {
	words   []Token
	bigrams []uint64
	lex     []float64
}

func extractFeatures(norm string, toks []Token, matches []lexMatch, nCat int) docFeatures {
	f := docFeatures{lex: make([]float64, nCat), words: make([]Token, 0, len(toks)), bigrams: make([]uint64, 0, len(norm)/3)}
	for _, t := range toks {
		if r, _ := utf8.DecodeRuneInString(t.Text); isHan(r) {
			f.words = append(f.words, t)
		}
	}
	var prev rune
	prevAt := -1
	for i, r := range norm {
		if isHan(r) {
			if prevAt >= 0 {
				f.bigrams = append(f.bigrams, pairKey(prev, r))
			}
			prev, prevAt = r, i
			continue
		}
		prevAt = -1
	}
	for _, m := range matches {
		f.lex[m.cat] += m.weight
	}
	return f
}

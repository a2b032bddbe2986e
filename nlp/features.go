package nlp

import "unicode/utf8"

// docFeatures is what the model reads of one text: its Chinese words (from the
// segmenter), the pairs of adjacent Chinese characters in it (robust to words the
// dictionary cuts oddly; collected by the term scan) and the lexicon's weight per
// category.
type docFeatures struct {
	toks  []Token
	words []hashedWord
	pairs []uint64
	lex   []float64
	// accuse and request count the shapes of an accusation and of a request (cues.go).
	accuse, request int
}

// hashedWord is a token starting with a Chinese character, hashed once for both the
// model and the fingerprint.
type hashedWord struct {
	tok   int32 // index into toks
	runes int32 // length in characters, for the fingerprint's weights
	bytes int32 // length in bytes: six or more is two characters or more, worth showing or indexing
	hash  uint64
}

// extractFeatures reads the features of a text from its tokens and what the term scan
// found, its words into ws's buffer when set.
func extractFeatures(toks []Token, found termsFound, nCat int, ws *workspace) docFeatures {
	f := docFeatures{toks: toks, pairs: found.pairs}
	f.accuse, f.request = accusations(toks, found.deeds), found.requests
	if ws != nil {
		f.words = ws.words[:0]
		f.lex = append(ws.weight[:0], make([]float64, nCat)...)
		ws.weight = f.lex
	} else {
		f.lex = make([]float64, nCat)
	}
	for i := range toks {
		if r, _ := decodeRune(toks[i].Text, 0); isHan(r) {
			text := toks[i].Text
			f.words = append(f.words, hashedWord{int32(i), int32(utf8.RuneCountInString(text)), int32(len(text)), fnv64a(text)})
		}
	}
	if ws != nil {
		ws.words = f.words
	}
	for _, m := range found.lex {
		f.lex[m.cat] += m.weight
	}
	return f
}

// keys calls fn with every feature key of the text, words first (training).
func (f *docFeatures) keys(fn func(uint64)) {
	for _, w := range f.words {
		fn(wordKeyOf(w.hash))
	}
	for _, k := range f.pairs {
		fn(k)
	}
}

// searchWords are where the Chinese words of two characters or more are, for search
// indexes: single characters match too much to be worth an index entry.
func (f *docFeatures) searchWords() []span {
	n := 0
	for _, w := range f.words {
		if w.bytes >= 6 {
			n++
		}
	}
	out := make([]span, 0, n)
	for _, w := range f.words {
		if w.bytes >= 6 {
			t := &f.toks[w.tok]
			out = append(out, span{t.Start, t.End})
		}
	}
	return out
}

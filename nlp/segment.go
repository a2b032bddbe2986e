package nlp

import (
	"strings"

	"github.com/go-ego/gse"
)

// Token is one word of Text.Norm: its text, part-of-speech tag and byte range.
type Token struct {
	Text       string
	Pos        string
	Start, End int
}

// segmenter cuts normalised text into words with gse's simplified dictionary plus our
// domain dictionary. Read-only after construction, so concurrent cuts are safe.
type segmenter struct {
	seg gse.Segmenter
}

func newSegmenter(userDict, baseDict string) *segmenter {
	s := &segmenter{}
	// The HMM model is a package global in gse that races when a second segmenter is
	// built; we cut by dictionary only and never need it.
	s.seg.NotLoadHMM = true
	// Our words first: in gse the first entry of a word wins, which also overrides
	// gse's wrong tags (e.g. 大操大办/nt).
	words, removals := splitUserDict(userDict)
	s.seg.LoadDictStr(words + "\n" + baseDict)
	// Some dictionary words glue a unit to what follows (中学校长, 村村); a rare word
	// still beats two common ones on gse's shortest path, so they are deleted.
	for _, w := range removals {
		_ = s.seg.RemoveToken(w) // absent words are fine
	}
	return s
}

// Cut segments text (shortest path over the dictionary, no HMM).
func (s *segmenter) Cut(text string) []Token {
	segs := s.seg.Segment([]byte(text))
	toks := make([]Token, 0, len(segs))
	for i := range segs {
		st, en := segs[i].Start(), segs[i].End()
		if st < 0 || en > len(text) || st >= en {
			continue
		}
		toks = append(toks, Token{Text: text[st:en], Pos: segs[i].Token().Pos(), Start: st, End: en})
	}
	return toks
}

// splitUserDict drops comments and blank lines and separates "-word" removal lines.
func splitUserDict(dict string) (words string, removals []string) {
	var b strings.Builder
	for _, line := range strings.Split(dict, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "-"):
			removals = append(removals, strings.TrimSpace(line[1:]))
		default:
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String(), removals
}

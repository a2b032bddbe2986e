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
	seg  gse.Segmenter
	glue runeSet // glueRunes
}

func newSegmenter(userDict, baseDict string) *segmenter {
	s := &segmenter{}
	for _, r := range glueRunes {
		s.glue.add(r)
	}
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
func (s *segmenter) Cut(text string) []Token { return s.cutInto(text, nil) }

// cutInto is Cut appending to toks (a reused buffer).
func (s *segmenter) cutInto(text string, toks []Token) []Token {
	segs := s.seg.Segment([]byte(text))
	if toks == nil {
		toks = make([]Token, 0, len(segs))
	}
	for i := range segs {
		st, en := segs[i].Start(), segs[i].End()
		if st < 0 || en > len(text) || st >= en {
			continue
		}
		toks = append(toks, Token{Text: text[st:en], Pos: segs[i].Token().Pos(), Start: st, End: en})
	}
	return s.unglue(toks, text)
}

// glueRunes end unit names and often get glued to the next word by the shortest path
// (派出所说 → 派出 / 所说).
const glueRunes = "所局站院办队委厅处科社"

// unglue re-cuts prev|c+rest as prev+c|rest when the dictionary knows prev+c as a
// name (派出所, 信用社), so the unit survives segmentation.
func (s *segmenter) unglue(toks []Token, text string) []Token {
	for i := 1; i < len(toks); i++ {
		t := &toks[i]
		if len(t.Text) <= 3 { // a glue character is three bytes and needs more after it
			continue
		}
		c, size := decodeRune(t.Text, 0)
		if size == len(t.Text) || !s.glue.has(c) {
			continue
		}
		prev := toks[i-1]
		joined := text[prev.Start : t.Start+size]
		_, pos, ok := s.seg.Dict.Find([]byte(joined))
		if !ok || (pos != "nt" && pos != "n" && pos != "j") {
			continue
		}
		rest := text[t.Start+size : t.End]
		_, restPos, _ := s.seg.Dict.Find([]byte(rest))
		toks[i-1] = Token{Text: joined, Pos: pos, Start: prev.Start, End: t.Start + size}
		toks[i] = Token{Text: rest, Pos: restPos, Start: t.Start + size, End: t.End}
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

package nlp

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// Text is a complaint after normalisation. Norm is what every later step reads; Span
// turns a byte range of Norm back into the user's original words, so evidence quotes
// what the citizen wrote, in the script they wrote it in.
type Text struct {
	Original string
	Norm     string
	// start[i] / end[i]: for a rune of Norm starting (ending) at byte i, the byte offset
	// in Original where that rune starts (ends). Both nil when Norm == Original.
	start, end []int32
}

// Span returns the original text behind Norm[s:e], without any invalid bytes the
// range covers (normalisation dropped them), so a quote is always valid text while
// OrigRange still gives its place in the original. Out-of-range ranges are clamped.
func (t *Text) Span(s, e int) string {
	q := t.span(s, e)
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, "")
	}
	return q
}

func (t *Text) span(s, e int) string {
	if s < 0 {
		s = 0
	}
	if e > len(t.Norm) {
		e = len(t.Norm)
	}
	if s >= e {
		return ""
	}
	if t.start == nil {
		return t.Original[s:e]
	}
	os, oe := int(t.start[s]), int(t.end[e])
	if os < 0 || oe < 0 || os >= oe {
		return t.Norm[s:e]
	}
	return t.Original[os:oe]
}

// OrigRange is Span's byte range in Original.
func (t *Text) OrigRange(s, e int) (int, int) {
	if s < 0 || e > len(t.Norm) || s >= e {
		return -1, -1
	}
	if t.start == nil {
		return s, e
	}
	if t.start[s] < 0 || t.end[e] < 0 {
		return -1, -1
	}
	return int(t.start[s]), int(t.end[e])
}

// normalizer folds width, tidies whitespace and converts traditional characters to
// simplified with OpenCC (phrase-aware, so 乾隆 stays and 乾淨 becomes 干净).
type normalizer struct {
	t2s  *t2s
	trad runeSet // characters t2s changes
}

func newNormalizer() (*normalizer, error) {
	cc, err := opencc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("load opencc t2s: %w", err)
	}
	conv, err := newT2S(cc)
	if err != nil {
		return nil, err
	}
	n := &normalizer{t2s: conv}
	// Learn which characters are traditional once, so simplified texts (most of them)
	// skip the conversion entirely.
	for _, block := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}} {
		for r := block[0]; r <= block[1]; r++ {
			s := string(r)
			if conv.Convert(s) != s {
				n.trad.add(r)
			}
		}
	}
	return n, nil
}

// alreadyNormal reports whether Normalize would return the text unchanged, which is
// the common case and saves building the offset map.
func (n *normalizer) alreadyNormal(s string) bool {
	prevSpace := true // leading space is trimmed
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if prevSpace {
					return false
				}
				prevSpace = true
			case c < 0x20 || c == 0x7f:
				return false
			default:
				prevSpace = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 ||
			n.trad.has(r) || isInvisible(r) || unicode.IsSpace(r) {
			return false
		}
		if prevSpace && i > 0 && isHan(r) && isHan(lastRune(s[:i-1])) {
			return false // a space between two Chinese characters is dropped
		}
		prevSpace = false
		i += size
	}
	return !prevSpace || len(s) == 0
}

type mappedRune struct {
	r          rune
	start, end int32
}

// Normalize folds full-width forms to half-width, drops invalid bytes, control and
// zero-width characters, removes spaces between Chinese characters (a space inside
// 态度 恶劣 is noise), collapses other whitespace runs, and converts traditional script.
func (n *normalizer) Normalize(original string) *Text { return n.normalize(original, nil) }

// normalize is Normalize with its buffers (and the Text itself) taken from ws when set.
func (n *normalizer) normalize(original string, ws *workspace) *Text {
	t := &Text{}
	if ws != nil {
		t = &ws.text
	}
	*t = Text{Original: original, Norm: original}
	if n.alreadyNormal(original) {
		return t
	}
	var runes []mappedRune
	if ws != nil {
		runes = ws.runes[:0]
	} else {
		runes = make([]mappedRune, 0, len(original)/2)
	}
	hasTrad := false
	pendingSpace := -1 // original offset of a whitespace run not yet emitted
	for i := 0; i < len(original); {
		r, size := utf8.DecodeRuneInString(original[i:])
		start := i
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		r = foldWidth(r)
		switch {
		case unicode.IsSpace(r):
			if pendingSpace < 0 {
				pendingSpace = start
			}
			continue
		case isInvisible(r):
			continue
		}
		if pendingSpace >= 0 {
			if len(runes) > 0 && !(isHan(runes[len(runes)-1].r) && isHan(r)) {
				runes = append(runes, mappedRune{' ', int32(pendingSpace), int32(start)})
			}
			pendingSpace = -1
		}
		if n.trad.has(r) {
			hasTrad = true
		}
		runes = append(runes, mappedRune{r, int32(start), int32(i)})
	}
	if hasTrad {
		n.toSimplified(runes)
	}
	size := 0
	for _, m := range runes {
		size += utf8.RuneLen(m.r)
	}
	var b strings.Builder
	b.Grow(size)
	for _, m := range runes {
		b.WriteRune(m.r)
	}
	t.Norm = b.String()
	var offsets []int32
	if ws != nil {
		ws.runes = runes
		offsets = int32s(ws.offsets, 2*(size+1))
		ws.offsets = offsets
	} else {
		offsets = make([]int32, 2*(size+1))
	}
	t.start, t.end = offsets[:size+1], offsets[size+1:]
	for i := range offsets {
		offsets[i] = -1
	}
	t.end[0] = 0
	off := 0
	for _, m := range runes {
		t.start[off] = m.start
		off += utf8.RuneLen(m.r)
		t.end[off] = m.end
	}
	t.start[size] = int32(len(original))
	return t
}

// toSimplified converts in place, one character for one character, so offsets hold.
func (n *normalizer) toSimplified(runes []mappedRune) {
	src := make([]rune, len(runes))
	for i, m := range runes {
		src[i] = m.r
	}
	n.t2s.convertRunes(src)
	for i := range runes {
		runes[i].r = src[i]
	}
}

func foldWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + 0x21
	case r == 0x3000:
		return ' '
	}
	return r
}

func isInvisible(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return unicode.IsControl(r)
}

// isHan: the common CJK block by range, the rarer ones by table.
func isHan(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return true
	}
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

package nlp

import (
	"fmt"
	"sort"
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
	// Where each character of Norm came from, in the order of Norm; nil when Norm ==
	// Original. Only a few ranges per text are ever mapped back (evidence, signals, the
	// subject), so they are found by binary search rather than kept per byte.
	runes []mappedRune
}

// origStart is where in Original the character at byte i of Norm starts, -1 when no
// character starts at i; i == len(Norm) maps to len(Original).
func (t *Text) origStart(i int) int {
	if i == len(t.Norm) {
		return len(t.Original)
	}
	k := t.runeAt(i)
	if k == len(t.runes) || int(t.runes[k].norm) != i {
		return -1
	}
	return int(t.runes[k].start)
}

// origEnd is where in Original the character ending at byte i of Norm ends, -1 when no
// character ends at i; 0 maps to 0.
func (t *Text) origEnd(i int) int {
	if i == 0 {
		return 0
	}
	k := t.runeAt(i) - 1 // the character before the first one at or after i
	if k < 0 || int(t.runes[k].norm)+utf8.RuneLen(t.runes[k].r) != i {
		return -1
	}
	return int(t.runes[k].end)
}

// runeAt is the index of the first character at or after byte i of Norm.
func (t *Text) runeAt(i int) int {
	return sort.Search(len(t.runes), func(k int) bool { return int(t.runes[k].norm) >= i })
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
	if t.runes == nil {
		return t.Original[s:e]
	}
	os, oe := t.origStart(s), t.origEnd(e)
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
	if t.runes == nil {
		return s, e
	}
	os, oe := t.origStart(s), t.origEnd(e)
	if os < 0 || oe < 0 {
		return -1, -1
	}
	return os, oe
}

// quote is Span and OrigRange at once, mapping the range back to Original once.
func (t *Text) quote(s, e int) (text string, start, end int) {
	if s < 0 || e > len(t.Norm) || s >= e || t.runes == nil {
		start, end = t.OrigRange(s, e)
		return t.Span(s, e), start, end
	}
	start, end = t.origStart(s), t.origEnd(e)
	text = t.Norm[s:e]
	if start >= 0 && end >= 0 && start < end {
		text = t.Original[start:end]
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "")
	}
	if start < 0 || end < 0 {
		return text, -1, -1
	}
	return text, start, end
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
		r, size := decodeRune(s, i)
		if r == utf8.RuneError && size == 1 || r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 ||
			n.trad.has(r) || isInvisible(r) || isSpace(r) {
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

// mappedRune is a character of Norm: the rune, its byte offset in Norm and the byte
// range in Original it came from.
type mappedRune struct {
	r          rune
	norm       int32
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
	var buf []byte // Norm as it is built, valid unless conversion changes characters
	if ws != nil {
		runes, buf = ws.runes[:0], ws.buf[:0]
	} else {
		runes, buf = make([]mappedRune, 0, len(original)/2), make([]byte, 0, len(original))
	}
	hasTrad := false
	pendingSpace := -1 // original offset of a whitespace run not yet emitted
	for i := 0; i < len(original); {
		r, size := decodeRune(original, i)
		start := i
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		r = foldWidth(r)
		switch {
		case isSpace(r):
			if pendingSpace < 0 {
				pendingSpace = start
			}
			continue
		case isInvisible(r):
			continue
		}
		if pendingSpace >= 0 {
			if len(runes) > 0 && !(isHan(runes[len(runes)-1].r) && isHan(r)) {
				runes = append(runes, mappedRune{r: ' ', norm: int32(len(buf)), start: int32(pendingSpace), end: int32(start)})
				buf = append(buf, ' ')
			}
			pendingSpace = -1
		}
		if n.trad.has(r) {
			hasTrad = true
		}
		runes = append(runes, mappedRune{r: r, norm: int32(len(buf)), start: int32(start), end: int32(i)})
		buf = appendRune(buf, r)
	}
	if hasTrad {
		var src []rune
		if ws != nil {
			src = ws.src
		}
		src = n.toSimplified(runes, src)
		buf = buf[:0]
		for i := range runes {
			runes[i].norm = int32(len(buf))
			buf = appendRune(buf, runes[i].r)
		}
		if ws != nil {
			ws.src = src
		}
	}
	t.Norm, t.runes = string(buf), runes
	if ws != nil {
		ws.runes, ws.buf = runes, buf
	}
	return t
}

// toSimplified converts in place, one character for one character, so offsets hold.
// src is a buffer to reuse; the one used is returned.
func (n *normalizer) toSimplified(runes []mappedRune, src []rune) []rune {
	src = src[:0]
	for _, m := range runes {
		src = append(src, m.r)
	}
	n.t2s.convertRunes(src)
	for i := range runes {
		runes[i].r = src[i]
	}
	return src
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

// isSpace is unicode.IsSpace without its table search for the characters above U+3000
// (all of Chinese), none of which is a space.
func isSpace(r rune) bool { return r <= 0x3000 && unicode.IsSpace(r) }

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

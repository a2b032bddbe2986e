package nlp

import (
	"fmt"
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
	// in Original where that rune starts (ends).
	start, end []int32
}

// Span returns the original text behind Norm[s:e]. Out-of-range or non-rune-aligned
// ranges are clamped rather than trusted.
func (t *Text) Span(s, e int) string {
	if s < 0 {
		s = 0
	}
	if e > len(t.Norm) {
		e = len(t.Norm)
	}
	if s >= e {
		return ""
	}
	os, oe := int(t.start[s]), int(t.end[e])
	if os < 0 || oe < 0 || os >= oe {
		return t.Norm[s:e]
	}
	return t.Original[os:oe]
}

// OrigRange is Span's byte range in Original.
func (t *Text) OrigRange(s, e int) (int, int) {
	if s < 0 || e > len(t.Norm) || s >= e || t.start[s] < 0 || t.end[e] < 0 {
		return -1, -1
	}
	return int(t.start[s]), int(t.end[e])
}

// normalizer folds width, tidies whitespace and converts traditional characters to
// simplified with OpenCC (phrase-aware, so 乾隆 stays and 乾淨 becomes 干净).
type normalizer struct {
	t2s  *opencc.OpenCC
	trad []bool // indexed by rune < 0x10000: t2s changes this character
}

func newNormalizer() (*normalizer, error) {
	cc, err := opencc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("load opencc t2s: %w", err)
	}
	n := &normalizer{t2s: cc, trad: make([]bool, 0x10000)}
	// Learn which characters are traditional once, so simplified texts (most of them)
	// skip the conversion entirely.
	for _, block := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}} {
		for r := block[0]; r <= block[1]; r++ {
			s := string(r)
			out, err := cc.Convert(s)
			if err == nil && out != s {
				n.trad[r] = true
			}
		}
	}
	return n, nil
}

type mappedRune struct {
	r          rune
	start, end int32
}

// Normalize folds full-width forms to half-width, drops invalid bytes, control and
// zero-width characters, removes spaces between Chinese characters (a space inside
// 态度 恶劣 is noise), collapses other whitespace runs, and converts traditional script.
func (n *normalizer) Normalize(original string) *Text {
	runes := make([]mappedRune, 0, len(original)/2)
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
		if r < 0x10000 && n.trad[r] {
			hasTrad = true
		}
		runes = append(runes, mappedRune{r, int32(start), int32(i)})
	}
	if hasTrad {
		n.toSimplified(runes)
	}
	buf := make([]byte, 0, len(runes)*3)
	t := &Text{Original: original}
	for _, m := range runes {
		buf = utf8.AppendRune(buf, m.r)
	}
	t.Norm = string(buf)
	t.start = make([]int32, len(buf)+1)
	t.end = make([]int32, len(buf)+1)
	for i := range t.start {
		t.start[i], t.end[i] = -1, -1
	}
	t.end[0] = 0
	off := 0
	for _, m := range runes {
		t.start[off] = m.start
		off += utf8.RuneLen(m.r)
		t.end[off] = m.end
	}
	t.start[len(buf)] = int32(len(original))
	return t
}

// toSimplified converts in place. OpenCC t2s keeps one character for one character; if a
// phrase ever changed the count, fall back to converting character by character so the
// offsets stay right.
func (n *normalizer) toSimplified(runes []mappedRune) {
	src := make([]rune, len(runes))
	for i, m := range runes {
		src[i] = m.r
	}
	out, err := n.t2s.Convert(string(src))
	if err == nil {
		conv := []rune(out)
		if len(conv) == len(runes) {
			for i := range runes {
				runes[i].r = conv[i]
			}
			return
		}
	}
	for i, m := range runes {
		if m.r >= 0x10000 || !n.trad[m.r] {
			continue
		}
		if c, err := n.t2s.Convert(string(m.r)); err == nil {
			if cr := []rune(c); len(cr) == 1 {
				runes[i].r = cr[0]
			}
		}
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

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

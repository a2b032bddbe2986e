package nlp

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// decodeRune, decodeLastRune and appendRune must agree with the library on every input, valid or not.
func FuzzDecodeRune(f *testing.F) {
	for _, s := range []string{"", "a", "中文", "\xe0\x80\x80", "\xed\xa0\x80", "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "\xe4\xb8", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := 0; i < len(s); {
			r, size := decodeRune(s, i)
			wr, wsize := utf8.DecodeRuneInString(s[i:])
			if r != wr || size != wsize {
				t.Fatalf("decodeRune(%q, %d) = %U,%d; library %U,%d", s, i, r, size, wr, wsize)
			}
			if got, want := string(appendRune(nil, r)), string(utf8.AppendRune(nil, r)); got != want {
				t.Fatalf("appendRune(%U) = %q, want %q", r, got, want)
			}
			lr, lsize := decodeLastRune(s[:i+size])
			if wr, wsize := utf8.DecodeLastRuneInString(s[:i+size]); lr != wr || lsize != wsize {
				t.Fatalf("decodeLastRune(%q) = %U,%d; library %U,%d", s[:i+size], lr, lsize, wr, wsize)
			}
			i += size
		}
	})
}

// Every three-byte sequence the fast path may see, and every rune.
func TestDecodeRuneAllThreeByteSequences(t *testing.T) {
	b := []byte{0, 0, 0, 'x'}
	for c0 := 0xE0; c0 <= 0xEF; c0++ {
		for c1 := 0; c1 < 256; c1++ {
			for c2 := 0; c2 < 256; c2++ {
				b[0], b[1], b[2] = byte(c0), byte(c1), byte(c2)
				s := string(b)
				r, size := decodeRune(s, 0)
				if wr, wsize := utf8.DecodeRuneInString(s); r != wr || size != wsize {
					t.Fatalf("decodeRune(% x) = %U,%d; library %U,%d", b[:3], r, size, wr, wsize)
				}
				for _, tail := range []string{s[:3], s[1:3], s[2:3]} {
					r, size := decodeLastRune(tail)
					if wr, wsize := utf8.DecodeLastRuneInString(tail); r != wr || size != wsize {
						t.Fatalf("decodeLastRune(% x) = %U,%d; library %U,%d", tail, r, size, wr, wsize)
					}
				}
			}
		}
	}
	for r := rune(-1); r <= utf8.MaxRune+1; r++ {
		if got, want := string(appendRune(nil, r)), string(utf8.AppendRune(nil, r)); got != want {
			t.Fatalf("appendRune(%U) = %q, want %q", r, got, want)
		}
	}
}

func TestIsSpaceMatchesUnicode(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if isSpace(r) != unicode.IsSpace(r) {
			t.Fatalf("isSpace(%U) = %v", r, isSpace(r))
		}
	}
}

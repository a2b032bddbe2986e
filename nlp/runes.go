package nlp

import "unicode/utf8"

// decodeRune is utf8.DecodeRuneInString(s[i:]) with the two cases that make up almost
// all of a Chinese complaint (ASCII and a well-formed three-byte character) decoded
// inline: the text is walked character by character in several hot loops, and the
// library's multi-byte path is a function call each time.
func decodeRune(s string, i int) (rune, int) {
	if i+2 < len(s) {
		c0, c1, c2 := s[i], s[i+1], s[i+2]
		// E1–EC and EE–EF take any continuation bytes; E0 and ED have narrower ranges
		// (overlong forms, surrogates) and are left to the library.
		if (c0 >= 0xE1 && c0 <= 0xEC || c0 >= 0xEE) && c0 <= 0xEF && c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	if i < len(s) && s[i] < utf8.RuneSelf {
		return rune(s[i]), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// decodeLastRune is utf8.DecodeLastRuneInString with the same two cases inline.
func decodeLastRune(s string) (rune, int) {
	if n := len(s); n >= 3 {
		c0, c1, c2 := s[n-3], s[n-2], s[n-1]
		if (c0 >= 0xE1 && c0 <= 0xEC || c0 >= 0xEE) && c0 <= 0xEF && c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	if n := len(s); n > 0 && s[n-1] < utf8.RuneSelf {
		return rune(s[n-1]), 1
	}
	return utf8.DecodeLastRuneInString(s)
}

// appendRune is utf8.AppendRune with the three-byte case inline.
func appendRune(b []byte, r rune) []byte {
	if r >= 0x800 && r < 0x10000 && (r < 0xD800 || r > 0xDFFF) {
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return utf8.AppendRune(b, r)
}

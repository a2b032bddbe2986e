package nlp

import (
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// Fingerprint is a 64-bit SimHash of a complaint's words: near-duplicate complaints
// differ in few bits (see Distance).
type Fingerprint uint64

// String is 16 lower-case hex digits.
func (f Fingerprint) String() string { return fmt.Sprintf("%016x", uint64(f)) }

// MarshalText lets JSON carry the hex form.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads the hex form.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 16, 64)
	if err != nil {
		return fmt.Errorf("fingerprint %q: %w", b, err)
	}
	*f = Fingerprint(v)
	return nil
}

// Distance is the number of differing bits; 0–3 means near-duplicate texts, unrelated
// complaints sit around 32.
func Distance(a, b Fingerprint) int { return bits.OnesCount64(uint64(a) ^ uint64(b)) }

// simhash weighs each Chinese word by its length (longer words say more than particles).
func simhash(words []Token) Fingerprint {
	var acc [64]int
	for _, w := range words {
		n := utf8.RuneCountInString(w.Text)
		if n < 2 {
			continue
		}
		v := fnv64a(w.Text)
		for b := 0; b < 64; b++ {
			if v&(1<<b) != 0 {
				acc[b] += n
			} else {
				acc[b] -= n
			}
		}
	}
	var f uint64
	for b := 0; b < 64; b++ {
		if acc[b] > 0 {
			f |= 1 << b
		}
	}
	return Fingerprint(f)
}

// fnv64a is FNV-1a over the word's bytes, inline to avoid an allocation per word.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

package nlp

import (
	"fmt"
	"math/bits"
	"strconv"
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

// NearDuplicate is the largest Distance at which two complaints count as the same text
// reworded slightly (measured: a changed word or punctuation 9, a traditional-script copy
// 0; unrelated complaints 25–32).
const NearDuplicate = 10

// Distance is the number of differing bits between two fingerprints.
func Distance(a, b Fingerprint) int { return bits.OnesCount64(uint64(a) ^ uint64(b)) }

// simhash weighs each Chinese word by its length (longer words say more than particles).
// Per bit it counts the weight of words whose hash has the bit set, eight bits at a time
// in 16-bit lanes; a bit of the fingerprint is set when that weight is over half.
func simhash(f *docFeatures) Fingerprint {
	var lanes [16]uint64 // lanes[2k], lanes[2k+1] hold bits 8k..8k+3 and 8k+4..8k+7
	total := 0
	for _, w := range f.words {
		n := int(w.runes)
		if n < 2 {
			continue
		}
		if total+n > 0xFFFF {
			break // counters are 16 bits; texts are capped far below this many characters
		}
		total += n
		v, m := w.hash, uint64(n)
		for k := 0; k < 16; k += 2 {
			s := &spreadByte[v&0xFF]
			lanes[k] += s[0] * m
			lanes[k+1] += s[1] * m
			v >>= 8
		}
	}
	var fp uint64
	for k := 0; k < 16; k++ {
		for j := 0; j < 4; j++ {
			if count := int(lanes[k] >> (16 * j) & 0xFFFF); 2*count > total {
				fp |= 1 << (4*k + j)
			}
		}
	}
	return Fingerprint(fp)
}

// spreadByte[x] puts bit j of x into the low bit of 16-bit lane j: bits 0–3 in the
// first word, 4–7 in the second.
var spreadByte = func() (t [256][2]uint64) {
	for x := range t {
		for j := 0; j < 8; j++ {
			if x&(1<<j) != 0 {
				t[x][j/4] |= 1 << (16 * (j % 4))
			}
		}
	}
	return t
}()

// fnv64a is FNV-1a over the word's bytes, inline to avoid an allocation per word.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

package nlp

import "math/bits"

// featureTable maps 64-bit feature keys to rows of per-class log-likelihoods. The model
// looks up every word and character pair of every text right after gse has walked its
// large dictionary through the CPU caches, so each lookup is likely a trip to main
// memory; the frozen table is laid out to need few of them:
//   - a 32 KB bit filter answers most absent keys (about two thirds of lookups);
//   - an open-addressing index holds each key with its row number;
//   - a row is its log-likelihoods, 16 bits each (steps of 1/512 nat, far finer than any
//     decision needs), padded to 32 bytes so that it never straddles two cache lines.
type featureTable struct {
	width int

	// While training.
	counts map[uint64]int32 // key -> row in rows
	rows   []float32

	// After freeze.
	filter []uint64      // bit per (mixed key >> filterShift): clear means absent
	slots  []featureSlot // by mixed key, linear probing
	mask   uint64
	stride int     // int16s per packed row: width rounded up to a multiple of 16
	packed []int16 // log-likelihoods by row
}

type featureSlot struct {
	key uint64
	row int32 // row+1; 0 marks an empty slot
}

const (
	logScale    = 512
	filterBits  = 18 // 2^18 bits = 32 KB; about 4 % false positives at 12,000 features
	filterShift = 64 - filterBits
)

func newFeatureTable(width int) *featureTable {
	return &featureTable{width: width, counts: map[uint64]int32{}}
}

// mix spreads key bits before masking (FNV keys are good, pairs of runes are not).
func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}

// add counts one occurrence of k under class c (training).
func (t *featureTable) add(k uint64, c int) int32 {
	r, ok := t.counts[k]
	if !ok {
		r = int32(len(t.counts))
		t.counts[k] = r
		t.rows = append(t.rows, make([]float32, t.width)...)
	}
	t.rows[int(r)*t.width+c]++
	return r
}

// freeze turns every row into log-likelihoods with f, packs them into 16 bits and builds
// the lookup structures.
func (t *featureTable) freeze(f func(r int32, row []float32)) {
	t.stride = (t.width + 15) &^ 15
	n := 1 << bits.Len(uint(len(t.counts)*3/2)) // load factor ≤ 2/3
	t.filter = make([]uint64, 1<<filterBits/64)
	t.slots = make([]featureSlot, n)
	t.mask = uint64(n - 1)
	t.packed = make([]int16, len(t.counts)*t.stride)
	for k, r := range t.counts {
		row := t.rows[int(r)*t.width : int(r+1)*t.width]
		f(r, row)
		for c, v := range row {
			q := v * logScale
			q = min(max(q, -32768), 32767)
			t.packed[int(r)*t.stride+c] = int16(q)
		}
		h := mix(k)
		t.filter[h>>filterShift/64] |= 1 << (h >> filterShift % 64)
		i := h & t.mask
		for t.slots[i].row != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = featureSlot{k, r + 1}
	}
	t.counts, t.rows = nil, nil
}

// find returns the row number of k, or -1.
func (t *featureTable) find(k uint64) int32 {
	h := mix(k)
	if f := h >> filterShift; t.filter[f/64]&(1<<(f%64)) == 0 {
		return -1
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.row == 0 {
			return -1
		}
		if s.key == k {
			return s.row - 1
		}
	}
}

// row returns the log-likelihoods of row r.
func (t *featureTable) row(r int32) []int16 {
	return t.packed[int(r)*t.stride : int(r)*t.stride+t.width]
}

// Feature keys: words by FNV-1a of their text, pairs of characters by their two runes.
// The top bit tells them apart, so a word can never collide with a pair.
func wordKeyOf(hash uint64) uint64 { return hash | 1<<63 }
func pairKey(a, b rune) uint64     { return (uint64(uint32(a))<<32 | uint64(uint32(b))) &^ (1 << 63) }

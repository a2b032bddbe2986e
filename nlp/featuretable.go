package nlp

import "math/bits"

// featureTable maps 64-bit feature keys to rows of per-class log-likelihoods. The model
// looks up every word and character pair of every text right after gse has walked its
// large dictionary through the CPU caches, so each lookup is likely a trip to main
// memory; the frozen table is laid out to need few of them:
//   - a 32 KB bit filter answers most absent keys (about two thirds of lookups);
//   - an open-addressing index of 4-byte row numbers, small enough to stay cached;
//   - each row holds its own key next to its log-likelihoods, 16 bits each (steps of
//     1/512 nat, far finer than any decision needs), so a hit reads one place.
type featureTable struct {
	width int

	// While training.
	counts map[uint64]int32 // key -> row in rows
	rows   []float32

	// After freeze.
	filter []uint64 // bit per (mixed key >> filterShift): clear means absent
	index  []int32  // row+1 by mixed key, linear probing; 0 marks an empty slot
	mask   uint64
	packed []int16 // per row: the key in 4 int16s, then width log-likelihoods
}

const (
	logScale    = 512
	filterBits  = 18 // 2^18 bits = 32 KB; about 4 % false positives at 12,000 features
	filterShift = 64 - filterBits
	keyWords    = 4 // int16s holding a row's key
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
func (t *featureTable) add(k uint64, c int) {
	r, ok := t.counts[k]
	if !ok {
		r = int32(len(t.counts))
		t.counts[k] = r
		t.rows = append(t.rows, make([]float32, t.width)...)
	}
	t.rows[int(r)*t.width+c]++
}

// freeze turns every row into log-likelihoods with f, packs them into 16 bits and builds
// the lookup structures.
func (t *featureTable) freeze(f func(row []float32)) {
	stride := keyWords + t.width
	n := 1 << bits.Len(uint(len(t.counts)*3/2)) // load factor ≤ 2/3
	t.filter = make([]uint64, 1<<filterBits/64)
	t.index = make([]int32, n)
	t.mask = uint64(n - 1)
	t.packed = make([]int16, len(t.counts)*stride)
	for k, r := range t.counts {
		row := t.rows[int(r)*t.width : int(r+1)*t.width]
		f(row)
		out := t.packed[int(r)*stride : int(r+1)*stride]
		for w := 0; w < keyWords; w++ {
			out[w] = int16(uint16(k >> (16 * w)))
		}
		for c, v := range row {
			q := v * logScale
			if q < -32768 {
				q = -32768
			}
			out[keyWords+c] = int16(q)
		}
		h := mix(k)
		t.filter[h>>filterShift/64] |= 1 << (h >> filterShift % 64)
		i := h & t.mask
		for t.index[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.index[i] = r + 1
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
		r := t.index[i]
		if r == 0 {
			return -1
		}
		if t.keyOf(r-1) == k {
			return r - 1
		}
	}
}

// keyOf reads the key stored at the front of row r.
func (t *featureTable) keyOf(r int32) uint64 {
	row := t.packed[int(r)*(keyWords+t.width):]
	return uint64(uint16(row[0])) | uint64(uint16(row[1]))<<16 | uint64(uint16(row[2]))<<32 | uint64(uint16(row[3]))<<48
}

// row returns the log-likelihoods of row r.
func (t *featureTable) row(r int32) []int16 {
	stride := keyWords + t.width
	return t.packed[int(r)*stride+keyWords : int(r+1)*stride]
}

// Feature keys: words by FNV-1a of their text, pairs of characters by their two runes.
// The top bit tells them apart, so a word can never collide with a pair.
func wordKeyOf(hash uint64) uint64 { return hash | 1<<63 }
func pairKey(a, b rune) uint64     { return (uint64(uint32(a))<<32 | uint64(uint32(b))) &^ (1 << 63) }

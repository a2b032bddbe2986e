package nlp

import "math/bits"

// featureTable maps 64-bit feature keys to rows of per-class log-likelihoods with open
// addressing and linear probing. The model looks up every word and character pair of
// every text right after gse has walked its large dictionary through the CPU caches, so
// the table is kept small: keys in one array, rows in another, each log-likelihood in
// 16 bits (steps of 1/512 nat, far finer than any decision needs).
type featureTable struct {
	keys  []uint64 // 0 marks an empty slot; key 0 is remapped on the way in
	idx   []int32  // slot -> row
	rows  []float32
	width int
	count int
	mask  uint64

	packed []int16 // rows after freeze, scaled by logScale
}

const logScale = 512

func newFeatureTable(capacity, width int) *featureTable {
	n := 1 << bits.Len(uint(capacity*3/2)) // load factor ≤ 2/3
	return &featureTable{keys: make([]uint64, n), idx: make([]int32, n), mask: uint64(n - 1), width: width}
}

func slotKey(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

// mix spreads key bits before masking (FNV keys are good, pairs of runes are not).
func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}

func (t *featureTable) slot(k uint64) (uint64, bool) {
	k = slotKey(k)
	for i := mix(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return i, true
		case 0:
			return i, false
		}
	}
}

// lookup returns the frozen row of k, or nil.
func (t *featureTable) lookup(k uint64) []int16 {
	i, ok := t.slot(k)
	if !ok {
		return nil
	}
	r := int(t.idx[i]) * t.width
	return t.packed[r : r+t.width]
}

// add counts one occurrence of k under class c (training).
func (t *featureTable) add(k uint64, c int) {
	if (t.count+1)*3 > len(t.keys)*2 {
		t.resize(len(t.keys))
	}
	i, ok := t.slot(k)
	if !ok {
		t.keys[i] = slotKey(k)
		t.idx[i] = int32(t.count)
		t.count++
		t.rows = append(t.rows, make([]float32, t.width)...)
	}
	t.rows[int(t.idx[i])*t.width+c]++
}

func (t *featureTable) resize(capacity int) {
	old := *t
	*t = *newFeatureTable(capacity, old.width)
	t.rows, t.count, t.packed = old.rows, old.count, old.packed
	for i, k := range old.keys {
		if k != 0 {
			j, _ := t.slot(k)
			t.keys[j], t.idx[j] = k, old.idx[i]
		}
	}
}

// freeze turns every row into log-likelihoods with f, packs them into 16 bits and
// shrinks the table to its final size.
func (t *featureTable) freeze(f func(row []float32)) {
	t.packed = make([]int16, len(t.rows))
	for r := 0; r < t.count; r++ {
		row := t.rows[r*t.width : (r+1)*t.width]
		f(row)
		for c, v := range row {
			q := v * logScale
			if q < -32768 {
				q = -32768
			}
			t.packed[r*t.width+c] = int16(q)
		}
	}
	t.rows = nil
	t.resize(t.count)
}

// Feature keys: words by FNV-1a of their text, pairs of characters by their two runes.
// The top bit tells them apart, so a word can never collide with a pair.
func wordKey(w string) uint64  { return fnv64a(w) | 1<<63 }
func pairKey(a, b rune) uint64 { return (uint64(uint32(a))<<32 | uint64(uint32(b))) &^ (1 << 63) }

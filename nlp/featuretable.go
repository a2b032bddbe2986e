package nlp

import "math/bits"

// featureTable maps 64-bit feature keys to rows of per-class log-likelihoods with open
// addressing and linear probing. The model looks up every word and character pair of
// every text right after gse has walked its large dictionary through the CPU caches, so
// each lookup is likely a trip to main memory. To make fewer of them: a 32 KB bit filter
// answers most absent keys (about two thirds of lookups) from the L1 cache, a slot
// holds its key and row number together, and each log-likelihood takes 16 bits (steps of
// 1/512 nat, far finer than any decision needs).
type featureTable struct {
	slots  []featureSlot // key 0 marks an empty slot; key 0 is remapped on the way in
	filter []uint64      // bit per (mixed key >> filterShift): clear means absent
	rows   []float32
	width  int
	count  int
	mask   uint64

	packed []int16 // rows after freeze, scaled by logScale
}

type featureSlot struct {
	key uint64
	row int32
}

const (
	logScale    = 512
	filterBits  = 18 // 2^18 bits = 32 KB; about 4 % false positives at 12,000 features
	filterShift = 64 - filterBits
)

func newFeatureTable(capacity, width int) *featureTable {
	n := 1 << bits.Len(uint(capacity*3/2)) // load factor ≤ 2/3
	return &featureTable{slots: make([]featureSlot, n), filter: make([]uint64, 1<<filterBits/64), mask: uint64(n - 1), width: width}
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

// slot finds k (already through slotKey) given its mixed form h.
func (t *featureTable) slot(k, h uint64) (uint64, bool) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case k:
			return i, true
		case 0:
			return i, false
		}
	}
}

// lookup returns the frozen row of k, or nil.
func (t *featureTable) lookup(k uint64) []int16 {
	k = slotKey(k)
	h := mix(k)
	if f := h >> filterShift; t.filter[f/64]&(1<<(f%64)) == 0 {
		return nil
	}
	i, ok := t.slot(k, h)
	if !ok {
		return nil
	}
	r := int(t.slots[i].row) * t.width
	return t.packed[r : r+t.width]
}

// add counts one occurrence of k under class c (training).
func (t *featureTable) add(k uint64, c int) {
	if (t.count+1)*3 > len(t.slots)*2 {
		t.resize(len(t.slots))
	}
	k = slotKey(k)
	h := mix(k)
	i, ok := t.slot(k, h)
	if !ok {
		t.slots[i] = featureSlot{k, int32(t.count)}
		f := h >> filterShift
		t.filter[f/64] |= 1 << (f % 64)
		t.count++
		t.rows = append(t.rows, make([]float32, t.width)...)
	}
	t.rows[int(t.slots[i].row)*t.width+c]++
}

func (t *featureTable) resize(capacity int) {
	old := *t
	*t = *newFeatureTable(capacity, old.width)
	t.rows, t.count, t.packed, t.filter = old.rows, old.count, old.packed, old.filter
	for _, s := range old.slots {
		if s.key != 0 {
			j, _ := t.slot(s.key, mix(s.key))
			t.slots[j] = s
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
func wordKeyOf(hash uint64) uint64 { return hash | 1<<63 }
func pairKey(a, b rune) uint64     { return (uint64(uint32(a))<<32 | uint64(uint32(b))) &^ (1 << 63) }

package nlp

import "math/bits"

// featureTable maps 64-bit feature keys to their per-class log-likelihoods with open
// addressing and linear probing, the row stored next to its key. The model looks up
// every word and character pair of every text right after gse has walked its large
// dictionary through the CPU caches; one cache line per lookup, instead of a Go map
// plus a separate row array, is what keeps classification cheap.
type featureTable struct {
	slots []featureSlot
	mask  uint64
	count int
	width int // classes per row
}

type featureSlot struct {
	key uint64 // 0 marks an empty slot; key 0 is remapped on the way in
	row [maxClasses]float32
}

// maxClasses bounds the number of categories a lexicon may define.
const maxClasses = 15

// newFeatureTable makes room for capacity keys at a load factor of at most 2/3.
func newFeatureTable(capacity, width int) *featureTable {
	n := 1 << bits.Len(uint(capacity*3/2))
	return &featureTable{slots: make([]featureSlot, n), mask: uint64(n - 1), width: width}
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

// get returns the row stored for k, or nil.
func (t *featureTable) get(k uint64) *[maxClasses]float32 {
	k = slotKey(k)
	for i := mix(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case k:
			return &t.slots[i].row
		case 0:
			return nil
		}
	}
}

// getOrAdd returns the row for k, adding a zero row when k is new.
func (t *featureTable) getOrAdd(k uint64) *[maxClasses]float32 {
	if (t.count+1)*3 > len(t.slots)*2 {
		t.grow()
	}
	k = slotKey(k)
	for i := mix(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case k:
			return &t.slots[i].row
		case 0:
			t.slots[i].key = k
			t.count++
			return &t.slots[i].row
		}
	}
}

func (t *featureTable) grow() { t.resize(len(t.slots)) }

// compact shrinks the table to the smallest size that holds its keys, so that the
// model stays small in the CPU cache once training is done.
func (t *featureTable) compact() { t.resize(t.count) }

func (t *featureTable) resize(capacity int) {
	old := t.slots
	*t = *newFeatureTable(capacity, t.width)
	for i := range old {
		if old[i].key != 0 {
			*t.getOrAdd(old[i].key) = old[i].row
		}
	}
}

// each calls fn for every stored row.
func (t *featureTable) each(fn func(row *[maxClasses]float32)) {
	for i := range t.slots {
		if t.slots[i].key != 0 {
			fn(&t.slots[i].row)
		}
	}
}

// Feature keys: words by FNV-1a of their text, pairs of characters by their two runes.
// The top bit tells them apart, so a word can never collide with a pair.
func wordKey(w string) uint64  { return fnv64a(w) | 1<<63 }
func pairKey(a, b rune) uint64 { return (uint64(uint32(a))<<32 | uint64(uint32(b))) &^ (1 << 63) }

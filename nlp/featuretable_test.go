package nlp

import (
	"math/rand"
	"testing"
)

// Every key trained is found with its own row, key 0 included; keys never trained are
// not, however they hash.
func TestFeatureTableFindsExactlyTheTrainedKeys(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	const width = 13
	table := newFeatureTable(width)
	keys := []uint64{0, 1, 1 << 63, pairKey('吃', '拿'), wordKeyOf(fnv64a("局长"))}
	for len(keys) < 20000 {
		keys = append(keys, rng.Uint64())
	}
	for i, k := range keys {
		table.add(k, i%width) // one count, in a class the key names
	}
	table.freeze(func(_ int32, row []float32) {
		for c := range row {
			row[c] = -row[c] // 1 in the key's class becomes -1, the others stay 0
		}
	})
	for i, k := range keys {
		r := table.find(k)
		if r < 0 {
			t.Fatalf("key %d (%#x) not found", i, k)
		}
		for c, v := range table.row(r) {
			want := int16(0)
			if c == i%width {
				want = -logScale
			}
			if v != want {
				t.Fatalf("key %d: row %v, want -%d in class %d only", i, table.row(r), logScale, i%width)
			}
		}
	}
	trained := map[uint64]bool{}
	for _, k := range keys {
		trained[k] = true
	}
	for n := 0; n < 200000; n++ {
		if k := rng.Uint64(); !trained[k] && table.find(k) >= 0 {
			t.Fatalf("untrained key %#x found", k)
		}
	}
}

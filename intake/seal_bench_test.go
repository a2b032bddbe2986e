package intake

import (
	"fmt"
	"strings"
	"testing"
)

// sealSizes are what gets sealed: an identity, a complaint of a few hundred characters,
// and a long letter.
var sealSizes = []int{256, 2 << 10, 16 << 10}

// BenchmarkSeal and BenchmarkOpen time one seal and one open per suite and size.
// Run: go test -run '^$' -bench 'Seal|Open' -benchmem ./intake
func BenchmarkSeal(b *testing.B) {
	for _, suite := range []Suite{SuiteAES, SuiteSM} {
		k := ring(b, suite, key(1))
		for _, n := range sealSizes {
			plain := []byte(strings.Repeat("举", n/3))
			b.Run(fmt.Sprintf("%s/%dB", suite, len(plain)), func(b *testing.B) {
				b.SetBytes(int64(len(plain)))
				for b.Loop() {
					if _, err := k.Seal(plain, "ticket\x00QF-20260302-000001\x00text"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, suite := range []Suite{SuiteAES, SuiteSM} {
		k := ring(b, suite, key(1))
		for _, n := range sealSizes {
			plain := []byte(strings.Repeat("举", n/3))
			sealed, err := k.Seal(plain, "ticket\x00QF-20260302-000001\x00text")
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%dB", suite, len(plain)), func(b *testing.B) {
				b.SetBytes(int64(len(plain)))
				for b.Loop() {
					if _, err := k.Open(sealed, "ticket\x00QF-20260302-000001\x00text"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

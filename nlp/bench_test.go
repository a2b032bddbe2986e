package nlp

import (
	"testing"
	"time"
)

// Throughput over complaint-sized pieces of the seed articles. Each iteration processes
// every piece once; docs/s and MB/s are reported for one goroutine and for all cores.
// Run: go test -run '^$' -bench . -benchtime 20x -count 5 ./nlp (see docs/benchmarks.md)

// BenchmarkSegment is gse alone, called as its documentation shows (Segmenter.Cut, the
// shortest path without HMM), with the dictionaries the pipeline loads, over the pieces
// in simplified script: the pipeline converts traditional text before cutting, and a
// simplified dictionary cutting traditional text finds almost no words, which would
// time an easier, meaningless job. BenchmarkSegmentRaw times that job for reference.
func BenchmarkSegment(b *testing.B) {
	a := testAnalyzer(b)
	pieces := seedPieces(b)
	simplified := make([]string, len(pieces))
	for i, p := range pieces {
		simplified[i] = a.norm.Normalize(p).Norm
	}
	benchPieces(b, simplified, func(s string) { a.seg.seg.Cut(s) })
}

func BenchmarkSegmentRaw(b *testing.B) {
	a := testAnalyzer(b)
	pieces := seedPieces(b)
	benchPieces(b, pieces, func(s string) { a.seg.seg.Cut(s) })
}

func BenchmarkClassify(b *testing.B) {
	a := testAnalyzer(b)
	pieces := seedPieces(b)
	benchPieces(b, pieces, func(s string) {
		if _, err := a.Analyze(s); err != nil {
			b.Fatal(err)
		}
	})
}

func benchPieces(b *testing.B, pieces []string, fn func(string)) {
	total := 0
	for _, p := range pieces {
		total += len(p)
	}
	report := func(b *testing.B, start time.Time) {
		secs := time.Since(start).Seconds()
		b.ReportMetric(float64(b.N*len(pieces))/secs, "docs/s")
	}
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(int64(total))
		b.ReportAllocs()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			for _, p := range pieces {
				fn(p)
			}
		}
		report(b, start)
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(int64(total))
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for _, p := range pieces {
					fn(p)
				}
			}
		})
		report(b, start)
	})
}

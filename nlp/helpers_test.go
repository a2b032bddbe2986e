package nlp

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	sharedOnce     sync.Once
	sharedAnalyzer *Analyzer
	sharedErr      error
)

// testAnalyzer loads the default pipeline once per test binary (≈1.5 s).
func testAnalyzer(tb testing.TB) *Analyzer {
	tb.Helper()
	sharedOnce.Do(func() { sharedAnalyzer, sharedErr = New(Options{}) })
	if sharedErr != nil {
		tb.Fatalf("load analyzer: %v", sharedErr)
	}
	return sharedAnalyzer
}

// seedPieces cuts the seed articles (../shared/seeds, or $QINGFENG_SEEDS) into
// complaint-sized pieces of 100–600 characters at sentence ends.
func seedPieces(tb testing.TB) []string {
	tb.Helper()
	dir := os.Getenv("QINGFENG_SEEDS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "seeds")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no seed articles in %s (set QINGFENG_SEEDS): %v", dir, err)
	}
	sort.Strings(files)
	var pieces []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		pieces = append(pieces, cutPieces(string(b), 100, 600)...)
	}
	return pieces
}

func cutPieces(text string, min, max int) []string {
	var out []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if n >= min {
			out = append(out, cur.String())
		}
		cur.Reset()
		n = 0
	}
	for _, r := range text {
		cur.WriteRune(r)
		n++
		if n >= max {
			flush()
			continue
		}
		if n >= min && strings.ContainsRune("。！？!?\n", r) {
			flush()
		}
	}
	flush()
	return out
}

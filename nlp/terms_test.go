package nlp

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// separateScan is the reading the shared walk must reproduce: each dictionary alone,
// longest term first, skipping past a match, the signal dictionary trying a number where
// no phrase starts. It is the plain form the pipeline had before the walk was shared.
func separateScan(dicts [numDicts]*runeTrie, s string, number func(i int) int) []string {
	var out []string
	for d, t := range dicts {
		for i := 0; i < len(s); {
			_, size := decodeRune(s, i)
			if hits, end := t.longest(s, i); end > i {
				out = append(out, fmt.Sprintf("%d:%d-%d:%v", d, i, end, hits))
				i = end
				continue
			}
			if d == dictSignals && number != nil {
				if n := number(i); n > i {
					i = n
					continue
				}
			}
			i += size
		}
	}
	return out
}

func sharedScan(f *termFinder, s string, number func(i int) int) ([]string, []uint64) {
	var found [numDicts][]string
	pairs := f.scan(s, nil, func(d int, hits []termHit, start, end int) {
		found[d] = append(found[d], fmt.Sprintf("%d:%d-%d:%v", d, start, end, hits))
	}, number)
	var out []string
	for _, f := range found {
		out = append(out, f...)
	}
	return out, pairs
}

func TestSharedTermScanReadsLikeSeparateScans(t *testing.T) {
	a := testAnalyzer(t)
	dicts := [numDicts]*runeTrie{dictLexicon: &a.lex.trie, dictTitles: &a.subjects.titles, dictSignals: &a.signals.phrases, dictCues: newCueTrie(), dictTransfers: &a.transfer.words}
	texts := []string{
		"县住建局副局长王某收了两千元红包，上周五又吃拿卡要，村支书推诿扯皮",
		"扬言要自杀，几十户村民集体上访，2026年3月5日，三千多万元",
		"不作为慢作为不作为不作为", "", "局长", "副局长局长副局长",
	}
	ex, err := ParseCorpus(DefaultCorpusText())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ex[:60] {
		texts = append(texts, a.norm.Normalize(e.Text).Norm)
	}
	// Texts made of pieces of the dictionaries' own terms overlap them in every way.
	rng := rand.New(rand.NewSource(1))
	var words []string
	for _, d := range dicts {
		d.each(func(term []rune, _ []termHit) { words = append(words, string(term)) })
	}
	for k := 0; k < 300; k++ {
		var b strings.Builder
		for n := rng.Intn(12); n >= 0; n-- {
			w := []rune(words[rng.Intn(len(words))])
			b.WriteString(string(w[rng.Intn(len(w)):]))
			if rng.Intn(4) == 0 {
				b.WriteString("三十万元，")
			}
		}
		texts = append(texts, b.String())
	}
	for _, s := range texts {
		tx := &Text{Original: s, Norm: s}
		number := func(i int) int { _, next := a.signals.number(nil, tx, i); return next }
		want := separateScan(dicts, s, number)
		got, pairs := sharedScan(a.terms, s, number)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nshared   %v\nseparate %v", s, got, want)
		}
		var wantPairs []uint64
		rs := []rune(s)
		for i := 1; i < len(rs); i++ {
			if isHan(rs[i-1]) && isHan(rs[i]) {
				wantPairs = append(wantPairs, pairKey(rs[i-1], rs[i]))
			}
		}
		if len(pairs) != len(wantPairs) || len(pairs) > 0 && !reflect.DeepEqual(pairs, wantPairs) {
			t.Fatalf("%q: pairs %v, want %v", s, pairs, wantPairs)
		}
	}
}

// A term starting outside the BMP switches off the first-character bit set; the walk
// must then search the root's edges and still read every dictionary alike.
func TestSharedTermScanWithTermsOutsideTheBMP(t *testing.T) {
	var dicts [numDicts]*runeTrie
	for d := range dicts {
		tr := newRuneTrie()
		dicts[d] = &tr
	}
	dicts[dictLexicon].add("𠀀吃", termHit{cat: 1, weight: 2})
	dicts[dictLexicon].add("吃拿卡要", termHit{cat: 2, weight: 3})
	dicts[dictTitles].add("局长", termHit{cat: 0})
	dicts[dictTitles].add("𠀀", termHit{cat: 1})
	dicts[dictSignals].add("拿卡", termHit{cat: 0})
	dicts[dictCues].add("卡要", termHit{cat: cueDeed})
	dicts[dictTransfers].add("要𠀀", termHit{cat: 0})
	f := newTermFinder(dicts)
	if f.rootBlock != nil {
		t.Fatal("a term outside the BMP should switch off the first-character rank")
	}
	for _, s := range []string{"𠀀吃拿卡要局长", "吃拿卡要𠀀", "局𠀀长", "𠀀𠀀吃吃拿卡要"} {
		want := separateScan(dicts, s, nil)
		if got, _ := sharedScan(f, s, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\nshared   %v\nseparate %v", s, got, want)
		}
	}
}

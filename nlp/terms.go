package nlp

import (
	"math/bits"
	"unicode/utf8"
)

// The dictionaries a text is scanned for. Each keeps its own left-to-right, longest-first
// reading; they share one trie so that the text is decoded and walked once, not thrice.
const (
	dictLexicon = iota // conduct words (lexicon.yaml)
	dictTitles         // posts (subjects.yaml)
	dictSignals        // signal phrases (signals.yaml)
	numDicts
)

// termFinder is the shared trie of the lexicon, the posts and the signal phrases.
type termFinder struct {
	trie runeTrie              // structure only; hits are below
	ends []uint8               // by node: bit d set when a term of dictionary d ends there
	hits [][numDicts][]termHit // by node

	// The first step of a walk, taken at most positions of a text, goes through a rank
	// over the trie's bit set of first characters (about 10 KB, so it stays cached)
	// instead of the edge table. nil when a term starts outside the BMP.
	rootBlock []uint16 // first characters before each 64-rune block
	rootChild []int32  // by rank
}

func newTermFinder(dicts [numDicts]*runeTrie) *termFinder {
	f := &termFinder{trie: newRuneTrie()}
	for d, t := range dicts {
		t.each(func(term []rune, hits []termHit) {
			node := f.trie.addPath(term)
			for len(f.hits) < int(f.trie.nodes) {
				f.hits = append(f.hits, [numDicts][]termHit{})
			}
			f.hits[node][d] = append(f.hits[node][d], hits...)
		})
	}
	if f.trie.first != nil {
		f.rootBlock = make([]uint16, len(f.trie.first))
		for b, w := range f.trie.first {
			f.rootBlock[b] = uint16(len(f.rootChild))
			for ; w != 0; w &= w - 1 {
				child, _ := f.trie.child(0, rune(b*64+bits.TrailingZeros64(w)))
				f.rootChild = append(f.rootChild, child)
			}
		}
	}
	f.ends = make([]uint8, len(f.hits))
	for node, h := range f.hits {
		for d := range h {
			if h[d] != nil {
				f.ends[node] |= 1 << d
			}
		}
	}
	return f
}

// child follows the edge labelled r out of node.
func (f *termFinder) child(node int32, r rune) (int32, bool) {
	if node != 0 || f.rootBlock == nil || r >= 0x10000 {
		return f.trie.child(node, r)
	}
	w, bit := f.trie.first[r/64], uint64(1)<<(r%64)
	if w&bit == 0 {
		return 0, false
	}
	return f.rootChild[int(f.rootBlock[r/64])+bits.OnesCount64(w&(bit-1))], true
}

// scan reads s for every dictionary at once. For dictionary d, match gets the longest
// term at each position d's own scan reaches, which then skips past it; where no
// signal phrase starts, number (if set) may read a number and say where to go on.
func (f *termFinder) scan(s string, match func(d int, hits []termHit, start, end int), number func(i int) int) {
	var next [numDicts]int // where each dictionary's reading stands
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		active := false
		for _, n := range next {
			active = active || n <= i
		}
		if !active {
			i += size
			continue
		}
		var best [numDicts][]termHit
		var ends [numDicts]int
		if f.trie.mayStart(r) {
			node := int32(0)
			for j := i; j < len(s); {
				r, size := utf8.DecodeRuneInString(s[j:])
				child, ok := f.child(node, r)
				if !ok {
					break
				}
				node, j = child, j+size
				if f.ends[node] == 0 { // the hits are a larger table: read it only on a match
					continue
				}
				for d, h := range f.hits[node] {
					if h != nil {
						best[d], ends[d] = h, j
					}
				}
			}
		}
		for d := range next {
			switch {
			case next[d] > i:
			case best[d] != nil:
				match(d, best[d], i, ends[d])
				next[d] = ends[d]
			case d == dictSignals && number != nil && mayStartNumber(r):
				if n := number(i); n > i {
					next[d] = n
					break
				}
				next[d] = i + size
			default:
				next[d] = i + size
			}
		}
		i += size
	}
}

// termsFound is what one reading of a text finds for the later steps.
type termsFound struct {
	lex     []lexMatch
	titles  []titleMention
	signals []Signal // phrases and numbers, in the order of the text
}

// findTerms reads t for every dictionary, into ws's buffers when set.
func (a *Analyzer) findTerms(t *Text, ws *workspace) termsFound {
	var found termsFound
	if ws != nil {
		found.lex, found.titles = ws.lex[:0], ws.titles[:0]
		defer func() { ws.lex, ws.titles = found.lex, found.titles }()
	}
	norm := t.Norm
	a.terms.scan(norm, func(d int, hits []termHit, start, end int) {
		switch d {
		case dictLexicon:
			for _, h := range hits {
				found.lex = append(found.lex, lexMatch{termHit: h, start: start, end: end})
			}
		case dictTitles:
			found.titles = append(found.titles, a.subjects.titleAt(norm, hits, start, end))
		case dictSignals:
			found.signals = a.signals.phrase(found.signals, t, hits, start, end)
		}
	}, func(i int) int {
		var next int
		found.signals, next = a.signals.number(found.signals, t, i)
		return next
	})
	return found
}

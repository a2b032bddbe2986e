package nlp

import (
	"math/bits"
	"sort"
)

// The dictionaries a text is scanned for. Each keeps its own left-to-right, longest-first
// reading; they share one trie so that the text is decoded and walked once, not thrice.
const (
	dictLexicon   = iota // conduct words (lexicon.yaml)
	dictTitles           // posts (subjects.yaml)
	dictSignals          // signal phrases (signals.yaml)
	dictCues             // deeds and requests the scope gate counts (cues.go)
	dictTransfers        // words that say where an out-of-scope matter belongs (transfers.yaml)
	numDicts
)

// scan's test that every reading is past a position names the five; this fails to
// compile if that changes.
const _, _ = uint(numDicts - 5), uint(5 - numDicts)

// termFinder is the shared trie of the lexicon, the posts and the signal phrases,
// frozen into a layout for scanning: a node's edges sit together, sorted by rune, in a
// table of a few dozen kilobytes, so a step reads a line or two that are likely cached.
type termFinder struct {
	nodes []termNode
	edges []trieChild
	hits  [][numDicts][]termHit // by node; read only where termNode.ends says a term ends

	// The first step of a walk, taken at most positions of a text, goes through a rank
	// over the bit set of first characters (about 10 KB). rootBlock is nil when a term
	// starts outside the BMP; the root's edges are searched then.
	first     []uint64
	rootBlock []uint16 // first characters before each 64-rune block
	rootChild []int32  // by rank
	rootEnds  []uint8  // by rank: the ends of rootChild, so one-character steps stay here

	// second has a bit for each (first, second character) hash of the terms longer
	// than one character: most walks end at their second character, and the bit says
	// so without the node tables.
	second []uint64
}

const secondBits = 16 // 8 KB

func secondHash(r1, r2 rune) uint32 {
	return (uint32(r1)*0x9E3779B1 + uint32(r2)*0x85EBCA77) >> (32 - secondBits)
}

// maySecond: could a term start with r1 r2?
func (f *termFinder) maySecond(r1, r2 rune) bool {
	h := secondHash(r1, r2)
	return f.second[h/64]&(1<<(h%64)) != 0
}

type termNode struct {
	edges uint32 // the node's edges are edges[edges : edges+count]
	count uint16
	ends  uint8 // bit d set when a term of dictionary d ends here
}

func newTermFinder(dicts [numDicts]*runeTrie) *termFinder {
	trie := newRuneTrie()
	var hits [][numDicts][]termHit
	for d, t := range dicts {
		t.each(func(term []rune, h []termHit) {
			node := trie.addPath(term)
			for len(hits) < int(trie.nodes) {
				hits = append(hits, [numDicts][]termHit{})
			}
			hits[node][d] = append(hits[node][d], h...)
		})
	}
	f := &termFinder{nodes: make([]termNode, trie.nodes), hits: hits, first: trie.first}
	for node, list := range trie.childLists() {
		f.nodes[node] = termNode{edges: uint32(len(f.edges)), count: uint16(len(list))}
		f.edges = append(f.edges, list...)
		for d := range hits[node] {
			if hits[node][d] != nil {
				f.nodes[node].ends |= 1 << d
			}
		}
	}
	if f.first != nil {
		block, children, ends := make([]uint16, len(f.first)), []int32{}, []uint8{}
		for b, w := range f.first {
			block[b] = uint16(len(children))
			for ; w != 0; w &= w - 1 {
				child, _ := f.edgeTo(0, rune(b*64+bits.TrailingZeros64(w)))
				children, ends = append(children, child), append(ends, f.nodes[child].ends)
			}
		}
		f.rootBlock, f.rootChild, f.rootEnds = block, children, ends
	}
	f.second = make([]uint64, 1<<secondBits/64)
	root := f.nodes[0]
	for _, e1 := range f.edges[root.edges : root.edges+uint32(root.count)] {
		n := f.nodes[e1.child]
		for _, e2 := range f.edges[n.edges : n.edges+uint32(n.count)] {
			h := secondHash(e1.r, e2.r)
			f.second[h/64] |= 1 << (h % 64)
		}
	}
	return f
}

// root follows the edge labelled r out of the root: for a character in the BMP, a bit
// test and a rank; most characters of a text start no term and stop at the bit.
func (f *termFinder) root(r rune) (node int32, ends uint8, ok bool) {
	if f.rootChild == nil || r >= 0x10000 {
		if node, ok = f.edgeTo(0, r); ok {
			ends = f.nodes[node].ends
		}
		return node, ends, ok
	}
	w, bit := f.first[r/64], uint64(1)<<(r%64)
	if w&bit == 0 {
		return 0, 0, false
	}
	k := int(f.rootBlock[r/64]) + bits.OnesCount64(w&(bit-1))
	return f.rootChild[k], f.rootEnds[k], true
}

// edgeTo follows the edge labelled r out of node, searching its sorted edges.
func (f *termFinder) edgeTo(node int32, r rune) (int32, bool) {
	n := f.nodes[node]
	list := f.edges[n.edges : n.edges+uint32(n.count)]
	if len(list) > 8 {
		k := sort.Search(len(list), func(k int) bool { return list[k].r >= r })
		list = list[k:min(k+1, len(list))]
	}
	for _, e := range list {
		if e.r == r {
			return e.child, true
		}
	}
	return 0, false
}

// scan reads s for every dictionary at once. For dictionary d, match gets the longest
// term at each position d's own scan reaches, which then skips past it; where no
// signal phrase starts, number (if set) may read a number and say where to go on.
// Since it decodes every character anyway, it also appends to pairs the key of each
// pair of adjacent Chinese characters, which the model reads.
func (f *termFinder) scan(s string, pairs []uint64, match func(d int, hits []termHit, start, end int), number func(i int) int) []uint64 {
	var next [numDicts]int       // where each dictionary's reading stands
	var lastNode [numDicts]int32 // the longest term of each dictionary found at i
	var lastEnd [numDicts]int
	var prev rune // the character before i when it is Chinese, else 0
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		if isHan(r) {
			if prev != 0 {
				pairs = append(pairs, pairKey(prev, r))
			}
			prev = r
		} else {
			prev = 0
		}
		if min(next[0], next[1], next[2], next[3], next[4]) > i { // every reading is past i
			i += size
			continue
		}
		var seen uint8 // dictionaries with a term starting at i
		if node, e, ok := f.root(r); ok {
			for j, depth := i+size, 1; ; depth++ {
				if e != 0 {
					seen |= e
					for d := range lastNode {
						if e&(1<<d) != 0 {
							lastNode[d], lastEnd[d] = node, j
						}
					}
				}
				if j == len(s) {
					break
				}
				r2, size := decodeRune(s, j)
				if depth == 1 && !f.maySecond(r, r2) {
					break
				}
				if node, ok = f.edgeTo(node, r2); !ok {
					break
				}
				e, j = f.nodes[node].ends, j+size
			}
		}
		// A reading at or before i that finds nothing here simply stays active.
		numeral := number != nil && mayStartNumber(r)
		for d := 0; d < numDicts && (seen != 0 || numeral); d++ {
			switch {
			case next[d] > i:
			case seen&(1<<d) != 0:
				match(d, f.hits[lastNode[d]][d], i, lastEnd[d])
				next[d] = lastEnd[d]
			case d == dictSignals && numeral:
				if n := number(i); n > i {
					next[d] = n
				}
			}
		}
		i += size
	}
	return pairs
}

// termsFound is what one reading of a text finds for the later steps.
type termsFound struct {
	lex      []lexMatch
	titles   []titleMention
	signals  []Signal   // phrases and numbers, in the order of the text
	pairs    []uint64   // keys of the pairs of adjacent Chinese characters
	deeds    []int      // where the words of wrongdoing start, in order (cues.go)
	requests int        // how many request phrases
	places   []lexMatch // transfer words: cat is the department (transfer.go)
}

// findTerms reads t for every dictionary, into ws's buffers when set.
func (a *Analyzer) findTerms(t *Text, ws *workspace) termsFound {
	var found termsFound
	if ws != nil {
		found.lex, found.titles, found.pairs, found.deeds, found.places = ws.lex[:0], ws.titles[:0], ws.pairs[:0], ws.deeds[:0], ws.places[:0]
		defer func() {
			ws.lex, ws.titles, ws.pairs, ws.deeds, ws.places = found.lex, found.titles, found.pairs, found.deeds, found.places
		}()
	}
	norm := t.Norm
	found.pairs = a.terms.scan(norm, found.pairs, func(d int, hits []termHit, start, end int) {
		switch d {
		case dictLexicon:
			for _, h := range hits {
				// 他们倒是没收红包: a denied deed is no evidence of it.
				if a.lex.deed[h.cat] && negated(norm, start) {
					continue
				}
				found.lex = append(found.lex, lexMatch{termHit: h, start: start, end: end})
			}
		case dictTitles:
			found.titles = append(found.titles, a.subjects.titleAt(norm, hits, start, end))
		case dictSignals:
			found.signals = a.signals.phrase(found.signals, t, hits, start, end)
		case dictCues:
			if hits[0].cat == cueDeed {
				found.deeds = append(found.deeds, start)
			} else {
				found.requests++
			}
		case dictTransfers:
			for _, h := range hits {
				found.places = append(found.places, lexMatch{termHit: h, start: start, end: end})
			}
		}
	}, func(i int) int {
		var next int
		found.signals, next = a.signals.number(found.signals, t, i)
		return next
	})
	return found
}

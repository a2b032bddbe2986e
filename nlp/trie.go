package nlp

import (
	"sort"
)

// runeTrie is a trie over runes whose edges live in one open-addressing table keyed by
// (node, rune). Texts are scanned at every character, so an edge lookup is a multiply
// and one or two probes of a small array rather than a Go map access.
type runeTrie struct {
	edges trieEdges
	hits  [][]termHit // by node; nil when no term ends there
	nodes int32
	first []uint64 // bit set of runes < 0x10000 that start a term: most positions stop here
}

type termHit struct {
	cat    int
	weight float64
}

func newRuneTrie() runeTrie {
	return runeTrie{edges: newTrieEdges(64), hits: [][]termHit{nil}, nodes: 1, first: make([]uint64, 0x10000/64)}
}

func (t *runeTrie) add(term string, h termHit) {
	node := t.addPath([]rune(term))
	t.hits[node] = append(t.hits[node], h)
}

// addPath makes the nodes for term and returns the last.
func (t *runeTrie) addPath(term []rune) int32 {
	switch {
	case len(term) == 0:
	case term[0] >= 0x10000:
		t.first = nil // a term starts outside the BMP: no fast rejection
	case t.first != nil:
		t.first[term[0]/64] |= 1 << (term[0] % 64)
	}
	node := int32(0)
	for _, r := range term {
		child, ok := t.edges.get(node, r)
		if !ok {
			child = t.nodes
			t.nodes++
			t.edges.put(node, r, child)
			t.hits = append(t.hits, nil)
		}
		node = child
	}
	return node
}

// trieChild is an edge out of a node.
type trieChild struct {
	r     rune
	child int32
}

// childLists returns the edges out of each node, sorted by rune.
func (t *runeTrie) childLists() [][]trieChild {
	children := make([][]trieChild, t.nodes)
	for _, s := range t.edges.slots {
		if s.key != 0 {
			parent := int32(s.key >> 32 &^ (1 << 31))
			children[parent] = append(children[parent], trieChild{rune(uint32(s.key)), s.child})
		}
	}
	for _, c := range children {
		sort.Slice(c, func(i, j int) bool { return c[i].r < c[j].r })
	}
	return children
}

// each calls fn with every term and its hits.
func (t *runeTrie) each(fn func(term []rune, hits []termHit)) {
	children := t.childLists()
	var walk func(node int32, path []rune)
	walk = func(node int32, path []rune) {
		if t.hits[node] != nil {
			fn(path, t.hits[node])
		}
		for _, e := range children[node] {
			walk(e.child, append(path, e.r))
		}
	}
	walk(0, nil)
}

// child follows the edge labelled r out of node.
func (t *runeTrie) child(node int32, r rune) (int32, bool) { return t.edges.get(node, r) }

// mayStart is the cheap, inlinable test that most positions fail: can a term start
// with r at all?
func (t *runeTrie) mayStart(r rune) bool {
	return t.first == nil || r >= 0x10000 || t.first[r/64]&(1<<(r%64)) != 0
}

// longest returns the hits of the longest term starting at byte i and its end.
func (t *runeTrie) longest(s string, i int) ([]termHit, int) {
	node, end := int32(0), i
	var best []termHit
	for j := i; j < len(s); {
		r, size := decodeRune(s[j:], 0)
		child, ok := t.edges.get(node, r)
		if !ok {
			break
		}
		node = child
		j += size
		if t.hits[node] != nil {
			best, end = t.hits[node], j
		}
	}
	return best, end
}

// trieEdges maps (node, rune) to the child node with linear probing, at most half full.
type trieEdges struct {
	slots []trieEdge
	count int
}

// trieEdge.key is node<<32 | rune with the top bit set, so 0 marks an empty slot.
type trieEdge struct {
	key   uint64
	child int32
}

func newTrieEdges(capacity int) trieEdges {
	n := 16
	for n < 2*capacity {
		n *= 2
	}
	return trieEdges{slots: make([]trieEdge, n)}
}

func edgeKey(node int32, r rune) uint64 { return 1<<63 | uint64(node)<<32 | uint64(uint32(r)) }

func (e *trieEdges) find(k uint64) int {
	mask := len(e.slots) - 1
	for i := int(mix(k)) & mask; ; i = (i + 1) & mask {
		if s := e.slots[i].key; s == k || s == 0 {
			return i
		}
	}
}

func (e *trieEdges) get(node int32, r rune) (int32, bool) {
	s := &e.slots[e.find(edgeKey(node, r))]
	return s.child, s.key != 0
}

func (e *trieEdges) put(node int32, r rune, child int32) {
	if 2*(e.count+1) > len(e.slots) {
		old := e.slots
		*e = newTrieEdges(2 * len(old))
		for _, s := range old {
			if s.key != 0 {
				e.slots[e.find(s.key)] = s
				e.count++
			}
		}
	}
	k := edgeKey(node, r)
	e.slots[e.find(k)] = trieEdge{k, child}
	e.count++
}

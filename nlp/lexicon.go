package nlp

import (
	"fmt"
	"unicode/utf8"
)

// Category is one conduct category of DOMAIN.md.
type Category struct {
	ID   string
	Name string
}

type lexiconFile struct {
	Categories []struct {
		ID    string             `yaml:"id"`
		Name  string             `yaml:"name"`
		Terms map[string]float64 `yaml:"terms"`
	} `yaml:"categories"`
}

// lexicon finds the conduct words of every category in a text, longest match first.
type lexicon struct {
	cats  []Category
	index map[string]int // category id -> position in cats
	trie  runeTrie
}

type termHit struct {
	cat    int
	weight float64
}

type lexMatch struct {
	termHit
	start, end int // byte range in Text.Norm
}

func newLexicon(data []byte) (*lexicon, error) {
	var f lexiconFile
	if err := decodeYAML("lexicon", data, &f); err != nil {
		return nil, err
	}
	if len(f.Categories) == 0 {
		return nil, fmt.Errorf("lexicon: no categories")
	}
	lx := &lexicon{index: map[string]int{}, trie: newRuneTrie()}
	for i, c := range f.Categories {
		if c.ID == "" {
			return nil, fmt.Errorf("lexicon: category %d has no id", i)
		}
		if _, dup := lx.index[c.ID]; dup {
			return nil, fmt.Errorf("lexicon: category %q listed twice", c.ID)
		}
		lx.index[c.ID] = i
		lx.cats = append(lx.cats, Category{ID: c.ID, Name: c.Name})
		for term, w := range c.Terms {
			if term == "" || w <= 0 {
				return nil, fmt.Errorf("lexicon: %s: term %q needs a positive weight", c.ID, term)
			}
			lx.trie.add(term, termHit{cat: i, weight: w})
		}
	}
	return lx, nil
}

// find returns non-overlapping matches, scanning left to right and taking the longest
// term at each position.
func (lx *lexicon) find(norm string) []lexMatch {
	var out []lexMatch
	lx.trie.scan(norm, func(hits []termHit, start, end int) {
		for _, h := range hits {
			out = append(out, lexMatch{termHit: h, start: start, end: end})
		}
	}, nil)
	return out
}

// runeTrie is a trie over runes stored in one map, keyed by (node, rune).
type runeTrie struct {
	next  map[uint64]int32
	hits  [][]termHit // by node; nil when no term ends there
	nodes int32
	first []uint64 // bit set of runes < 0x10000 that start a term: most positions stop here
}

func newRuneTrie() runeTrie {
	return runeTrie{next: map[uint64]int32{}, hits: [][]termHit{nil}, nodes: 1, first: make([]uint64, 0x10000/64)}
}

func trieKey(node int32, r rune) uint64 { return uint64(node)<<32 | uint64(uint32(r)) }

func (t *runeTrie) add(term string, h termHit) {
	if r, _ := utf8.DecodeRuneInString(term); r < 0x10000 {
		t.first[r/64] |= 1 << (r % 64)
	} else {
		t.first = nil // a term starts outside the BMP: no fast rejection
	}
	node := int32(0)
	for _, r := range term {
		k := trieKey(node, r)
		child, ok := t.next[k]
		if !ok {
			child = t.nodes
			t.nodes++
			t.next[k] = child
			t.hits = append(t.hits, nil)
		}
		node = child
	}
	t.hits[node] = append(t.hits[node], h)
}

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
		r, size := utf8.DecodeRuneInString(s[j:])
		child, ok := t.next[trieKey(node, r)]
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

// scan calls match for the longest term at each position where one starts, skipping
// past it, and other (if set) at every other character position.
func (t *runeTrie) scan(s string, match func(hits []termHit, start, end int), other func(i int) int) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if t.mayStart(r) {
			if hits, end := t.longest(s, i); end > i {
				match(hits, i, end)
				i = end
				continue
			}
		}
		if other != nil {
			if next := other(i); next > i {
				i = next
				continue
			}
		}
		i += size
	}
}

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
	for i := 0; i < len(norm); {
		hits, end := lx.trie.longest(norm, i)
		if end > i {
			for _, h := range hits {
				out = append(out, lexMatch{termHit: h, start: i, end: end})
			}
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(norm[i:])
		i += size
	}
	return out
}

// runeTrie is a trie over runes stored in one map, keyed by (node, rune).
type runeTrie struct {
	next  map[uint64]int32
	hits  [][]termHit // by node; nil when no term ends there
	nodes int32
}

func newRuneTrie() runeTrie {
	return runeTrie{next: map[uint64]int32{}, hits: [][]termHit{nil}, nodes: 1}
}

func trieKey(node int32, r rune) uint64 { return uint64(node)<<32 | uint64(uint32(r)) }

func (t *runeTrie) add(term string, h termHit) {
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

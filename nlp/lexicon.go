package nlp

import (
	"fmt"
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
	deed  []bool // by category: its words name deeds a negator can deny (negation.go)
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
		lx.deed = append(lx.deed, deedCategories[c.ID])
		for term, w := range c.Terms {
			if term == "" || w <= 0 {
				return nil, fmt.Errorf("lexicon: %s: term %q needs a positive weight", c.ID, term)
			}
			lx.trie.add(term, termHit{cat: i, weight: w})
		}
	}
	return lx, nil
}

package nlp

import (
	"fmt"
	"unicode/utf8"

	"github.com/liuzl/cedar-go"
	"github.com/longbridgeapp/opencc"
)

// t2s converts traditional to simplified Chinese with OpenCC's t2s dictionaries and
// OpenCC's own matching rule: for each dictionary group of the conversion chain, at
// each position the first dictionary with a prefix match gives its longest match within
// ten characters; no match keeps the character. opencc.Convert builds a map and several
// strings per character (≈4 MB/s), so at load we copy its dictionaries into a rune trie
// of phrases (two characters or more) and a table of single characters. Single
// characters are looked up in the dictionaries directly. TestT2SMatchesOpenCC holds the
// two to identical output.
type t2s struct {
	groups []t2sGroup
}

type t2sGroup struct {
	single  []uint16       // BMP character -> its one-character conversion; 0 when none
	phrases runeTrie       // keys of two or more characters, from every dictionary of the group
	values  [][]string     // hit.cat indexes values; hit.weight is the dictionary's rank
	dicts   []*cedar.Cedar // single characters: the first dictionary with the key wins
	vals    [][][]string   // the dictionaries' values
}

const openccWindow = 10 // characters; opencc.Convert looks no further ahead

func newT2S(cc *opencc.OpenCC) (*t2s, error) {
	c := &t2s{}
	for _, g := range cc.DictChains {
		grp := t2sGroup{phrases: newRuneTrie()}
		for rank, d := range g.Dicts {
			if d == nil || d.Trie == nil {
				return nil, fmt.Errorf("opencc t2s: dictionary without trie in %v", g.Files)
			}
			grp.dicts = append(grp.dicts, d.Trie)
			grp.vals = append(grp.vals, d.Values)
			for _, id := range d.Trie.PrefixPredict(nil, 0) {
				key, err := d.Trie.Key(id)
				if err != nil {
					continue
				}
				v, err := d.Trie.Value(id)
				if err != nil || v < 0 || v >= len(d.Values) || len(d.Values[v]) == 0 {
					continue
				}
				k := string(key)
				n := utf8.RuneCountInString(k)
				if n < 2 || n > openccWindow {
					continue
				}
				grp.phrases.add(k, termHit{cat: len(grp.values), weight: float64(rank)})
				grp.values = append(grp.values, d.Values[v])
			}
		}
		grp.single = make([]uint16, 0x10000)
		for r := rune(0x2E80); r < 0x10000; r++ {
			ch := string(r)
			if out := grp.char(ch); out != ch && utf8.RuneCountInString(out) == 1 {
				if o, _ := decodeRune(out, 0); o < 0x10000 {
					grp.single[r] = uint16(o)
				}
			}
		}
		c.groups = append(c.groups, grp)
	}
	if len(c.groups) == 0 {
		return nil, fmt.Errorf("opencc t2s: empty conversion chain")
	}
	return c, nil
}

// Convert returns the simplified form of s.
func (c *t2s) Convert(s string) string {
	for i := range c.groups {
		s = c.groups[i].convert(s)
	}
	return s
}

func (g *t2sGroup) convert(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := decodeRune(s[i:], 0)
		if val, end := g.phrase(s, i, r); end > i {
			out = append(out, val...)
			i = end
			continue
		}
		out = append(out, g.char(s[i:i+size])...)
		i += size
	}
	return string(out)
}

// phrase finds the match opencc would take at i when it is longer than one character:
// the longest key of the first dictionary (in group order) that has any prefix match.
func (g *t2sGroup) phrase(s string, i int, r rune) (string, int) {
	if !g.phrases.mayStart(r) {
		return "", i
	}
	// The first dictionary with any match at i decides; a dictionary that matches only
	// the single character here still wins over a later one's longer phrase.
	best, bestEnd, bestRank := "", i, len(g.dicts)
	node := int32(0)
	for j := i; j < len(s); {
		r, size := decodeRune(s[j:], 0)
		child, ok := g.phrases.child(node, r)
		if !ok {
			break
		}
		node = child
		j += size
		for _, h := range g.phrases.hits[node] {
			rank := int(h.weight)
			if rank <= bestRank {
				best, bestEnd, bestRank = g.values[h.cat][0], j, rank
			}
		}
	}
	if bestEnd == i {
		return "", i
	}
	for d := 0; d < bestRank; d++ {
		if g.hasSingle(d, s[i:i+utf8.RuneLen(r)]) {
			return "", i // an earlier dictionary matches the lone character and wins
		}
	}
	return best, bestEnd
}

func (g *t2sGroup) hasSingle(d int, ch string) bool {
	v, err := g.dicts[d].Get([]byte(ch))
	return err == nil && v >= 0 && v < len(g.vals[d]) && len(g.vals[d][v]) > 0
}

// char converts a lone character: the first dictionary that has it gives its first value.
func (g *t2sGroup) char(ch string) string {
	if r, size := decodeRune(ch, 0); size == len(ch) && r < 0x10000 && g.single != nil && g.single[r] != 0 {
		return string(rune(g.single[r]))
	}
	for d := range g.dicts {
		if v, err := g.dicts[d].Get([]byte(ch)); err == nil && v >= 0 && v < len(g.vals[d]) && len(g.vals[d][v]) > 0 {
			return g.vals[d][v][0]
		}
	}
	return ch
}

// convertRunes converts in place, keeping one character for one character (which is
// what lets normalised text map back to the original). A phrase whose conversion would
// change the length is converted character by character instead.
func (c *t2s) convertRunes(rs []rune) {
	for gi := range c.groups {
		g := &c.groups[gi]
		for i := 0; i < len(rs); {
			if n := g.phraseRunes(rs, i); n > 0 {
				i += n
				continue
			}
			if r := rs[i]; r < 0x10000 && g.single[r] != 0 {
				rs[i] = rune(g.single[r])
			}
			i++
		}
	}
}

// phraseRunes applies the phrase opencc would take at i, if it is longer than one
// character and keeps the length, and returns its length in characters (0 if none).
func (g *t2sGroup) phraseRunes(rs []rune, i int) int {
	if !g.phrases.mayStart(rs[i]) {
		return 0
	}
	bestLen, bestRank, bestCat := 0, len(g.dicts), -1
	node := int32(0)
	for j := i; j < len(rs); j++ {
		child, ok := g.phrases.child(node, rs[j])
		if !ok {
			break
		}
		node = child
		for _, h := range g.phrases.hits[node] {
			if rank := int(h.weight); rank <= bestRank {
				bestLen, bestRank, bestCat = j+1-i, rank, h.cat
			}
		}
	}
	if bestCat < 0 {
		return 0
	}
	for d := 0; d < bestRank; d++ {
		if g.hasSingle(d, string(rs[i])) {
			return 0
		}
	}
	val := []rune(g.values[bestCat][0])
	if len(val) != bestLen {
		return 0
	}
	copy(rs[i:], val)
	return bestLen
}

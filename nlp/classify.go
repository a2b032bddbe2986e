package nlp

import (
	"cmp"
	"math"
	"slices"
)

// Evidence is a word or phrase that drove the classification, quoted from the
// original text. Source is "lexicon" (a listed conduct word) or "model" (a word the
// trained model weighs heavily for that category).
type Evidence struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Source   string `json:"source"`
	Start    int    `json:"start"` // byte range in the original text
	End      int    `json:"end"`
}

// classifier combines the lexicon with the trained model.
type classifier struct {
	lex   *lexicon
	model *model
}

type classification struct {
	primary  int
	probs    []float64
	evidence []Evidence
	scope    Scope
}

type scored struct {
	tok Token
	w   float32
}

const (
	maxModelEvidence = 3
	minModelWeight   = 1.5 // nats above the average category before a model word is shown as evidence
)

func (c *classifier) classify(t *Text, f *docFeatures, matches []lexMatch, ws *workspace) classification {
	probs := make([]float64, len(c.lex.cats))
	inScope, known := c.model.probabilities(f, probs, ws.known[:0])
	ws.known = known
	oos := c.model.oos
	// The gate decides whether; the category model decides which misconduct. The
	// misconduct scores share the gate's probability, out_of_scope takes the rest.
	rest := 1 - probs[oos]
	primary := -1
	for i := range probs {
		if i == oos {
			continue
		}
		if rest > 0 {
			probs[i] *= inScope / rest
		}
		if primary < 0 || probs[i] > probs[primary] {
			primary = i
		}
	}
	probs[oos] = 1 - inScope
	in := inScope >= gateThreshold
	if !in {
		primary = oos
	}
	return classification{
		primary:  primary,
		probs:    probs,
		evidence: c.evidence(t, f, known, matches, probs, primary),
		scope:    Scope{InScope: in, Score: round4(inScope), Evidence: c.scopeEvidence(t, f, known, in)},
	}
}

// gateThreshold: the gate's probability at or above which a text is in scope.
const gateThreshold = 0.5

// scopeEvidence lists the words that pushed the gate hardest towards its decision. It
// keeps the best few as it goes: a long text has hundreds of known words, and sorting
// them all for three would cost more than reading the text.
func (c *classifier) scopeEvidence(t *Text, f *docFeatures, known []knownWord, in bool) []Evidence {
	sign := float32(1)
	label := "in_scope"
	if !in {
		sign, label = -1, OutOfScope
	}
	var best [maxModelEvidence]scored
	n := 0
	for _, k := range known {
		w := sign * float32(k.row[len(k.row)-1]) / logScale
		if w <= minGateWeight || n == len(best) && w <= best[n-1].w {
			continue
		}
		tok := f.toks[k.tok]
		if hasWord(best[:n], tok.Text) {
			continue
		}
		i := min(n, len(best)-1) // the slot it takes, then moved up while it beats the one above
		best[i] = scored{tok, w}
		for ; i > 0 && best[i].w > best[i-1].w; i-- {
			best[i], best[i-1] = best[i-1], best[i]
		}
		n = min(n+1, len(best))
	}
	ev := make([]Evidence, 0, n)
	for _, s := range best[:n] {
		text, os, oe := t.quote(s.tok.Start, s.tok.End)
		ev = append(ev, Evidence{Category: label, Text: text, Source: "model", Start: os, End: oe})
	}
	return ev
}

// minGateWeight: a word weaker than this in the gate explains nothing to a reader.
const minGateWeight = 0.05

// evidence lists the lexicon words found for the likelier categories, then the words
// the model leaned on most for the chosen one, so staff see why.
func (c *classifier) evidence(t *Text, f *docFeatures, known []knownWord, matches []lexMatch, probs []float64, primary int) []Evidence {
	var ev []Evidence
	var seenBuf [16][2]int // (start, category) already given; a text has a handful
	seen := seenBuf[:0]
	for _, m := range matches {
		if m.cat != primary && probs[m.cat] < 0.05 {
			continue
		}
		key := [2]int{m.start, m.cat}
		if slices.Contains(seen, key) {
			continue
		}
		seen = append(seen, key)
		text, os, oe := t.quote(m.start, m.end)
		ev = append(ev, Evidence{Category: c.lex.cats[m.cat].ID, Text: text, Source: "lexicon", Start: os, End: oe})
	}
	var cands []scored
	for _, k := range known {
		tok := f.toks[k.tok]
		if w := rowWeight(k.row, primary); w >= minModelWeight && !hasWord(cands, tok.Text) {
			cands = append(cands, scored{tok, w})
		}
	}
	slices.SortStableFunc(cands, func(a, b scored) int { return cmp.Compare(b.w, a.w) })
	cat := c.lex.cats[primary].ID
	for _, s := range cands {
		if covered(ev, s.tok, t) {
			continue
		}
		text, os, oe := t.quote(s.tok.Start, s.tok.End)
		ev = append(ev, Evidence{Category: cat, Text: text, Source: "model", Start: os, End: oe})
		if countSource(ev, "model") == maxModelEvidence {
			break
		}
	}
	return ev
}

func hasWord(cands []scored, w string) bool {
	for _, c := range cands {
		if c.tok.Text == w {
			return true
		}
	}
	return false
}

func covered(ev []Evidence, tok Token, t *Text) bool {
	os, oe := t.OrigRange(tok.Start, tok.End)
	for _, e := range ev {
		if os < e.End && e.Start < oe {
			return true
		}
	}
	return false
}

func countSource(ev []Evidence, src string) int {
	n := 0
	for _, e := range ev {
		if e.Source == src {
			n++
		}
	}
	return n
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

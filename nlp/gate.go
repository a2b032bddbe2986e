package nlp

import (
	"math"
	"math/rand/v2"
	"slices"
)

// The scope gate decides whether a text accuses a public official or body of misconduct
// at all, before any category is chosen. Most real intake is out of scope (service
// requests, policy questions, disputes with companies), and a category model trained to
// tell thirteen classes apart spends its evidence on which misconduct, not whether. The
// gate is a logistic regression over the same words and character pairs the model reads,
// stored as one more column of the model's feature rows, so it costs no extra lookup.
// Its inputs are occurrence counts divided by the square root of the text's feature
// count, which keeps long posts and short messages on one scale.

type gateConfig struct {
	maxDF  float64 // words in more than this share of texts are style, not content: left out
	epochs int
	rate   float64 // initial step; decays as rate/(1+epoch/4)
	l2     float64
}

var defaultGateConfig = gateConfig{maxDF: 0.08, epochs: 24, rate: 0.4, l2: 2e-5}

// gateParams are the gate's dense weights: the bias and the weights of the lexicon's
// evidence for misconduct and for out_of_scope.
type gateParams struct {
	bias, lexIn, lexOut float64
}

// gateLex sums the lexicon weights: all misconduct categories, and out_of_scope.
func gateLex(lex []float64, oos int) (in, out float64) {
	for c, w := range lex {
		if c == oos {
			out += w
		} else {
			in += w
		}
	}
	return math.Log1p(in), math.Log1p(out)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// gateDoc is one training text as the gate reads it: distinct feature indexes with
// their normalised counts.
type gateDoc struct {
	idx    []int32
	x      []float64
	lexIn  float64
	lexOut float64
	y      float64
}

// trainGate fits the gate by stochastic gradient descent in a fixed order (the seed is
// constant, so a corpus always gives the same model). It returns the weight of each
// feature key and the dense parameters.
func trainGate(docs []docFeatures, labels []int, oos int, cfg gateConfig) (map[uint64]float64, gateParams) {
	index := map[uint64]int32{}
	var keys []uint64
	gd := make([]gateDoc, len(docs))
	for d := range docs {
		counts := map[int32]float64{}
		n := 0
		docs[d].keys(func(k uint64) {
			i, ok := index[k]
			if !ok {
				i = int32(len(keys))
				index[k] = i
				keys = append(keys, k)
			}
			counts[i]++
			n++
		})
		g := &gd[d]
		scale := 1 / math.Max(1, math.Sqrt(float64(n)))
		g.idx = make([]int32, 0, len(counts))
		for i := range counts {
			g.idx = append(g.idx, i)
		}
		slices.Sort(g.idx) // map order must not change the sums
		g.x = make([]float64, len(g.idx))
		for j, i := range g.idx {
			g.x[j] = counts[i] * scale
		}
		g.lexIn, g.lexOut = gateLex(docs[d].lex, oos)
		if labels[d] != oos {
			g.y = 1
		}
	}
	df := make([]int32, len(keys))
	for d := range gd {
		for _, i := range gd[d].idx {
			df[i]++
		}
	}
	limit := int32(cfg.maxDF * float64(len(gd)))
	for d := range gd {
		g := &gd[d]
		k := 0
		for j, i := range g.idx {
			if df[i] <= limit {
				g.idx[k], g.x[k] = i, g.x[j]
				k++
			}
		}
		g.idx, g.x = g.idx[:k], g.x[:k]
	}
	w := make([]float64, len(keys))
	var p gateParams
	order := make([]int, len(gd))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for epoch := 0; epoch < cfg.epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		rate := cfg.rate / (1 + float64(epoch)/4)
		for _, d := range order {
			g := &gd[d]
			z := p.bias + p.lexIn*g.lexIn + p.lexOut*g.lexOut
			for j, i := range g.idx {
				z += w[i] * g.x[j]
			}
			grad := sigmoid(z) - g.y
			step := rate * grad
			for j, i := range g.idx {
				w[i] -= step*g.x[j] + rate*cfg.l2*w[i]
			}
			p.bias -= step
			p.lexIn -= step * g.lexIn
			p.lexOut -= step * g.lexOut
		}
	}
	out := make(map[uint64]float64, len(keys))
	for i, k := range keys {
		out[k] = w[i]
	}
	return out, p
}

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
	pairs  bool    // also read character pairs, not only words
	nb     bool    // weights are Naive Bayes log-count ratios, scaled by a fitted factor
	// lengthPower: inputs are counts divided by (feature count)^lengthPower; 1 makes the
	// score a mean, so a long post is not pushed further than a short one by the same
	// words.
	lengthPower float64
	epochs int
	rate   float64 // initial step; decays as rate/(1+epoch/4)
	l2     float64
}

var defaultGateConfig = gateConfig{maxDF: 0.08, pairs: true, nb: true, lengthPower: 0.5, epochs: 24, rate: 0.4, l2: 2e-5}

// gateParams are the gate's bias and the weights of its dense inputs (gateDense).
type gateParams struct {
	bias  float64
	dense [gateDenseN]float64
}

const gateDenseN = 5

// gateDense reads the gate's dense inputs: how much misconduct the lexicon finds, how
// much out-of-scope matter, whether the misconduct words reach a decisive weight (one
// word of weight 3, 不作为 or 保护伞, or several lesser ones), which a sum alone cannot
// express, and how many accusations and requests the text makes (cues.go).
func gateDense(f *docFeatures, oos int) [gateDenseN]float64 {
	var in, out float64
	for c, w := range f.lex {
		if c == oos {
			out += w
		} else {
			in += w
		}
	}
	strong := 0.0
	if in >= decisiveLex {
		strong = 1
	}
	return [gateDenseN]float64{math.Log1p(in), math.Log1p(out), strong, math.Log1p(float64(f.accuse)), min(float64(f.request), 1)}
}

// decisiveLex is the lexicon weight that makes a word "nearly decisive" (lexicon.yaml).
const decisiveLex = 3

func (p *gateParams) z(dense *[gateDenseN]float64) float64 {
	z := p.bias
	for i, v := range dense {
		z += p.dense[i] * v
	}
	return z
}

// step moves the parameters against the gradient of one text.
func (p *gateParams) step(step float64, dense *[gateDenseN]float64) {
	p.bias -= step
	for i, v := range dense {
		p.dense[i] -= step * v
	}
}

// gateScale is the factor applied to feature counts in a text of n features.
func gateScale(n int, power float64) float64 {
	if n <= 1 {
		return 1
	}
	return math.Pow(float64(n), -power)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// gateDoc is one training text as the gate reads it: distinct feature indexes with
// their normalised counts.
type gateDoc struct {
	idx    []int32
	x      []float64
	dense  [gateDenseN]float64
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
			n++ // every feature counts towards the scale, as in scoring
			if !cfg.pairs && k>>63 == 0 {
				return
			}
			i, ok := index[k]
			if !ok {
				i = int32(len(keys))
				index[k] = i
				keys = append(keys, k)
			}
			counts[i]++
		})
		g := &gd[d]
		scale := gateScale(n, cfg.lengthPower)
		g.idx = make([]int32, 0, len(counts))
		for i := range counts {
			g.idx = append(g.idx, i)
		}
		slices.Sort(g.idx) // map order must not change the sums
		g.x = make([]float64, len(g.idx))
		for j, i := range g.idx {
			g.x[j] = counts[i] * scale
		}
		g.dense = gateDense(&docs[d], oos)
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
	if cfg.nb {
		w, p = fitNBGate(gd, len(keys), cfg)
		out := make(map[uint64]float64, len(keys))
		for i, k := range keys {
			out[k] = w[i]
		}
		return out, p
	}
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
			z := p.z(&g.dense)
			for j, i := range g.idx {
				z += w[i] * g.x[j]
			}
			grad := sigmoid(z) - g.y
			step := rate * grad
			for j, i := range g.idx {
				w[i] -= step*g.x[j] + rate*cfg.l2*w[i]
			}
			p.step(step, &g.dense)
		}
	}
	out := make(map[uint64]float64, len(keys))
	for i, k := range keys {
		out[k] = w[i]
	}
	return out, p
}

// fitNBGate weighs each feature by its Naive Bayes log-count ratio between in-scope and
// out-of-scope texts, then fits how much that sum counts against the lexicon's evidence
// and the bias with a small logistic regression. The regression sees each text's sum
// from ratios counted without that text's fold (stacking): sums over a text's own counts
// are overconfident and would drown the lexicon.
func fitNBGate(gd []gateDoc, nKeys int, cfg gateConfig) ([]float64, gateParams) {
	const folds = 5
	in, out := make([][]float64, folds), make([][]float64, folds)
	tin, tout := make([]float64, folds), make([]float64, folds)
	for f := range folds {
		in[f], out[f] = make([]float64, nKeys), make([]float64, nKeys)
	}
	for d := range gd {
		g, f := &gd[d], d%folds
		for j, i := range g.idx {
			if g.y == 1 {
				in[f][i] += g.x[j]
				tin[f] += g.x[j]
			} else {
				out[f][i] += g.x[j]
				tout[f] += g.x[j]
			}
		}
	}
	// ratios counts everything except fold skip (-1: nothing skipped).
	ratios := func(skip int) []float64 {
		const alpha = 0.5
		r := make([]float64, nKeys)
		var ti, to float64
		for f := range folds {
			if f != skip {
				ti, to = ti+tin[f], to+tout[f]
			}
		}
		v := float64(nKeys)
		for i := range r {
			var ci, co float64
			for f := range folds {
				if f != skip {
					ci, co = ci+in[f][i], co+out[f][i]
				}
			}
			r[i] = math.Log((ci+alpha)/(ti+alpha*v)) - math.Log((co+alpha)/(to+alpha*v))
		}
		return r
	}
	sums := make([]float64, len(gd))
	for f := range folds {
		r := ratios(f)
		for d := f; d < len(gd); d += folds {
			for j, i := range gd[d].idx {
				sums[d] += r[i] * gd[d].x[j]
			}
		}
	}
	var p gateParams
	a := 0.0
	for epoch := 0; epoch < cfg.epochs*8; epoch++ {
		rate := cfg.rate / 8 / (1 + float64(epoch)/50)
		for d := range gd {
			g := &gd[d]
			z := a*sums[d] + p.z(&g.dense)
			step := rate * (sigmoid(z) - g.y)
			a -= step * sums[d]
			p.step(step, &g.dense)
		}
	}
	r := ratios(-1)
	for i := range r {
		r[i] *= a
	}
	return r, p
}

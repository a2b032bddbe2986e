package nlp

import (
	"math"
	"slices"
)

// The scope gate decides whether a text accuses a public official or body of misconduct
// at all, before any category is chosen. Most real intake is out of scope (service
// requests, policy questions, disputes with companies), and a category model trained to
// tell thirteen classes apart spends its evidence on which misconduct, not whether.
//
// Each word and character pair weighs its Naive Bayes log-count ratio between in-scope
// and out-of-scope texts; a small logistic regression then fits how much that sum counts
// against the lexicon's evidence and the shapes of accusation and request (cues.go). It
// learns from sums computed without each text's own fold (stacking), since sums over a
// text's own counts are overconfident and would drown the other inputs. Measured by
// holding out one style of writing at a time, this beat a logistic regression over the
// same words (docs/benchmarks.md). The weights are one more column of the model's feature
// rows, so the gate costs no extra lookup. Counts are divided by the square root of the
// text's feature count, which keeps long posts and short messages on one scale.

type gateConfig struct {
	maxDF  float64 // words in more than this share of texts are style, not content: left out
	folds  int     // for the stacked sums
	alpha  float64 // additive smoothing of the counts
	epochs int     // of the logistic regression over the dense inputs
	rate   float64 // its initial step; decays as rate/(1+epoch/50)
}

var defaultGateConfig = gateConfig{maxDF: 0.08, folds: 5, alpha: 0.5, epochs: 200, rate: 0.05}

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

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// gateScale is the factor applied to the feature counts of a text of n features.
func gateScale(n int) float64 { return 1 / math.Max(1, math.Sqrt(float64(n))) }

// gateDoc is one training text as the gate reads it: distinct feature indexes with
// their scaled counts, and its dense inputs.
type gateDoc struct {
	idx   []int32
	x     []float64
	dense [gateDenseN]float64
	y     float64 // 1 in scope
}

// trainGate returns the gate's weight of each feature row and its dense parameters.
// rows holds each text's features as rows of the model's table, one per occurrence. The
// result depends only on the corpus, not on map order or timing.
func trainGate(docs []docFeatures, rows [][]int32, nRows int, labels []int, oos int, cfg gateConfig) ([]float64, gateParams) {
	gd := make([]gateDoc, len(docs))
	for d := range docs {
		g := &gd[d]
		r := rows[d]
		slices.Sort(r)
		scale := gateScale(len(r))
		for i := 0; i < len(r); {
			j := i + 1
			for j < len(r) && r[j] == r[i] {
				j++
			}
			g.idx = append(g.idx, r[i])
			g.x = append(g.x, float64(j-i)*scale)
			i = j
		}
		g.dense = gateDense(&docs[d], oos)
		if labels[d] != oos {
			g.y = 1
		}
	}
	dropCommon(gd, nRows, cfg.maxDF)
	return fitGate(gd, nRows, cfg)
}

// dropCommon removes the features found in more than maxDF of the texts.
func dropCommon(gd []gateDoc, nKeys int, maxDF float64) {
	df := make([]int32, nKeys)
	for d := range gd {
		for _, i := range gd[d].idx {
			df[i]++
		}
	}
	limit := int32(maxDF * float64(len(gd)))
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
}

// fitGate weighs each feature by its Naive Bayes log-count ratio between in-scope and
// out-of-scope texts, then fits how much that sum counts against the lexicon's evidence
// and the bias with a small logistic regression. The regression sees each text's sum
// from ratios counted without that text's fold (stacking): sums over a text's own counts
// are overconfident and would drown the lexicon.
func fitGate(gd []gateDoc, nKeys int, cfg gateConfig) ([]float64, gateParams) {
	folds := cfg.folds
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
		alpha := cfg.alpha
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
	for epoch := 0; epoch < cfg.epochs; epoch++ {
		rate := cfg.rate / (1 + float64(epoch)/50)
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

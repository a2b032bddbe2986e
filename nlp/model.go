package nlp

import (
	"fmt"
	"math"
)

// model is a multinomial Naive Bayes over the words and character pairs of a text,
// plus the lexicon's weight per category as an additive prior. On a corpus of a few
// hundred complaints it generalises to other people's wording better than a
// discriminative model, and every decision splits into per-word log-likelihoods that
// can be shown as evidence.
type model struct {
	nClass    int
	oos       int           // the out_of_scope class, which the gate separates from the rest
	features  *featureTable // wordKey / pairKey -> log P(feature | class) per class, then the gate's weight
	lexWeight float64
	gate      gateParams
}

type trainConfig struct {
	alpha     float64 // additive smoothing
	lexWeight float64 // nats per log1p(lexicon weight); 3 makes one decisive term ≈ 4 nats
}

var defaultTrainConfig = trainConfig{alpha: 0.5, lexWeight: 3}

func trainModel(docs []docFeatures, labels []int, nClass, oos int, cfg trainConfig) (*model, error) {
	if nClass == 0 {
		return nil, fmt.Errorf("no categories")
	}
	m := &model{nClass: nClass, oos: oos, features: newFeatureTable(nClass + 1), lexWeight: cfg.lexWeight}
	total := make([]float64, nClass)
	rows := make([][]int32, len(docs)) // each text's features by row, for the gate
	for d := range docs {
		c := labels[d]
		docs[d].keys(func(k uint64) {
			rows[d] = append(rows[d], m.features.add(k, c))
			total[c]++
		})
	}
	vocab := float64(len(m.features.counts))
	gateW, gate := trainGate(docs, rows, len(m.features.counts), labels, oos, defaultGateConfig)
	m.gate = gate
	m.features.freeze(func(r int32, row []float32) {
		for c := range row[:nClass] {
			row[c] = float32(math.Log((float64(row[c]) + cfg.alpha) / (total[c] + cfg.alpha*vocab)))
		}
		row[nClass] = float32(gateW[r])
	})
	return m, nil
}

// knownWord is a word of two or more characters that the model knows, kept with its
// row so that evidence can weigh it without a second lookup.
type knownWord struct {
	tok int32
	row []int16
}

// scores writes the per-class log score of a document into out and returns the gate's
// probability that the text is in scope; unknown features say nothing. It returns how
// many features were known, and appends the known words of two or more characters to
// known.
func (m *model) scores(f *docFeatures, out []float64, known []knownWord) (int, float64, []knownWord) {
	var accBuf [32]int64 // on the stack for any realistic number of categories
	var acc []int64
	if m.nClass < len(accBuf) {
		acc = accBuf[:m.nClass+1]
	} else {
		acc = make([]int64, m.nClass+1)
	}
	features := 0
	for _, w := range f.words {
		r := m.features.find(wordKeyOf(w.hash))
		if r < 0 {
			continue
		}
		row := m.features.row(r)
		for c, v := range row {
			acc[c] += int64(v)
		}
		features++
		if w.bytes >= 6 { // single characters explain nothing
			known = append(known, knownWord{w.tok, row})
		}
	}
	for _, k := range f.pairs {
		if r := m.features.find(k); r >= 0 {
			for c, v := range m.features.row(r) {
				acc[c] += int64(v)
			}
			features++
		}
	}
	for c := range out {
		out[c] = float64(acc[c])/logScale + m.lexWeight*math.Log1p(f.lex[c])
	}
	all := len(f.words) + len(f.pairs)
	dense := gateDense(f, m.oos)
	z := m.gate.z(&dense) +
		float64(acc[m.nClass])/logScale*gateScale(all)
	return features, sigmoid(z), known
}

// probabilities turns scores into a distribution. Naive Bayes sums are overconfident
// on long texts, so they are tempered by the square root of the number of features
// seen: the ranking is unchanged, the numbers become readable.
func (m *model) probabilities(f *docFeatures, out []float64, known []knownWord) (float64, []knownWord) {
	n, inScope, known := m.scores(f, out, known)
	temp := math.Max(1, math.Sqrt(float64(n)))
	max := math.Inf(-1)
	for _, x := range out {
		max = math.Max(max, x)
	}
	sum := 0.0
	for c, x := range out {
		out[c] = math.Exp((x - max) / temp)
		sum += out[c]
	}
	for c := range out {
		out[c] /= sum
	}
	return inScope, known
}

// rowWeight is how much more likely a word (by its row) is under class than on average
// over the classes, in nats.
func rowWeight(row []int16, class int) float32 {
	row = row[:len(row)-1] // the gate's column
	var sum int
	for _, v := range row {
		sum += int(v)
	}
	return (float32(row[class]) - float32(sum)/float32(len(row))) / logScale
}

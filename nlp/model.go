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
	features  *featureTable // wordKey / pairKey -> log P(feature | class) per class
	lexWeight float64
}

type trainConfig struct {
	alpha     float64 // additive smoothing
	lexWeight float64 // nats per log1p(lexicon weight); 3 makes one decisive term ≈ 4 nats
}

var defaultTrainConfig = trainConfig{alpha: 0.5, lexWeight: 3}

func trainModel(docs []docFeatures, labels []int, nClass int, cfg trainConfig) (*model, error) {
	if nClass == 0 {
		return nil, fmt.Errorf("no categories")
	}
	m := &model{nClass: nClass, features: newFeatureTable(1<<12, nClass), lexWeight: cfg.lexWeight}
	total := make([]float64, nClass)
	for d, f := range docs {
		c := labels[d]
		for _, t := range f.words {
			m.features.add(wordKey(t.Text), c)
		}
		for _, bg := range f.bigrams {
			m.features.add(bg, c)
		}
		total[c] += float64(len(f.words) + len(f.bigrams))
	}
	vocab := float64(m.features.count)
	m.features.freeze(func(row []float32) {
		for c := range row {
			row[c] = float32(math.Log((float64(row[c]) + cfg.alpha) / (total[c] + cfg.alpha*vocab)))
		}
	})
	return m, nil
}

// scores writes the per-class log score of a document into out; unknown features say
// nothing. It returns how many features were known.
func (m *model) scores(f docFeatures, out []float64) (features int) {
	acc := make([]int64, m.nClass)
	add := func(row []int16) {
		for c, v := range row {
			acc[c] += int64(v)
		}
		features++
	}
	for _, t := range f.words {
		if row := m.features.lookup(wordKey(t.Text)); row != nil {
			add(row)
		}
	}
	for _, bg := range f.bigrams {
		if row := m.features.lookup(bg); row != nil {
			add(row)
		}
	}
	for c := range out {
		out[c] = float64(acc[c])/logScale + m.lexWeight*math.Log1p(f.lex[c])
	}
	return features
}

// probabilities turns scores into a distribution. Naive Bayes sums are overconfident
// on long texts, so they are tempered by the square root of the number of features
// seen: the ranking is unchanged, the numbers become readable.
func (m *model) probabilities(f docFeatures, out []float64) {
	n := m.scores(f, out)
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
}

// wordWeight is how much more likely a word is under class than on average over the
// classes (in nats); 0 for unknown words.
func (m *model) wordWeight(word string, class int) float32 {
	row := m.features.lookup(wordKey(word))
	if row == nil {
		return 0
	}
	var sum int
	for _, v := range row {
		sum += int(v)
	}
	return (float32(row[class]) - float32(sum)/float32(m.nClass)) / logScale
}

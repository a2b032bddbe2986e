package nlp

import "math"

// model is a multinomial Naive Bayes over the words and character pairs of a text,
// plus the lexicon's weight per category as an additive prior. On a corpus of a few
// hundred complaints it generalises to other people's wording better than a
// discriminative model, and every decision splits into per-word log-likelihoods that
// can be shown as evidence.
type model struct {
	nClass    int
	words     map[string]int32
	bigrams   map[uint64]int32
	logp      []float32 // feature × class: log P(feature | class)
	lexWeight float64
}

type trainConfig struct {
	alpha     float64 // additive smoothing
	lexWeight float64 // nats per log1p(lexicon weight); 3 makes one decisive term ≈ 4 nats
}

var defaultTrainConfig = trainConfig{alpha: 0.5, lexWeight: 3}

func trainModel(docs []docFeatures, labels []int, nClass int, cfg trainConfig) *model {
	m := &model{nClass: nClass, words: map[string]int32{}, bigrams: map[uint64]int32{}, lexWeight: cfg.lexWeight}
	var counts []float64 // feature × class
	total := make([]float64, nClass)
	bump := func(idx int32, c int) {
		counts[int(idx)*nClass+c]++
		total[c]++
	}
	grow := func() int32 {
		counts = append(counts, make([]float64, nClass)...)
		return int32(len(counts)/nClass - 1)
	}
	for d, f := range docs {
		for _, t := range f.words {
			idx, ok := m.words[t.Text]
			if !ok {
				idx = grow()
				m.words[t.Text] = idx
			}
			bump(idx, labels[d])
		}
		for _, bg := range f.bigrams {
			idx, ok := m.bigrams[bg]
			if !ok {
				idx = grow()
				m.bigrams[bg] = idx
			}
			bump(idx, labels[d])
		}
	}
	vocab := float64(len(counts) / nClass)
	m.logp = make([]float32, len(counts))
	for i, n := range counts {
		c := i % nClass
		m.logp[i] = float32(math.Log((n + cfg.alpha) / (total[c] + cfg.alpha*vocab)))
	}
	return m
}

// scores returns the per-class log score of a document; unknown features say nothing.
func (m *model) scores(f docFeatures, out []float64) (features int) {
	for c := range out {
		out[c] = 0
	}
	add := func(idx int32) {
		row := m.logp[int(idx)*m.nClass : int(idx+1)*m.nClass]
		for c := range out {
			out[c] += float64(row[c])
		}
		features++
	}
	for _, t := range f.words {
		if idx, ok := m.words[t.Text]; ok {
			add(idx)
		}
	}
	for _, bg := range f.bigrams {
		if idx, ok := m.bigrams[bg]; ok {
			add(idx)
		}
	}
	for c, s := range f.lex {
		out[c] += m.lexWeight * math.Log1p(s)
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
	idx, ok := m.words[word]
	if !ok {
		return 0
	}
	row := m.logp[int(idx)*m.nClass : int(idx+1)*m.nClass]
	var mean float32
	for _, x := range row {
		mean += x
	}
	return row[class] - mean/float32(m.nClass)
}

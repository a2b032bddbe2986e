package nlp

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Built-in data, all replaceable through Options. gse_zh_s.txt.gz is gse's simplified
// dictionary (from jieba, Apache-2.0), embedded here rather than through gse's
// LoadDictEmbed so the binary does not also carry gse's Japanese and traditional ones.
// It is gzipped (5.1 MB → 1.8 MB of binary; unpacking takes about 20 ms at load) and
// leaves out gse's rarest entries (frequency 2, about 40,000 words), which cost 10 MB
// and 0.3 s to load and change no result we measure (qingfeng eval, qingfeng train).
var (
	//go:embed data/gse_zh_s.txt.gz
	gseDictGz []byte
	//go:embed data/userdict.txt
	defaultUserDict string
	//go:embed data/lexicon.yaml
	defaultLexicon []byte
	//go:embed data/subjects.yaml
	defaultSubjects []byte
	//go:embed data/routing.yaml
	defaultRouting []byte
	//go:embed data/signals.yaml
	defaultSignals []byte
	//go:embed data/corpus.tsv
	defaultCorpus string
)

// gseDict unpacks the embedded dictionary.
func gseDict() (string, error) {
	r, err := gzip.NewReader(bytes.NewReader(gseDictGz))
	if err != nil {
		return "", fmt.Errorf("embedded dictionary: %w", err)
	}
	var b strings.Builder
	b.Grow(5 << 20)
	if _, err := io.Copy(&b, r); err != nil {
		return "", fmt.Errorf("embedded dictionary: %w", err)
	}
	return b.String(), nil
}

func decodeYAML(name string, data []byte, into any) error {
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	return nil
}

package nlp

import (
	_ "embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Built-in data, all replaceable through Options. gse_zh_s.txt is gse's simplified
// dictionary (from jieba, Apache-2.0), embedded here rather than through gse's
// LoadDictEmbed so the binary does not also carry gse's Japanese and traditional ones.
var (
	//go:embed data/gse_zh_s.txt
	gseDict string
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

func decodeYAML(name string, data []byte, into any) error {
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	return nil
}

package nlp

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
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
	//go:embed data/transfers.yaml
	defaultTransfers []byte
	//go:embed data/signals.yaml
	defaultSignals []byte
	// The corpus is one file per style of writing (message boards, transcripts, letters,
	// SMS …), read in name order as one.
	//go:embed data/corpus/*.tsv
	corpusFiles   embed.FS
	defaultCorpus = mustJoinCorpus(corpusFiles)
)

// mustJoinCorpus concatenates the embedded corpus files; they are part of the binary, so
// failing to read one is a build defect, not a runtime condition.
func mustJoinCorpus(fsys embed.FS) string {
	entries, err := fs.ReadDir(fsys, "data/corpus")
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	for _, e := range entries { // ReadDir sorts by name
		data, err := fs.ReadFile(fsys, "data/corpus/"+e.Name())
		if err != nil {
			panic(err)
		}
		b.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

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

package nlp

import (
	"fmt"
	"strings"
)

// Example is one labelled complaint of a training corpus.
type Example struct {
	Category string
	Channel  string
	Unit     string
	Position string
	Text     string
}

// ParseCorpus reads the tab-separated corpus format: category, channel, unit, position,
// text; "-" for an unknown field, "#" starts a comment line.
func ParseCorpus(data string) ([]Example, error) {
	var out []Example
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 5)
		if len(f) != 5 {
			return nil, fmt.Errorf("corpus line %d: want 5 tab-separated fields, got %d", n+1, len(f))
		}
		for i := range f[:4] {
			if f[i] == "-" {
				f[i] = ""
			}
		}
		if f[0] == "" || strings.TrimSpace(f[4]) == "" {
			return nil, fmt.Errorf("corpus line %d: category and text are required", n+1)
		}
		out = append(out, Example{Category: f[0], Channel: f[1], Unit: f[2], Position: f[3], Text: f[4]})
	}
	return out, nil
}

// DefaultCorpusText returns the embedded training corpus file.
func DefaultCorpusText() string { return defaultCorpus }

package nlp

import (
	"fmt"
	"strings"
)

// Transfer is where an out-of-scope matter belongs: the 12345 hotline by default, or the
// department the text's words point to (wages → 人社, housing → 住建 …), from
// transfers.yaml. Reason quotes the word that decided it.
type Transfer struct {
	Target  string `json:"target"` // the department's id in transfers.yaml
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"` // its hotline
	Reason  string `json:"reason,omitempty"`
	Start   int    `json:"start,omitempty"` // byte range of Reason in the original text
	End     int    `json:"end,omitempty"`
}

type transferDept struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Contact string   `yaml:"contact"`
	Words   []string `yaml:"words"`
}

type transfersFile struct {
	Default     transferDept   `yaml:"default"`
	Departments []transferDept `yaml:"departments"`
}

type transferReader struct{ f transfersFile }

func newTransferReader(data []byte) (*transferReader, error) {
	var f transfersFile
	if err := decodeYAML("transfers", data, &f); err != nil {
		return nil, err
	}
	if f.Default.ID == "" || f.Default.Name == "" {
		return nil, fmt.Errorf("transfers: default needs an id and a name")
	}
	for i, d := range f.Departments {
		if d.ID == "" || d.Name == "" || len(d.Words) == 0 {
			return nil, fmt.Errorf("transfers: department %d needs an id, a name and words", i+1)
		}
	}
	return &transferReader{f}, nil
}

// pick chooses the department with the most word hits in the normalised text.
func (tr *transferReader) pick(t *Text) *Transfer {
	best, bestHits, at, word := -1, 0, -1, ""
	for i, d := range tr.f.Departments {
		hits, first, firstWord := 0, -1, ""
		for _, w := range d.Words {
			if n := strings.Count(t.Norm, w); n > 0 {
				hits += n
				if j := strings.Index(t.Norm, w); first < 0 || j < first {
					first, firstWord = j, w
				}
			}
		}
		if hits > bestHits {
			best, bestHits, at, word = i, hits, first, firstWord
		}
	}
	if best < 0 {
		d := tr.f.Default
		return &Transfer{Target: d.ID, Name: d.Name, Contact: d.Contact}
	}
	d := tr.f.Departments[best]
	text, os, oe := t.quote(at, at+len(word))
	return &Transfer{Target: d.ID, Name: d.Name, Contact: d.Contact, Reason: text, Start: os, End: oe}
}

package nlp

import "fmt"

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

type transferReader struct {
	f     transfersFile
	words runeTrie // every department's words; a hit's cat is the department's index
}

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
	tr := &transferReader{f: f, words: newRuneTrie()}
	for i, d := range f.Departments {
		for _, w := range d.Words {
			tr.words.add(w, termHit{cat: i})
		}
	}
	return tr, nil
}

// pick chooses the department whose words the shared term walk found most often (the
// first listed on a tie), quoting its first word; the default when none was found.
func (tr *transferReader) pick(t *Text, found []lexMatch) *Transfer {
	if len(found) == 0 {
		d := tr.f.Default
		return &Transfer{Target: d.ID, Name: d.Name, Contact: d.Contact}
	}
	hits := make([]int, len(tr.f.Departments))
	first := make([]int, len(tr.f.Departments))
	for i := range first {
		first[i] = -1
	}
	for k, m := range found {
		hits[m.cat]++
		if first[m.cat] < 0 {
			first[m.cat] = k
		}
	}
	best := 0
	for i := range hits {
		if hits[i] > hits[best] {
			best = i
		}
	}
	d, m := tr.f.Departments[best], found[first[best]]
	text, os, oe := t.quote(m.start, m.end)
	return &Transfer{Target: d.ID, Name: d.Name, Contact: d.Contact, Reason: text, Start: os, End: oe}
}

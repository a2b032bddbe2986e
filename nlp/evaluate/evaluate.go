// Package evaluate scores nlp results against a labelled file of the dev.jsonl form:
// accuracy, macro-F1, per-category figures, a confusion matrix, mode accuracy and
// subject extraction recall.
package evaluate

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Gold is one labelled line.
type Gold struct {
	ID       string    `json:"id"`
	Channel  string    `json:"channel"`
	Text     string    `json:"text"`
	Category string    `json:"category"`
	Also     []string  `json:"also"`
	Mode     string    `json:"mode"`
	Unit     *string   `json:"unit"`
	Position *string   `json:"position"`
	Signals  *[]string `json:"signals"` // nil when the file does not label signals
}

// Predicted is what the pipeline said about one line.
type Predicted struct {
	Category string
	Mode     string
	Unit     string
	Position string
	Signals  []string // signal types, as nlp names them
}

// OutOfScope is the category id of texts that accuse no official.
const OutOfScope = "out_of_scope"

// goldSignal maps the signal names of labelled files to nlp's signal types.
var goldSignal = map[string]string{"repeat": "repeat_claim", "danger": "danger_to_life"}

// Scorecard accumulates predictions against gold labels.
type Scorecard struct {
	categories  []string
	index       map[string]int
	confusion   [][]int // [gold][predicted]
	n, strict   int
	lenient     int
	modeN       int
	modeOK      int
	unitN       int
	unitOK      int
	posN        int
	posOK       int
	signalLines []signalLine
	Errors      []string // lines that could not be scored
}

// New starts a scorecard over the given category ids (in display order).
func New(categories []string) *Scorecard {
	s := &Scorecard{categories: categories, index: map[string]int{}}
	for i, c := range categories {
		s.index[c] = i
	}
	s.confusion = make([][]int, len(categories))
	for i := range s.confusion {
		s.confusion[i] = make([]int, len(categories))
	}
	return s
}

// Add scores one line.
func (s *Scorecard) Add(g Gold, p Predicted) {
	gi, ok := s.index[g.Category]
	pi, ok2 := s.index[p.Category]
	if !ok || !ok2 {
		s.Errors = append(s.Errors, fmt.Sprintf("%s: unknown category (gold %q, predicted %q)", g.ID, g.Category, p.Category))
		return
	}
	s.n++
	s.confusion[gi][pi]++
	if gi == pi {
		s.strict++
	}
	if gi == pi || contains(g.Also, p.Category) {
		s.lenient++
	}
	if g.Mode != "" {
		s.modeN++
		if g.Mode == p.Mode {
			s.modeOK++
		}
	}
	if g.Unit != nil && *g.Unit != "" {
		s.unitN++
		if overlaps(*g.Unit, p.Unit) {
			s.unitOK++
		}
	}
	if g.Position != nil && *g.Position != "" {
		s.posN++
		if overlaps(*g.Position, p.Position) {
			s.posOK++
		}
	}
	if g.Signals != nil {
		s.addSignals(*g.Signals, p.Signals)
	}
}

// addSignals keeps a line's gold and predicted signal types, in nlp's names.
func (s *Scorecard) addSignals(gold, pred []string) {
	line := signalLine{gold: map[string]bool{}, pred: map[string]bool{}}
	for _, g := range gold {
		if t, ok := goldSignal[g]; ok {
			g = t
		}
		line.gold[g] = true
	}
	for _, p := range pred {
		line.pred[p] = true
	}
	s.signalLines = append(s.signalLines, line)
}

// signalLine is one labelled line's signal types.
type signalLine struct{ gold, pred map[string]bool }

// perSignal scores every type the file labels anywhere, over all lines that label
// signals. Types it never labels (money, time) are not scored: their absence from gold
// says nothing.
func (s *Scorecard) perSignal() map[string]PRF {
	labelled := map[string]bool{}
	for _, l := range s.signalLines {
		for typ := range l.gold {
			labelled[typ] = true
		}
	}
	out := map[string]PRF{}
	for typ := range labelled {
		var tp, fp, fn int
		for _, l := range s.signalLines {
			switch {
			case l.gold[typ] && l.pred[typ]:
				tp++
			case l.gold[typ]:
				fn++
			case l.pred[typ]:
				fp++
			}
		}
		out[typ] = prf(tp, tp+fp, tp+fn)
	}
	return out
}

// overlaps: the gold string is contained in the extracted one or vice versa.
func overlaps(gold, got string) bool {
	return got != "" && (strings.Contains(got, gold) || strings.Contains(gold, got))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PRF is precision, recall and F1 of one category, with its gold count (support).
type PRF struct {
	Precision, Recall, F1 float64
	Support               int
}

// Summary holds the headline figures.
type Summary struct {
	N                                int
	Strict, Lenient, MacroF1         float64
	Mode, UnitRecall, PositionRecall float64
	OutOfScope                       PRF // out_of_scope against everything else
	InScopeRecall                    float64
	PerCategory                      map[string]PRF
	PerSignal                        map[string]PRF
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Summary computes the figures so far.
func (s *Scorecard) Summary() Summary {
	sum := Summary{N: s.n, Strict: ratio(s.strict, s.n), Lenient: ratio(s.lenient, s.n),
		Mode: ratio(s.modeOK, s.modeN), UnitRecall: ratio(s.unitOK, s.unitN),
		PositionRecall: ratio(s.posOK, s.posN), PerCategory: map[string]PRF{}}
	f1s, present := 0.0, 0
	for i, c := range s.categories {
		tp, gold, pred := s.confusion[i][i], 0, 0
		for j := range s.categories {
			gold += s.confusion[i][j]
			pred += s.confusion[j][i]
		}
		m := prf(tp, pred, gold)
		sum.PerCategory[c] = m
		if gold > 0 || pred > 0 {
			f1s += m.F1
			present++
		}
	}
	if present > 0 {
		sum.MacroF1 = f1s / float64(present)
	}
	sum.OutOfScope = sum.PerCategory[OutOfScope]
	if o, ok := s.index[OutOfScope]; ok {
		sum.InScopeRecall = ratio(s.inScopeFound(o))
	}
	sum.PerSignal = s.perSignal()
	return sum
}

// inScopeFound counts the in-scope lines that were read as in scope, of all in-scope
// lines, whatever category they got.
func (s *Scorecard) inScopeFound(oos int) (found, all int) {
	for i := range s.categories {
		if i == oos {
			continue
		}
		for j := range s.categories {
			all += s.confusion[i][j]
			if j != oos {
				found += s.confusion[i][j]
			}
		}
	}
	return found, all
}

func prf(tp, pred, gold int) PRF {
	p, r := ratio(tp, pred), ratio(tp, gold)
	f1 := 0.0
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return PRF{p, r, f1, gold}
}

// WriteReport prints the summary, per-category table and confusion matrix.
func (s *Scorecard) WriteReport(w io.Writer) error {
	sum := s.Summary()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "lines scored\t%d\t\n", sum.N)
	fmt.Fprintf(tw, "strict accuracy\t%.3f\t\n", sum.Strict)
	fmt.Fprintf(tw, "lenient accuracy\t%.3f\t\n", sum.Lenient)
	fmt.Fprintf(tw, "macro-F1\t%.3f\t\n", sum.MacroF1)
	fmt.Fprintf(tw, "mode accuracy\t%s\t\n", fraction(s.modeOK, s.modeN))
	fmt.Fprintf(tw, "unit recall\t%s\t\n", fraction(s.unitOK, s.unitN))
	fmt.Fprintf(tw, "position recall\t%s\t\n", fraction(s.posOK, s.posN))
	if o, ok := s.index[OutOfScope]; ok {
		fmt.Fprintf(tw, "out_of_scope recall\t%.3f\t\n", sum.OutOfScope.Recall)
		fmt.Fprintf(tw, "out_of_scope precision\t%.3f\t\n", sum.OutOfScope.Precision)
		fmt.Fprintf(tw, "in-scope recall\t%s\t\n", fraction(s.inScopeFound(o)))
	}
	fmt.Fprintln(tw, "\t\t")
	if len(sum.PerSignal) > 0 {
		fmt.Fprintln(tw, "signal\tprecision\trecall\tF1\tsupport\t")
		types := make([]string, 0, len(sum.PerSignal))
		for typ := range sum.PerSignal {
			types = append(types, typ)
		}
		sort.Strings(types)
		for _, typ := range types {
			m := sum.PerSignal[typ]
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", typ, m.Precision, m.Recall, m.F1, m.Support)
		}
		fmt.Fprintln(tw, "\t\t")
	}
	fmt.Fprintln(tw, "category\tprecision\trecall\tF1\tsupport\t")
	for _, c := range s.categories {
		m := sum.PerCategory[c]
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", c, m.Precision, m.Recall, m.F1, m.Support)
	}
	fmt.Fprintln(tw, "\t\t")
	fmt.Fprint(tw, "gold \\ predicted\t")
	for i := range s.categories {
		fmt.Fprintf(tw, "%s\t", abbrev(s.categories[i]))
	}
	fmt.Fprintln(tw)
	for i, c := range s.categories {
		fmt.Fprintf(tw, "%s\t", c)
		for j := range s.categories {
			fmt.Fprintf(tw, "%d\t", s.confusion[i][j])
		}
		fmt.Fprintln(tw)
	}
	if len(s.Errors) > 0 {
		sort.Strings(s.Errors)
		fmt.Fprintf(tw, "\nunscored lines: %d\n", len(s.Errors))
		for _, e := range s.Errors {
			fmt.Fprintln(tw, e)
		}
	}
	return tw.Flush()
}

// fraction prints 0.923 (48/52), or n/a when nothing was labelled.
func fraction(ok, n int) string {
	if n == 0 {
		return "n/a (not labelled)"
	}
	return fmt.Sprintf("%.3f (%d/%d)", ratio(ok, n), ok, n)
}

// abbrev keeps the matrix narrow: inaction → ina.
func abbrev(id string) string {
	if len(id) <= 4 {
		return id
	}
	parts := strings.Split(id, "_")
	if len(parts) > 1 {
		return parts[0][:3] + "_" + parts[1][:1]
	}
	return id[:4]
}

package nlp

// OutOfScope is the category of texts that accuse no public official or body of
// misconduct (非纪检监察事项).
const OutOfScope = "out_of_scope"

// Scope is the first decision on a text: does it accuse a public official or public body
// of misconduct? Evidence names the words that weighed most for the decision. An
// out-of-scope text carries where it belongs instead (Transfer).
type Scope struct {
	InScope  bool       `json:"in_scope"`
	Score    float64    `json:"score"` // the gate's probability that the text is in scope
	Evidence []Evidence `json:"evidence"`
	Transfer *Transfer  `json:"transfer,omitempty"`
}

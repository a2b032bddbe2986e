package nlp

import "fmt"

// Handling modes of DOMAIN.md.
const (
	ModeDirect      = "direct"
	ModeAssigned    = "assigned"
	ModeTransferred = "transferred"
	ModeSupervised  = "supervised"
)

// Decision is the routing outcome: the mode, the rule that fired and what it says.
type Decision struct {
	Mode   string `json:"mode"`
	Rule   string `json:"rule"`
	Target string `json:"target,omitempty"`
	Note   string `json:"note,omitempty"`
}

// RouteInput is what routing looks at. Reports counts the reports about the same
// subject within the repeat window, this one included (1 when no history is known).
type RouteInput struct {
	Category string
	Rank     string
	Signals  []Signal
	Reports  int
	Transfer *Transfer // where an out-of-scope text belongs; names the target of its transfer
}

type routingFile struct {
	ReceivingBody struct {
		Name      string `yaml:"name"`
		Authority string `yaml:"authority"`
		Upper     string `yaml:"upper"`
	} `yaml:"receiving_body"`
	Rules            []routeRule `yaml:"rules"`
	RepeatWindowDays int         `yaml:"repeat_window_days"`
}

type routeRule struct {
	Name   string    `yaml:"name"`
	When   condition `yaml:"when"`
	Mode   string    `yaml:"mode"`
	Target string    `yaml:"target"`
	Note   string    `yaml:"note"`
}

type condition struct {
	Category           []string    `yaml:"category"`
	RankAtLeast        string      `yaml:"rank_at_least"`
	RankAboveAuthority bool        `yaml:"rank_above_authority"`
	Signals            []string    `yaml:"signals"`
	ReportsAtLeast     int         `yaml:"reports_at_least"`
	Any                []condition `yaml:"any"`
}

// Router applies the routing rules, first match wins.
type Router struct {
	cfg      routingFile
	subjects *subjectReader
}

func newRouter(data []byte, subjects *subjectReader, categories map[string]int) (*Router, error) {
	var f routingFile
	if err := decodeYAML("routing rules", data, &f); err != nil {
		return nil, err
	}
	if len(f.Rules) == 0 {
		return nil, fmt.Errorf("routing rules: none given")
	}
	if _, ok := subjects.rankIndex[f.ReceivingBody.Authority]; !ok {
		return nil, fmt.Errorf("routing rules: receiving_body.authority: unknown rank %q", f.ReceivingBody.Authority)
	}
	var check func(rule string, c condition) error
	check = func(rule string, c condition) error {
		for _, cat := range c.Category {
			if _, ok := categories[cat]; !ok {
				return fmt.Errorf("routing rule %q: unknown category %q", rule, cat)
			}
		}
		if _, ok := subjects.rankIndex[c.RankAtLeast]; c.RankAtLeast != "" && !ok {
			return fmt.Errorf("routing rule %q: unknown rank %q", rule, c.RankAtLeast)
		}
		for _, a := range c.Any {
			if err := check(rule, a); err != nil {
				return err
			}
		}
		return nil
	}
	for i, r := range f.Rules {
		switch r.Mode {
		case ModeDirect, ModeAssigned, ModeTransferred, ModeSupervised:
		default:
			return nil, fmt.Errorf("routing rule %d (%q): unknown mode %q", i+1, r.Name, r.Mode)
		}
		if r.Name == "" {
			return nil, fmt.Errorf("routing rule %d: needs a name", i+1)
		}
		if err := check(r.Name, r.When); err != nil {
			return nil, err
		}
	}
	if f.RepeatWindowDays <= 0 {
		f.RepeatWindowDays = 90
	}
	return &Router{cfg: f, subjects: subjects}, nil
}

// RepeatWindowDays is how far back reports about the same subject count as repeats.
func (r *Router) RepeatWindowDays() int { return r.cfg.RepeatWindowDays }

// Route returns the decision of the first rule that matches. A rule list without a
// catch-all may match nothing; that is reported as assigned by rule "none", so no
// report is ever left without a mode.
func (r *Router) Route(in RouteInput) Decision {
	for _, rule := range r.cfg.Rules {
		if r.holds(rule.When, in) {
			d := Decision{Mode: rule.Mode, Rule: rule.Name, Target: rule.Target, Note: rule.Note}
			if in.Category == OutOfScope && in.Transfer != nil && d.Mode == ModeTransferred {
				d.Target = in.Transfer.Name
			}
			return d
		}
	}
	return Decision{Mode: ModeAssigned, Rule: "none"}
}

func (r *Router) holds(c condition, in RouteInput) bool {
	if len(c.Category) > 0 && !contains(c.Category, in.Category) {
		return false
	}
	if c.RankAtLeast != "" && !r.subjects.rankAtLeast(in.Rank, c.RankAtLeast) {
		return false
	}
	if c.RankAboveAuthority {
		if in.Rank == "" || r.subjects.rankAtLeast(r.cfg.ReceivingBody.Authority, in.Rank) {
			return false
		}
	}
	if len(c.Signals) > 0 && !hasSignal(in.Signals, c.Signals...) {
		return false
	}
	if c.ReportsAtLeast > 0 && in.Reports < c.ReportsAtLeast {
		return false
	}
	if len(c.Any) > 0 {
		for _, a := range c.Any {
			if r.holds(a, in) {
				return true
			}
		}
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package nlp

import (
	"strings"
	"testing"
)

func TestRouteDefaultRules(t *testing.T) {
	a := testAnalyzer(t)
	r := a.Router()
	sig := func(types ...string) []Signal {
		var out []Signal
		for _, t := range types {
			out = append(out, Signal{Type: t})
		}
		return out
	}
	tests := []struct {
		name string
		in   RouteInput
		mode string
		rule string
	}{
		{"out of scope is transferred", RouteInput{Category: "out_of_scope", Reports: 1}, ModeTransferred, "out_of_scope"},
		{"out of scope wins over everything", RouteInput{Category: "out_of_scope", Rank: "prefecture", Signals: sig(SignalMass)}, ModeTransferred, "out_of_scope"},
		{"above the receiving body's authority goes up", RouteInput{Category: "inaction", Rank: "prefecture"}, ModeTransferred, "above_authority"},
		{"corruption is handled directly", RouteInput{Category: "corruption", Rank: "staff"}, ModeDirect, "corruption_or_senior"},
		{"county rank is handled directly", RouteInput{Category: "extravagance", Rank: "county"}, ModeDirect, "corruption_or_senior"},
		{"a second report is supervised", RouteInput{Category: "inaction", Rank: "village", Reports: 2}, ModeSupervised, "repeat_mass_threat"},
		{"mass reports are supervised", RouteInput{Category: "harming_public", Signals: sig(SignalMass)}, ModeSupervised, "repeat_mass_threat"},
		{"threats are supervised", RouteInput{Category: "bad_attitude", Signals: sig(SignalThreat)}, ModeSupervised, "repeat_mass_threat"},
		{"danger to life is supervised", RouteInput{Category: "dereliction", Signals: sig(SignalDanger)}, ModeSupervised, "repeat_mass_threat"},
		{"media exposure is supervised", RouteInput{Category: "formalism", Signals: sig(SignalMedia)}, ModeSupervised, "repeat_mass_threat"},
		{"a past death alone is not", RouteInput{Category: "dereliction", Signals: sig(SignalCasualty)}, ModeAssigned, "default_assigned"},
		{"otherwise assigned", RouteInput{Category: "slow_action", Rank: "township", Reports: 1}, ModeAssigned, "default_assigned"},
		{"unknown rank is assigned", RouteInput{Category: "inaction"}, ModeAssigned, "default_assigned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Route(tt.in)
			if d.Mode != tt.mode || d.Rule != tt.rule {
				t.Errorf("Route(%+v) = %s/%s, want %s/%s", tt.in, d.Mode, d.Rule, tt.mode, tt.rule)
			}
		})
	}
}

// Deployers change routing by data: a rules file replaces the built-in one.
func TestRouteRulesFromFile(t *testing.T) {
	rules := `
receiving_body: {name: 县纪委监委, authority: township}
rules:
  - name: everything_direct_above_township
    when: {rank_above_authority: true}
    mode: direct
  - name: rest
    mode: assigned
`
	a, err := testAnalyzer(t).withRules([]byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Router().Route(RouteInput{Category: "inaction", Rank: "county"}); d.Mode != ModeDirect || d.Rule != "everything_direct_above_township" {
		t.Errorf("got %+v", d)
	}
	if d := a.Router().Route(RouteInput{Category: "corruption", Rank: "township"}); d.Mode != ModeAssigned || d.Rule != "rest" {
		t.Errorf("got %+v", d)
	}
}

func TestRouteRulesRejectMistakes(t *testing.T) {
	tests := []struct{ name, rules, wantErr string }{
		{"unknown mode", "receiving_body: {authority: county}\nrules: [{name: a, mode: sideways}]", "unknown mode"},
		{"unknown category", "receiving_body: {authority: county}\nrules: [{name: a, mode: direct, when: {category: [bribes]}}]", "unknown category"},
		{"unknown rank", "receiving_body: {authority: county}\nrules: [{name: a, mode: direct, when: {rank_at_least: general}}]", "unknown rank"},
		{"unknown authority", "receiving_body: {authority: emperor}\nrules: [{name: a, mode: direct}]", "unknown rank"},
		{"no rules", "receiving_body: {authority: county}\nrules: []", "none given"},
		{"nameless rule", "receiving_body: {authority: county}\nrules: [{mode: direct}]", "needs a name"},
		{"not YAML", "rules: [", "parse routing rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := testAnalyzer(t).withRules([]byte(tt.rules))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// withRules returns an Analyzer sharing everything but the routing rules (loading the
// dictionaries again for every rules file would make these tests slow).
func (a *Analyzer) withRules(rules []byte) (*Analyzer, error) {
	r, err := newRouter(rules, a.subjects, a.lex.index)
	if err != nil {
		return nil, err
	}
	b := *a
	b.router = r
	return &b, nil
}

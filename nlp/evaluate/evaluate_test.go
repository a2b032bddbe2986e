package evaluate

import (
	"math"
	"strings"
	"testing"
)

func str(s string) *string { return &s }

func TestScorecard(t *testing.T) {
	c := New([]string{"a", "b", "c"})
	c.Add(Gold{ID: "1", Category: "a", Mode: "direct", Unit: str("县住建局"), Position: str("局长")}, Predicted{Category: "a", Mode: "direct", Unit: "住建局", Position: "副局长"})
	c.Add(Gold{ID: "2", Category: "a", Also: []string{"b"}, Mode: "assigned", Unit: str("乡政府")}, Predicted{Category: "b", Mode: "direct", Unit: "镇政府"})
	c.Add(Gold{ID: "3", Category: "b", Mode: "assigned", Unit: str(""), Position: nil}, Predicted{Category: "b", Mode: "assigned"})
	c.Add(Gold{ID: "4", Category: "c"}, Predicted{Category: "a"})
	c.Add(Gold{ID: "5", Category: "zzz"}, Predicted{Category: "a"})
	s := c.Summary()
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	checks := []struct {
		name      string
		got, want float64
	}{
		{"n", float64(s.N), 4},
		{"strict", s.Strict, 2.0 / 4},
		{"lenient", s.Lenient, 3.0 / 4},
		{"mode", s.Mode, 2.0 / 3},
		{"unit recall (containment either way, empty gold skipped)", s.UnitRecall, 1.0 / 2},
		{"position recall", s.PositionRecall, 1},
		{"precision a", s.PerCategory["a"].Precision, 1.0 / 2},
		{"recall a", s.PerCategory["a"].Recall, 1.0 / 2},
		{"f1 b", s.PerCategory["b"].F1, 2 * 0.5 * 1 / 1.5},
		{"f1 c", s.PerCategory["c"].F1, 0},
		{"macro-F1", s.MacroF1, (0.5 + 2.0/3 + 0) / 3},
	}
	for _, ch := range checks {
		if !near(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if len(c.Errors) != 1 || !strings.Contains(c.Errors[0], "zzz") {
		t.Errorf("errors = %v", c.Errors)
	}
	var b strings.Builder
	if err := c.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"strict accuracy", "0.500", "macro-F1", "gold \\ predicted", "unscored lines: 1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReportWithoutModeLabels(t *testing.T) {
	c := New([]string{"a"})
	c.Add(Gold{Category: "a"}, Predicted{Category: "a"})
	var b strings.Builder
	if err := c.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "n/a") {
		t.Errorf("a figure without labels should read n/a:\n%s", b.String())
	}
}

func TestScopeAndSignalFigures(t *testing.T) {
	s := New([]string{"inaction", "corruption", OutOfScope})
	sig := func(v ...string) *[]string { return &v }
	for _, l := range []struct {
		gold, pred string
		goldSig    *[]string
		predSig    []string
	}{
		{OutOfScope, OutOfScope, sig(), nil},
		{OutOfScope, OutOfScope, sig(), []string{"repeat_claim"}},           // a false repeat
		{OutOfScope, "inaction", sig(), nil},                                // an out-of-scope text read as in scope
		{"inaction", "corruption", sig("repeat"), []string{"repeat_claim"}}, // in scope, wrong category
		{"corruption", OutOfScope, sig("real_name"), nil},                   // missed
		{"inaction", "inaction", nil, []string{"mass"}},                     // no signal labels: not scored
	} {
		s.Add(Gold{ID: "x", Category: l.gold, Signals: l.goldSig}, Predicted{Category: l.pred, Signals: l.predSig})
	}
	sum := s.Summary()
	if sum.OutOfScope.Recall != 2.0/3 || sum.OutOfScope.Precision != 2.0/3 {
		t.Errorf("out_of_scope %+v, want recall and precision 2/3", sum.OutOfScope)
	}
	if sum.InScopeRecall != 2.0/3 {
		t.Errorf("in-scope recall %v, want 2/3 (a wrong category still counts as in scope)", sum.InScopeRecall)
	}
	if r := sum.PerSignal["repeat_claim"]; r.Precision != 0.5 || r.Recall != 1 {
		t.Errorf("repeat %+v, want precision 1/2, recall 1", r)
	}
	if r := sum.PerSignal["real_name"]; r.Recall != 0 || r.Support != 1 {
		t.Errorf("real_name %+v", r)
	}
	if _, ok := sum.PerSignal["mass"]; ok {
		t.Error("a signal no line labels was scored")
	}
	var b strings.Builder
	if err := s.WriteReport(&b); err != nil || !strings.Contains(b.String(), "out_of_scope recall") || !strings.Contains(b.String(), "repeat_claim") {
		t.Errorf("report: %v\n%s", err, b.String())
	}
}

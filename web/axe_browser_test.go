package web

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (web/testdata/axe), injected into pages by the tests only.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeRun injects axe-core into the page that is open and answers the violations whose
// impact is serious or critical (WCAG 2.x A and AA rules, and axe's best practices).
func axeRun(ctx context.Context) ([]axeViolation, error) {
	var loaded bool
	if err := chromedp.Evaluate(axeSource+";typeof axe === 'object'", &loaded).Do(ctx); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	var found []axeViolation
	err := chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical"))`, &found,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }).Do(ctx)
	return found, err
}

// axeCheck fails the test for each serious or critical violation on the page that is open.
func axeCheck(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	var found []axeViolation
	run(t, ctx, "axe-core on "+page, chromedp.ActionFunc(func(ctx context.Context) (err error) {
		found, err = axeRun(ctx)
		return err
	}))
	for _, v := range found {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		t.Errorf("%s: %s (%s) %s\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

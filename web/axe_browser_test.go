package web

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"qingfeng/intake"
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

// axe-core finds no serious or critical violation on any console page, as each role
// sees it with tickets on it.
func TestConsolePagesPassAxeInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	rc, err := e.intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "axe-1", Anonymous: true,
		Text: "城关镇派出所户籍民警办理户口迁移时索要好处费，不给红包就卡着不办，上周三还扬言要报复我。"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := browse(t)
	run(t, ctx, "login page", chromedp.Navigate(e.srv.URL+"/staff/login"), chromedp.WaitVisible("#username", chromedp.ByID))
	axeCheck(t, ctx, "/staff/login")
	for _, p := range []struct {
		user, path, ready string
	}{
		{"intake1", "/staff/", `document.querySelector("#queue tr[data-id]") !== null`},
		{"intake1", "/staff/ticket?id=" + rc.Ticket.ID, `document.querySelector('form[data-action="reject"]') !== null && document.querySelector("#audit tbody tr") !== null`},
		{"handler-a", "/staff/ticket?id=" + e.tickets["a"].ID, `document.querySelector('form[data-action="start"]') !== null`},
		{"leader1", "/staff/figures", `document.querySelectorAll(".chart").length >= 5`},
		{"leader1", "/staff/admin", `document.querySelector("#trail tbody tr") !== null`},
		{"admin1", "/staff/admin", `document.querySelectorAll("#accounts tbody tr").length >= 6 && document.getElementById("calendar-status").textContent !== ""`},
		{"op1", "/staff/operator", `document.body.dataset.live === "on"`},
	} {
		e.browserLogin(t, ctx, p.user)
		run(t, ctx, p.path, chromedp.Navigate(e.srv.URL+p.path), until(p.ready))
		axeCheck(t, ctx, p.path+" as "+p.user)
	}
}

// axe-core finds no serious or critical violation on the citizen's pages.
func TestCitizenPagesPassAxeInChromium(t *testing.T) {
	e := citizenEnv(t)
	ctx := phone(t)
	run(t, ctx, "the chat", chromedp.Navigate(e.srv.URL+"/"),
		until(`Array.from(document.querySelectorAll(".bot")).some(d => d.textContent.includes("请描述"))`))
	axeCheck(t, ctx, "/")
	run(t, ctx, "the status page", chromedp.Navigate(e.srv.URL+"/status"), chromedp.WaitVisible("#number", chromedp.ByID))
	axeCheck(t, ctx, "/status")
}

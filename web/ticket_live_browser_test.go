package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"qingfeng/intake"
	"qingfeng/staff"
)

// ticketPage is what the ticket page shows of the live changes.
type ticketPage struct {
	Note      string // the reject form's note
	Focused   bool   // the note still has the focus
	Reason    string // the reject form's reason
	Banners   int    // elements that announce others' changes
	Lines     []string
	Notices   string // every pop-up notice since the page opened, also those gone again
	Category  string
	LastAudit string
	Why       string // what the reject form says of itself
	Disabled  bool   // the reject form's submit button
	Forms     []string
}

const readTicketPage = `(() => {
  const note = document.querySelector('form[data-action="reject"] textarea[name=note]');
  const reject = document.querySelector('form[data-action="reject"]');
  const rows = document.querySelectorAll("#audit tbody tr");
  const banner = document.getElementById("changed");
  return {
    Note: note ? note.value : "", Focused: note !== null && document.activeElement === note,
    Reason: reject ? reject.elements.reason.value : "",
    Banners: [...document.querySelectorAll("#changed, .banner")].filter(b => !b.hidden).length,
    Lines: banner.hidden ? [] : [...banner.querySelectorAll("li")].map(l => l.textContent),
    Notices: window.notices.join("|"),
    Category: document.getElementById("category").textContent,
    LastAudit: rows.length ? rows[rows.length - 1].textContent : "",
    Why: reject && reject.querySelector(".why") ? reject.querySelector(".why").textContent : "",
    Disabled: reject !== null && reject.querySelector("button[type=submit]").disabled,
    Forms: [...document.querySelectorAll("form.move")].map(f => f.dataset.action),
  };
})()`

// A member of the intake office types a note into 不予受理 while others work on the same
// ticket: a leader corrects the category, then a colleague accepts it. What was typed
// and the focus stay; one banner names who did what, in Chinese; the reject form says it
// can no longer be used instead of vanishing, and the route form appears. Their own
// move afterwards adds nothing to the banner and no "updated" notice.
func TestTicketPageKeepsTypingThroughLiveChangesInChromium(t *testing.T) {
	e, logins := newStaffEnv(t)
	bg := context.Background()
	if err := e.dir.AddAccount(bg, "root", "intake2", staff.RoleIntake, "", "correct horse intake2"); err != nil {
		t.Fatal(err)
	}
	colleague := e.login(t, "intake2", "correct horse intake2")
	rc, err := e.intake.Submit(bg, intake.Report{Channel: "web", SenderID: "live-1", Anonymous: true,
		Text: "乡政府民政办工作人员上班时间在办公室打牌，群众去办低保找不到人。"})
	if err != nil {
		t.Fatal(err)
	}
	id := rc.Ticket.ID
	from, to := rc.Ticket.Category, "formalism"
	if from == to {
		to = "lax_discipline"
	}
	names := e.categoryNames(t, logins["intake1"])

	ctx := browse(t)
	e.browserLogin(t, ctx, "intake1")
	note := `form[data-action="reject"] textarea[name=note]`
	typed := "来信未提供具体事实，拟不予受理"
	var page ticketPage
	run(t, ctx, "type a note into 不予受理",
		chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+id),
		chromedp.WaitVisible(note, chromedp.ByQuery),
		until(`document.body.dataset.live === "on"`),
		chromedp.Evaluate(`window.notices = []; new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => notices.push(n.textContent))))
			.observe(document.getElementById("notice"), {childList: true})`, nil),
		chromedp.SendKeys(note, typed, chromedp.ByQuery),
		chromedp.Evaluate(readTicketPage, &page))
	if page.Note != typed || !page.Focused || page.Reason != "" {
		t.Fatalf("before any change: %+v (want the note typed, focused, and no reason chosen for the user)", page)
	}

	current, err := e.store.Get(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, logins["leader1"], "POST", "/staff/api/tickets/"+id+"/correction",
		map[string]any{"version": current.Version, "category": to}); code != 200 {
		t.Fatalf("the leader's correction: %d %s", code, body)
	}
	run(t, ctx, "the correction arrives", until(`document.getElementById("category").textContent === `+jsString(names[to])),
		until(`!document.getElementById("changed").hidden`), chromedp.Evaluate(readTicketPage, &page))
	if page.Note != typed || !page.Focused {
		t.Errorf("the correction took what was being typed: note %q, focused %v", page.Note, page.Focused)
	}
	correction := "类别：" + names[from] + "→" + names[to]
	if page.Banners != 1 || len(page.Lines) != 1 || !strings.Contains(page.Lines[0], "leader1") || !strings.Contains(page.Lines[0], correction) {
		t.Errorf("after the correction the banner is %d, %q; want one naming leader1 and %q", page.Banners, page.Lines, correction)
	}
	if page.Notices != "" || !strings.Contains(page.LastAudit, correction) || strings.Contains(page.LastAudit, to) {
		t.Errorf("notices %q; history's last line %q (want the categories by name)", page.Notices, page.LastAudit)
	}

	current, _ = e.store.Get(bg, id)
	if code, body := e.do(t, colleague, "POST", "/staff/api/tickets/"+id+"/moves",
		map[string]any{"version": current.Version, "action": "accept"}); code != 200 {
		t.Fatalf("the colleague's accept: %d %s", code, body)
	}
	run(t, ctx, "the colleague's accept arrives",
		until(`document.querySelector('form[data-action="route"]') !== null`),
		until(`document.querySelector('form[data-action="reject"] .why') !== null`),
		chromedp.Evaluate(readTicketPage, &page))
	screenshot(t, ctx, "console-ticket-live.png")
	if page.Note != typed || !page.Focused || !page.Disabled || !strings.Contains(page.Why, "已受理") {
		t.Errorf("after the accept the reject form shows note %q (focused %v), disabled %v, saying %q", page.Note, page.Focused, page.Disabled, page.Why)
	}
	if page.Banners != 1 || len(page.Lines) != 2 || !strings.Contains(page.Lines[1], "intake2") || !strings.Contains(page.Lines[1], "受理") {
		t.Errorf("after the accept the banner is %d, %q; want one, its second line naming intake2's 受理", page.Banners, page.Lines)
	}
	if page.Notices != "" {
		t.Errorf("others' changes popped up notices: %q", page.Notices)
	}

	// The page's own user routes it: the banner stays as it was, one notice says done.
	move(t, ctx, "route", "已分办", chromedp.SetValue(`form[data-action="route"] select[name=body]`, "town-a1", chromedp.ByQuery))
	run(t, ctx, "after one's own move", until(`document.querySelectorAll("#audit tbody tr").length === 4`),
		chromedp.Evaluate(readTicketPage, &page))
	if len(page.Lines) != 2 || strings.Contains(strings.Join(page.Lines, ""), "intake1") {
		t.Errorf("one's own move reached the banner: %q", page.Lines)
	}
	if page.Notices != "分办：已完成" {
		t.Errorf("one's own move notices %q, want only 分办：已完成", page.Notices)
	}
	if page.Note != typed || strings.Join(page.Forms, ",") != "reject" {
		t.Errorf("after one's own move: forms %v, note %q (the typed-in reject form stays, the untouched ones go)", page.Forms, page.Note)
	}
	axeCheck(t, ctx, "ticket page with a banner and a form that can no longer be used")
}

// categoryNames reads the categories' names as the console gets them.
func (e *staffEnv) categoryNames(t *testing.T, l login) map[string]string {
	t.Helper()
	code, body := e.do(t, l, "GET", "/staff/api/vocab", nil)
	var vocab struct{ Categories []struct{ ID, Name string } }
	if err := json.Unmarshal([]byte(body), &vocab); code != 200 || err != nil {
		t.Fatalf("vocab: %d %v", code, err)
	}
	names := map[string]string{}
	for _, c := range vocab.Categories {
		names[c.ID] = c.Name
	}
	return names
}

package web

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	"qingfeng/intake"
)

// Each role lands, after logging in, where its work is, and its queue shows only the
// status tabs in which it has something to do.
func TestRolesLandWhereTheirWorkIsInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	ctx := browse(t)
	for _, c := range []struct {
		user, path, on string
		tabs           []string
	}{
		{"intake1", "/staff/", "received", []string{"received", "accepted", "concluded", "replied", "reopened", "rejected", "closed"}},
		{"leader1", "/staff/", "reported", []string{"routed", "in_progress", "reported", "returned", "replied", "closed"}},
		{"handler-a", "/staff/", "in_progress", []string{"routed", "in_progress", "returned"}},
		{"op1", "/staff/operator", "", nil},
		{"admin1", "/staff/admin", "", nil},
	} {
		t.Run(c.user, func(t *testing.T) {
			e.browserLogin(t, ctx, c.user)
			var path, on string
			var tabs []string
			steps := []chromedp.Action{until(`location.pathname === ` + jsString(c.path))}
			if c.on != "" {
				steps = append(steps, until(`document.querySelector("#tabs .tab.on") !== null`),
					chromedp.Evaluate(`document.querySelector("#tabs .tab.on").dataset.status`, &on))
			}
			steps = append(steps, chromedp.Evaluate(`location.pathname`, &path),
				chromedp.Evaluate(`[...document.querySelectorAll("#tabs .tab")].filter(b => b.offsetParent !== null).map(b => b.dataset.status)`, &tabs))
			run(t, ctx, "landing", steps...)
			if path != c.path || on != c.on || strings.Join(tabs, ",") != strings.Join(c.tabs, ",") {
				t.Errorf("%s lands on %s, tab %q, tabs %v; want %s, tab %q, tabs %v", c.user, path, on, tabs, c.path, c.on, c.tabs)
			}
		})
	}
}

// The login page shows the one-time code field only when the account asks for one, and
// then puts the cursor in it.
func TestLoginCodeFieldHiddenUntilNeededInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	link, err := e.dir.EnableTOTP(context.Background(), "root", "leader1")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	ctx := browse(t)
	shown := `document.getElementById("code-row").getClientRects().length > 0`
	var before, after bool
	var focused string
	run(t, ctx, "password only",
		chromedp.Navigate(e.srv.URL+"/staff/login"),
		chromedp.WaitVisible("#username", chromedp.ByID),
		chromedp.Evaluate(shown, &before),
		chromedp.SetValue("#username", "leader1", chromedp.ByID),
		chromedp.SetValue("#password", "correct horse leader1", chromedp.ByID),
		chromedp.Click("#login button", chromedp.ByQuery),
		until(`document.getElementById("error").textContent.includes("动态验证码")`),
		chromedp.Evaluate(shown, &after),
		chromedp.Evaluate(`document.activeElement.id`, &focused))
	if before || !after || focused != "code" {
		t.Fatalf("code field shown before asking: %v, after: %v; focus on %q", before, after, focused)
	}
	code, _ := totp.GenerateCode(u.Query().Get("secret"), time.Now())
	run(t, ctx, "with the code", chromedp.SetValue("#code", code, chromedp.ByID),
		chromedp.Click("#login button", chromedp.ByQuery), chromedp.WaitVisible("header .who", chromedp.ByQuery))
}

// The ticket page names every value in Chinese: the routing rule, the signals as the
// reporter wrote them (not a time's kind), the time a ticket arrived as 收到时间. No
// code made of Latin letters shows among the facts or in the history.
func TestTicketPageNamesEveryValueInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	rc, err := e.intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "names-1", Anonymous: true,
		Text: "村支书王某3月5日带人强拆我家房子，还扬言要打断我的腿，村里三十多户村民都受了害。"})
	if err != nil {
		t.Fatal(err)
	}
	tk := rc.Ticket
	if tk.Rule != "repeat_mass_threat" || !hasSignal(tk, "time") {
		t.Fatalf("the test needs a supervised ticket with a time: rule %q, analysis %s", tk.Rule, tk.Analysis)
	}
	ctx := browse(t)
	e.browserLogin(t, ctx, "intake1")
	var facts, history, labels, signals string
	run(t, ctx, "the ticket page",
		chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+tk.ID),
		chromedp.WaitVisible("#text", chromedp.ByID),
		chromedp.Text("#facts", &facts, chromedp.ByID),
		chromedp.Text("#audit", &history, chromedp.ByID),
		chromedp.Text("#signals", &signals, chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll("#facts dt")].map(d => d.textContent).join(",")`, &labels))
	for _, want := range []string{"重复举报、群体性、扬言或危及生命、媒体曝光", "时间：3月5日", "扬言威胁"} {
		if !strings.Contains(facts, want) {
			t.Errorf("the facts lack %q:\n%s", want, facts)
		}
	}
	latin := regexp.MustCompile(`[a-z_]{3,}`)
	if codes := latin.FindAllString(facts+history, -1); len(codes) > 0 {
		t.Errorf("codes shown as they are: %v\nfacts:\n%s\nhistory:\n%s", codes, facts, history)
	}
	if !strings.Contains(labels, "收到时间") || strings.Contains(labels, "受理时间") {
		t.Errorf("the arrival time's label: %s", labels)
	}
}

func hasSignal(t *intake.Ticket, typ string) bool {
	return strings.Contains(t.Analysis, `"type":"`+typ+`"`)
}

// 回访 is offered once the reporter has been answered, and no longer once the ticket is
// archived (the lifecycle would still accept it).
func TestFollowUpNotOfferedAfterArchiveInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	bg := context.Background()
	rc, err := e.intake.Submit(bg, intake.Report{Channel: "web", SenderID: "archive-1", Anonymous: true, Text: "我家楼上邻居天天半夜装修，吵得睡不着。"})
	if err != nil {
		t.Fatal(err)
	}
	tk := rc.Ticket
	for _, m := range []intake.Move{{Action: intake.ActReject, Reason: "非纪检监察事项"}, {Action: intake.ActReply, Reply: "您反映的问题不属于纪检监察机关受理范围，请向物业反映。"}} {
		m.Role, m.Actor = intake.RoleIntake, "intake1"
		if tk, err = e.store.Apply(bg, tk.ID, tk.Version, m); err != nil {
			t.Fatal(err)
		}
	}
	forms := `[...document.querySelectorAll("form.move")].map(f => f.dataset.action).join(",")`
	ctx := browse(t)
	e.browserLogin(t, ctx, "intake1")
	var answered, archived string
	run(t, ctx, "answered", chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+tk.ID),
		chromedp.WaitVisible(`form[data-action="close"]`, chromedp.ByQuery), chromedp.Evaluate(forms, &answered))
	move(t, ctx, "close", "已归档")
	run(t, ctx, "archived", chromedp.Reload(), until(`document.getElementById("number").textContent !== ""`),
		chromedp.Evaluate(forms, &archived))
	if answered != "follow_up,close" || archived != "" {
		t.Errorf("moves offered when answered %q (want follow_up,close), when archived %q (want none)", answered, archived)
	}
}

// tabTo presses Tab until the focus is on what selector finds, as a keyboard user would.
func tabTo(selector string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for range 80 {
			var there bool
			if err := chromedp.Evaluate(`document.activeElement !== null && document.activeElement.matches(`+jsString(selector)+`)`, &there).Do(ctx); err != nil {
				return err
			}
			if there {
				return nil
			}
			if err := chromedp.KeyEvent(kb.Tab).Do(ctx); err != nil {
				return err
			}
		}
		var at string
		_ = chromedp.Evaluate(`document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ""`, &at).Do(ctx)
		return fmt.Errorf("80 presses of Tab never reached %s (the focus is on %s)", selector, at)
	})
}

// The console by keyboard alone: log in, change the queue's tab, open a ticket, write a
// note and accept it, without a mouse.
func TestConsoleByKeyboardInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	rc, err := e.intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "keys-1", Anonymous: true,
		Text: "镇卫生院收费窗口工作人员态度恶劣，对老人大声呵斥。"})
	if err != nil {
		t.Fatal(err)
	}
	id := rc.Ticket.ID
	ctx := browse(t)
	accept := `form[data-action="accept"]`
	run(t, ctx, "log in",
		chromedp.Navigate(e.srv.URL+"/staff/login"),
		chromedp.WaitVisible("#username", chromedp.ByID),
		tabTo("#username"), chromedp.KeyEvent("intake1"),
		tabTo("#password"), chromedp.KeyEvent("correct horse intake1"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible("#tabs .tab.on", chromedp.ByQuery))
	run(t, ctx, "another tab and back",
		tabTo(`#tabs .tab[data-status="accepted"]`), chromedp.KeyEvent(kb.Enter),
		until(`document.querySelector("#tabs .tab.on").dataset.status === "accepted"`),
		tabTo(`#tabs .tab[data-status="received"]`), chromedp.KeyEvent(" "),
		until(`document.querySelector("#tabs .tab.on").dataset.status === "received"`),
		until(`document.querySelector('#queue tr[data-id="`+id+`"] a') !== null`))
	run(t, ctx, "open the ticket and accept it",
		tabTo(`#queue tr[data-id="`+id+`"] a`), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(accept, chromedp.ByQuery),
		tabTo(accept+" textarea"), chromedp.KeyEvent("材料齐全"),
		tabTo(accept+" button[type=submit]"), chromedp.KeyEvent(kb.Enter),
		until(`document.getElementById("status").textContent === "已受理"`))
	got, err := e.store.Get(context.Background(), id)
	if err != nil || got.Status != intake.StatusAccepted {
		t.Fatalf("after the keyboard's accept the ticket is %+v (%v)", got, err)
	}
}

package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"qingfeng/intake"
)

// browse starts a headless Chromium for the staff console.
func browse(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 900))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 180*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// run runs browser steps and, when one fails, says what the page showed.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var body, url string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body.innerText`, &body))
		t.Fatalf("%s: %v\nat %s the page shows:\n%s", step, err, url, body)
	}
}

func until(js string) chromedp.Action {
	return chromedp.Poll(js, nil, chromedp.WithPollingTimeout(30*time.Second))
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var shot []byte
	run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(&shot, 100))
	path := artifact(t, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func (e *staffEnv) browserLogin(t *testing.T, ctx context.Context, user string) {
	t.Helper()
	run(t, ctx, "log in as "+user,
		chromedp.Navigate(e.srv.URL+"/staff/login"),
		chromedp.WaitVisible("#username", chromedp.ByID),
		chromedp.SetValue("#username", user, chromedp.ByID),
		chromedp.SetValue("#password", "correct horse "+user, chromedp.ByID),
		chromedp.Click("#login button", chromedp.ByQuery),
		chromedp.WaitVisible("header .who", chromedp.ByQuery),
	)
}

// move fills in and submits one move's form on the ticket page, then waits for the
// page to show the new status.
func move(t *testing.T, ctx context.Context, action, status string, fill ...chromedp.Action) {
	t.Helper()
	form := `form[data-action="` + action + `"]`
	steps := []chromedp.Action{chromedp.WaitVisible(form, chromedp.ByQuery)}
	steps = append(steps, fill...)
	steps = append(steps, chromedp.Click(form+` button[type=submit]`, chromedp.ByQuery),
		until(`document.querySelector("#status") && document.querySelector("#status").textContent === `+jsString(status)))
	run(t, ctx, action, steps...)
}

// The console in a real headless Chromium: the intake office sees a new ticket arrive
// live, opens it (the complaint's HTML shows as text, the evidence is marked), accepts
// and routes it; the handler starts and reports; the leader concludes; the figures page
// shows it and its Excel export holds it. Screenshots of queue, ticket and figures
// pages are kept as artefacts.
func TestConsoleInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	ctx := browse(t)
	e.browserLogin(t, ctx, "intake1")
	run(t, ctx, "queue", chromedp.WaitVisible(`#tabs .tab.on[data-status="received"]`, chromedp.ByQuery),
		until(`document.body.dataset.live === "on"`))

	// A citizen's report arrives while the page is open.
	xss := `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
	rc, err := e.intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "browser-1", Anonymous: true,
		Text: "城关镇派出所户籍民警办理户口迁移时索要好处费，不给红包就卡着不办。" + xss})
	if err != nil {
		t.Fatal(err)
	}
	id := rc.Ticket.ID
	row := `#queue tr[data-id="` + id + `"]`
	run(t, ctx, "live update", until(`!!document.querySelector(`+jsString(row)+`)`))
	screenshot(t, ctx, "console-queue.png")

	var title, shown string
	var marks int
	run(t, ctx, "open the ticket",
		chromedp.Click(row+" a", chromedp.ByQuery),
		chromedp.WaitVisible("#text", chromedp.ByID),
		chromedp.Evaluate(`document.title`, &title),
		chromedp.Text("#text", &shown, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#text mark").length`, &marks),
	)
	if title == "pwned" || !strings.Contains(shown, "<script>") || !strings.Contains(shown, "<img src=x") {
		t.Errorf("the complaint's HTML ran or vanished: title %q, text %q", title, shown)
	}
	if marks == 0 {
		t.Errorf("no evidence is highlighted in %q", shown)
	}
	move(t, ctx, "accept", "已受理")
	move(t, ctx, "route", "已分办",
		chromedp.SetValue(`form[data-action="route"] select[name=mode]`, "assigned", chromedp.ByQuery),
		chromedp.SetValue(`form[data-action="route"] select[name=body]`, "town-a1", chromedp.ByQuery))
	screenshot(t, ctx, "console-ticket.png")

	e.browserLogin(t, ctx, "handler-a")
	run(t, ctx, "handler's queue", chromedp.Click(`#tabs .tab[data-status="routed"]`, chromedp.ByQuery),
		until(`!!document.querySelector(`+jsString(row)+`)`))
	run(t, ctx, "handler opens", chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+id), chromedp.WaitVisible("#text", chromedp.ByID))
	move(t, ctx, "start", "办理中")
	move(t, ctx, "report", "已报结待审核",
		chromedp.SetValue(`form[data-action="report"] select[name=finding]`, "属实", chromedp.ByQuery),
		chromedp.SetValue(`form[data-action="report"] select[name=disposal]`, "初步核实", chromedp.ByQuery))

	e.browserLogin(t, ctx, "leader1")
	run(t, ctx, "leader opens", chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+id), chromedp.WaitVisible("#text", chromedp.ByID))
	move(t, ctx, "conclude", "已办结",
		chromedp.Click(`form[data-action="conclude"] input[value="批评教育"]`, chromedp.ByQuery))
	got, err := e.store.Get(context.Background(), id)
	if err != nil || got.Status != intake.StatusConcluded || got.Finding != "属实" || got.Measures != "批评教育" || got.Body != "town-a1" {
		t.Fatalf("after the browser's moves the ticket is %+v (%v)", got, err)
	}

	// One report nobody has routed yet.
	if _, err := e.intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "browser-2", Anonymous: true,
		Text: "乡政府民政办工作人员上班时间在办公室打牌，群众去办事找不到人。"}); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()
	var total, byBody string
	run(t, ctx, "figures",
		chromedp.Navigate(e.srv.URL+"/staff/figures"),
		until(`document.querySelectorAll(".chart svg").length >= 5`),
		chromedp.Text(".rate strong", &total, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll(".chart")].find(f => f.querySelector("figcaption").textContent === "按办理单位").textContent`, &byBody),
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads),
		chromedp.Click("#export", chromedp.ByID),
	)
	screenshot(t, ctx, "console-figures.png")
	if total == "0" {
		t.Errorf("the figures page counts no tickets")
	}
	if !strings.Contains(byBody, "尚未分办") || strings.Contains(byBody, "未知") {
		t.Errorf("the chart by body names the unrouted ticket's body: %q", byBody)
	}
	book := waitForDownload(t, downloads)
	rows, err := book.GetRows("工单清单")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[1:] {
		found = found || len(r) > 9 && r[0] == id && r[2] == "已办结" && r[3] == "吃拿卡要" && r[6] == "甲县城关镇纪委" && r[9] == "属实"
	}
	if !found {
		t.Errorf("the exported list has no concluded row for %s: %v", id, rows)
	}

	// The admin lands on the admin page: accounts, the tree of bodies, the calendar.
	e.browserLogin(t, ctx, "admin1")
	var accounts, tree string
	run(t, ctx, "admin page",
		until(`document.querySelectorAll("#accounts tbody tr").length >= 6 && document.querySelector("#calendar-status").textContent !== ""`),
		chromedp.Text("#accounts", &accounts, chromedp.ByID),
		chromedp.Text("#tree", &tree, chromedp.ByID))
	screenshot(t, ctx, "console-admin.png")
	if !strings.Contains(accounts, "handler-a") || !strings.Contains(tree, "甲县城关镇纪委") {
		t.Errorf("admin page: accounts %q, tree %q", accounts, tree)
	}
}

// waitForDownload opens the workbook the browser saves into dir.
func waitForDownload(t *testing.T, dir string) *excelize.File {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
		if len(matches) == 1 {
			book, err := excelize.OpenFile(matches[0])
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { book.Close() })
			return book
		}
	}
	t.Fatal("no .xlsx was downloaded")
	return nil
}

// The operator's screen: a ringing call pops up with the caller's history, suggestions
// follow the typing, and logging the call makes one ticket joined to that call (the
// phone system's hangup for the same call finds it rather than making another).
func TestOperatorScreenInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	ctx := browse(t)
	e.browserLogin(t, ctx, "op1")
	run(t, ctx, "operator screen", chromedp.Navigate(e.srv.URL+"/staff/operator"), chromedp.WaitVisible("#log", chromedp.ByID),
		until(`document.body.dataset.live === "on"`))

	hook := &env{srv: e.srv}
	code, _ := hook.post(t, "/api/v1/webhooks/hotline", map[string]any{"call_id": "ring-1", "event": "ringing", "caller": "1390000000a", "operator": "op1"}, 0)
	if code != 200 {
		t.Fatalf("ringing webhook: %d", code)
	}
	var history, category, queryCode string
	run(t, ctx, "pop-up and suggestions",
		chromedp.WaitVisible("#call", chromedp.ByID),
		chromedp.Text("#history", &history, chromedp.ByID),
		chromedp.SendKeys(`#log textarea[name=text]`, "我实名反映城关镇派出所户籍民警办户口时索要好处费，不给红包就卡着不办。", chromedp.ByQuery),
		until(`document.querySelector("#s-category").textContent !== "—"`),
		chromedp.Text("#s-category", &category, chromedp.ByID),
		chromedp.Click(`#log button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#query-code", chromedp.ByID),
		chromedp.Text("#query-code", &queryCode, chromedp.ByID),
	)
	screenshot(t, ctx, "console-operator.png")
	if !strings.Contains(history, e.tickets["a"].ID) {
		t.Errorf("the pop-up's history %q lacks the caller's earlier ticket %s", history, e.tickets["a"].ID)
	}
	if category != "吃拿卡要" {
		t.Errorf("suggested category %q, want 吃拿卡要", category)
	}
	if len(queryCode) < 6 {
		t.Errorf("no query code shown: %q", queryCode)
	}
	code, out := hook.post(t, "/api/v1/webhooks/hotline", map[string]any{"call_id": "ring-1", "event": "hangup", "caller": "1390000000a",
		"operator": "op1", "transcript": "索要好处费"}, 0)
	ids, _ := e.store.Find(context.Background(), "channel", "hotline", 0)
	if code != 200 || len(ids) != 3 {
		t.Errorf("the hangup after logging: %d %v; hotline tickets %v (want the two seeded and one logged)", code, out, ids)
	}
}

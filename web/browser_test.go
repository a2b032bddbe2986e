package web

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser; CI installs Debian's package, so there it must exist.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on the CI machine: .ci/run installs Debian's package")
	}
	t.Skip("no chromium installed (apt-get install chromium)")
	return ""
}

// artifact is where screenshots go: $QINGFENG_ARTIFACTS, or the test's temp directory.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("QINGFENG_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// Phone is the viewport the citizen's pages are tested at.
const phoneWidth, phoneHeight = 390, 844

// citizenEnv serves the citizen's pages. The chat's rate limit is raised: the tests wait
// for each answer before the next message, so no test paces itself with sleeps.
func citizenEnv(t *testing.T) *env {
	return newEnvWith(t, func(c *Config) { c.ChatPerSecond, c.ChatBurst = 100, 100 })
}

// phone starts a headless Chromium the size of a phone.
func phone(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(phoneWidth, phoneHeight))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 180*time.Second)
	t.Cleanup(cancel)
	run(t, ctx, "phone viewport", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(1)))
	return ctx
}

// lines counts the lines of the chat log.
const lines = `document.querySelectorAll("#log .msg").length`

// say types text and sends it with Enter, then waits for a bot line after it that
// contains expect.
func say(text, expect string) chromedp.Action {
	return exchange(expect, chromedp.SetValue("#text", text, chromedp.ByID), chromedp.Focus("#text", chromedp.ByID),
		chromedp.KeyEvent("\r"))
}

// tap presses a quick reply, then waits as say does.
func tap(label, expect string) chromedp.Action {
	return exchange(expect, chromedp.Evaluate(`Array.from(document.querySelectorAll("#options button")).find(b => b.textContent === `+jsString(label)+`).click()`, nil))
}

func exchange(expect string, send ...chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var before int
		if err := chromedp.Evaluate(lines, &before).Do(ctx); err != nil {
			return err
		}
		if err := chromedp.Tasks(send).Do(ctx); err != nil {
			return err
		}
		js := fmt.Sprintf(`Array.from(document.querySelectorAll("#log .msg")).slice(%d).some(d => d.classList.contains("bot") && d.textContent.includes(%s))`, before, jsString(expect))
		if err := chromedp.Poll(js, nil, chromedp.WithPollingTimeout(30*time.Second)).Do(ctx); err != nil {
			return fmt.Errorf("after %d lines, no answer with %q: %w", before, expect, err)
		}
		return nil
	})
}

// layout is where things are on the phone's screen.
type layout struct {
	Input, Send, Receipt bool // wholly inside the viewport
	Newest               bool // the log's last line wholly inside the log's visible part
	Ticket               bool // the receipt line of the log likewise
	PageOverflow         int  // how far the page itself scrolls (0: it does not)
	LogOverflow          int  // how far the log scrolls inside the page
	Turns                int  // the citizen's lines
}

const measure = `(() => {
  const vh = window.innerHeight, vw = window.innerWidth;
  const inView = el => { if (!el) return false; const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= vh && r.left >= 0 && r.right <= vw; };
  const log = document.getElementById("log"), lr = log.getBoundingClientRect();
  const inLog = el => { if (!el) return false; const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= lr.top - 1 && r.bottom <= lr.bottom + 1 && inView(el); };
  const tickets = log.querySelectorAll(".ticket");
  return {
    Input: inView(document.getElementById("text")), Send: inView(document.getElementById("send")),
    Receipt: inView(document.getElementById("receipt")),
    Newest: inLog(log.lastElementChild), Ticket: inLog(tickets[tickets.length - 1]),
    PageOverflow: document.scrollingElement.scrollHeight - vh,
    LogOverflow: log.scrollHeight - log.clientHeight,
    Turns: log.querySelectorAll(".me").length,
  };
})()`

func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var shot []byte
	run(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot(&shot))
	path := artifact(t, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// The chat page in a real headless Chromium: a citizen completes a report; what they
// typed as HTML is shown as text and never runs.
func TestChatPageInChromium(t *testing.T) {
	e := citizenEnv(t)
	ctx := phone(t)
	xss := `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
	var title, ticket, shownXSS string
	run(t, ctx, "a report",
		chromedp.Navigate(e.srv.URL+"/"),
		until(`Array.from(document.querySelectorAll(".bot")).some(d => d.textContent.includes("请描述"))`),
		say("县市场监管所的执法人员到我店里检查，暗示要请吃饭才不罚款。"+xss, "什么时候"),
		say("上周三", "证据"),
		tap("没有", "实名还是匿名"),
		tap("匿名", "请核对"),
		tap("确认", "已登记"),
		chromedp.AttributeValue(".ticket", "data-ticket", &ticket, nil),
		chromedp.Evaluate(`document.title`, &title),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".me")).map(d => d.textContent).join("")`, &shownXSS),
	)
	if !strings.HasPrefix(ticket, "QF-") {
		t.Errorf("no ticket on the page: %q", ticket)
	}
	if title == "pwned" || !strings.Contains(shownXSS, "<script>") || !strings.Contains(shownXSS, "<img src=x") {
		t.Errorf("typed HTML ran or vanished: title %q, shown %q", title, shownXSS)
	}
	shoot(t, ctx, "chat-page.png")
}

// A long dialogue on a phone: the log scrolls inside the page, and after twenty turns
// the input and the receipt are on screen without scrolling the page. The receipt copies
// as text and saves as a PNG.
func TestChatPageOnAPhoneKeepsInputAndReceiptInView(t *testing.T) {
	e := citizenEnv(t)
	ctx := phone(t)
	downloads := t.TempDir()
	saved := make(chan string, 1)
	chromedp.ListenTarget(ctx, func(ev any) {
		if p, ok := ev.(*browser.EventDownloadProgress); ok && p.State == browser.DownloadProgressStateCompleted {
			saved <- p.GUID
		}
	})
	run(t, ctx, "twenty turns",
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(downloads).WithEventsEnabled(true),
		browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeClipboardReadWrite, browser.PermissionTypeClipboardSanitizedWrite}).WithOrigin(e.srv.URL),
		chromedp.Navigate(e.srv.URL+"/"),
		until(`Array.from(document.querySelectorAll(".bot")).some(d => d.textContent.includes("请描述"))`),
		say("县市场监管所的执法人员到我店里检查，暗示要请吃饭才不罚款。", "什么时候"),
		say("你好", "接着来"),
		say("城关镇政府民政办", "不是时间"),
		say("上周三", "证据"),
		say("有聊天记录", "实名还是匿名"),
		tap("实名", "姓名"),
		say("李秀英", "联系电话"),
		say("打电话给我", "只填数字"),
		say("1391234567", "11位"),
		say("13912345678", "请核对"),
		tap("修改", "修改哪一项"),
		tap("时间", "什么时候"),
		say("上周四", "请核对"),
		tap("修改", "修改哪一项"),
		tap("证据", "证据"),
		say("有聊天记录和转账截图", "请核对"),
		tap("修改", "修改哪一项"),
		tap("被反映人", "姓名或职务"),
		say("执法人员张某", "请核对"),
		tap("确认", "已登记"),
	)
	var l layout
	run(t, ctx, "measure", chromedp.Evaluate(measure, &l))
	shoot(t, ctx, "phone-chat-long.png")
	if l.Turns < 20 {
		t.Errorf("only %d turns", l.Turns)
	}
	if l.PageOverflow > 0 || l.LogOverflow <= 0 {
		t.Errorf("the page scrolls (%d px) instead of the log (%d px)", l.PageOverflow, l.LogOverflow)
	}
	if !l.Input || !l.Send || !l.Receipt || !l.Ticket || !l.Newest {
		t.Fatalf("out of view after a long dialogue: %+v", l)
	}

	var number, code, copied, noteText string
	run(t, ctx, "copy the receipt",
		chromedp.Text("#receipt-number", &number, chromedp.ByID),
		chromedp.Text("#receipt-code", &code, chromedp.ByID),
		chromedp.Click("#copy", chromedp.ByID),
		until(`document.getElementById("receipt-note").textContent !== ""`),
		chromedp.Text("#receipt-note", &noteText, chromedp.ByID),
		chromedp.Evaluate(`navigator.clipboard.readText()`, &copied, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}),
	)
	if !strings.HasPrefix(number, "QF-") || len(code) != 12 || !strings.Contains(copied, number) || !strings.Contains(copied, code) {
		t.Errorf("copied %q (%s) for %s %s", copied, noteText, number, code)
	}

	run(t, ctx, "save the receipt", chromedp.Click("#save", chromedp.ByID))
	var guid string
	select {
	case guid = <-saved:
	case <-time.After(30 * time.Second):
		t.Fatal("no PNG downloaded")
	}
	raw, err := os.ReadFile(filepath.Join(downloads, guid))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the saved receipt is no PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 300 {
		t.Errorf("receipt image %v", b)
	}
	// The header band is drawn in the page's green: the image is a drawing, not blank.
	if r, g, b, _ := img.At(40, 20).RGBA(); r>>8 != 0x1f || g>>8 != 0x6f || b>>8 != 0x4a {
		t.Errorf("receipt image header pixel %x %x %x", r>>8, g>>8, b>>8)
	}
	if err := os.WriteFile(artifact(t, "receipt.png"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A reload mid-dialogue shows the conversation again with the question it is at, and
// the dialogue goes on from there; a round trip to 查询进度 keeps the receipt, and the
// status page comes filled in.
func TestChatPageReloadAndStatusRoundTripKeepTheConversation(t *testing.T) {
	e := citizenEnv(t)
	ctx := phone(t)
	transcript := `Array.from(document.querySelectorAll("#log .msg")).map(d => d.className + "|" + d.textContent)`
	var before, after []string
	var options string
	run(t, ctx, "to the phone question",
		chromedp.Navigate(e.srv.URL+"/"),
		until(`Array.from(document.querySelectorAll(".bot")).some(d => d.textContent.includes("请描述"))`),
		say("我们村的低保名额都给了有关系的人，真正困难的人评不上。", "哪个单位"),
		say("村委会", "姓名或职务"),
		say("村支书王某", "什么时候"),
		say("去年十月", "证据"),
		tap("没有", "实名还是匿名"),
		tap("实名", "姓名"),
		say("李秀英", "联系电话"),
		chromedp.Evaluate(transcript, &before),
	)
	before = before[1:] // the greeting is said again to a new page, not kept
	run(t, ctx, "reload",
		chromedp.Reload(),
		until(fmt.Sprintf(`%s >= %d`, lines, len(before))),
		chromedp.Evaluate(transcript, &after),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#options button")).map(b => b.textContent).join(",")`, &options),
	)
	var l layout
	run(t, ctx, "measure", chromedp.Evaluate(measure, &l))
	shoot(t, ctx, "phone-chat-reloaded.png")
	if strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("after a reload the page shows\n%s\nnot\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	if !strings.Contains(after[len(after)-1], "联系电话") || !l.Newest || !l.Input || options != "不留" {
		t.Errorf("the current question is not in view after a reload: %+v, options %q", l, options)
	}

	var number, code, shownNumber, shownCode, result string
	run(t, ctx, "file",
		say("13912345678", "请核对"),
		tap("确认", "已登记"),
		until(`!document.getElementById("receipt").hidden`),
		chromedp.Text("#receipt-number", &number, chromedp.ByID),
		chromedp.Text("#receipt-code", &code, chromedp.ByID),
	)
	follow(t, ctx, "to 查询进度", chromedp.Click(`#receipt a[href="/status#receipt"]`, chromedp.ByQuery))
	run(t, ctx, "query",
		until(`document.getElementById("result").textContent.includes("待受理")`),
		chromedp.Value("#number", &shownNumber, chromedp.ByID),
		chromedp.Value("#code", &shownCode, chromedp.ByID),
		chromedp.Text("#result", &result, chromedp.ByID),
	)
	shoot(t, ctx, "phone-status.png")
	if shownNumber != number || shownCode != code || !strings.Contains(result, number) {
		t.Errorf("status page shows %q %q (%q), want %q %q", shownNumber, shownCode, result, number, code)
	}

	var back string
	run(t, ctx, "the way back", chromedp.Text("#back", &back, chromedp.ByID))
	follow(t, ctx, "back to the chat", chromedp.Click("#back", chromedp.ByID))
	run(t, ctx, "the chat again",
		until(`document.querySelector("#log .ticket") !== null`),
		chromedp.Evaluate(`document.getElementById("receipt-number").textContent`, &shownNumber),
		chromedp.Evaluate(`document.getElementById("receipt-code").textContent`, &shownCode),
		chromedp.Evaluate(measure, &l),
	)
	shoot(t, ctx, "phone-chat-back.png")
	if back != "返回对话" || shownNumber != number || shownCode != code || !l.Receipt || !l.Ticket || !l.Input {
		t.Errorf("back from the status page (%q): receipt %q %q, %+v", back, shownNumber, shownCode, l)
	}
}

// follow clicks a link and waits for the page it opens, so that what runs next runs there.
func follow(t *testing.T, ctx context.Context, step string, click chromedp.Action) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, click); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

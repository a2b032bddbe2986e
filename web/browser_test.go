package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// The chat page in a real headless Chromium: a citizen completes a report; what they
// typed as HTML is shown as text and never runs.
func TestChatPageInChromium(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(420, 860))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// A person takes a moment between messages; the chat limits faster senders.
	pause := chromedp.Sleep(700 * time.Millisecond)
	say := func(text string) chromedp.Action {
		return chromedp.Tasks{pause, chromedp.SetValue("#text", text, chromedp.ByID), chromedp.Click("#send", chromedp.ByID)}
	}
	waitFor := func(substr string) chromedp.Action {
		return chromedp.Poll(`Array.from(document.querySelectorAll(".bot")).some(d => d.textContent.includes(`+jsString(substr)+`))`, nil, chromedp.WithPollingTimeout(15*time.Second))
	}
	tapOption := func(label string) chromedp.Action {
		return chromedp.Tasks{pause, chromedp.Evaluate(`Array.from(document.querySelectorAll("#options button")).find(b => b.textContent === `+jsString(label)+`).click()`, nil)}
	}
	xss := `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`
	var title, ticket, shownXSS string
	var shot []byte
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitReady("#composer", chromedp.ByID),
		waitFor("请描述"),
		say("县市场监管所的执法人员到我店里检查，暗示要请吃饭才不罚款。"+xss),
		waitFor("什么时候"),
		say("上周三"),
		waitFor("证据"),
		tapOption("没有"),
		waitFor("实名还是匿名"),
		tapOption("匿名"),
		waitFor("请核对"),
		tapOption("确认"),
		chromedp.WaitVisible(".ticket", chromedp.ByQuery),
		chromedp.AttributeValue(".ticket", "data-ticket", &ticket, nil),
		chromedp.Evaluate(`document.title`, &title),
		chromedp.Evaluate(`Array.from(document.querySelectorAll(".me")).map(d => d.textContent).join("")`, &shownXSS),
		chromedp.FullScreenshot(&shot, 100), // quality 100 gives PNG
	)
	if err != nil {
		var body string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &body))
		t.Fatalf("%v\nthe page shows:\n%s", err, body)
	}
	if !strings.HasPrefix(ticket, "QF-") {
		t.Errorf("no ticket on the page: %q", ticket)
	}
	if title == "pwned" || !strings.Contains(shownXSS, "<script>") || !strings.Contains(shownXSS, "<img src=x") {
		t.Errorf("typed HTML ran or vanished: title %q, shown %q", title, shownXSS)
	}
	path := artifact(t, "chat-page.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("ticket %s; screenshot %s", ticket, path)
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

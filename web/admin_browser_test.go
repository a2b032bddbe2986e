package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// rowButton clicks the n-th button in the last cell of an account's row on the admin page.
func rowButton(user string, n int) chromedp.Action {
	return chromedp.Evaluate(`[...document.querySelectorAll("#accounts tbody tr")].find(r => r.cells[0].textContent === `+
		jsString(user)+`).cells[5].querySelectorAll("button")[`+string(rune('0'+n))+`].click()`, nil)
}

// accountState is the state cell of an account's row.
func accountState(user string) string {
	return `([...document.querySelectorAll("#accounts tbody tr")].find(r => r.cells[0].textContent === ` + jsString(user) + `) || {cells: []}).cells[4]`
}

// The admin resets a password, disables and enables an account from the page, and each
// change shows in the trail table; the one-time password shown once leads to the
// change-password form at login; a leader sees the trail and nothing else.
func TestAdminPageInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	ctx := browse(t)
	e.browserLogin(t, ctx, "admin1")
	var shown string
	run(t, ctx, "reset leader1's password",
		chromedp.Navigate(e.srv.URL+"/staff/admin"),
		until(`document.querySelectorAll("#accounts tbody tr").length >= 6 && document.querySelectorAll("#trail tbody tr").length >= 6`),
		chromedp.Evaluate(`window.confirm = () => true`, nil),
		rowButton("leader1", 0),
		until(`document.getElementById("totp-link").textContent.includes("临时密码")`),
		chromedp.Text("#totp-link", &shown, chromedp.ByID),
		until(accountState("leader1")+`.textContent === "待修改临时密码"`),
		until(`document.querySelector("#trail tbody tr").textContent.includes("重置密码")`))
	otp := shown[strings.LastIndex(shown, "：")+len("："):]
	if len(otp) < 10 {
		t.Fatalf("the one-time password shown: %q", shown)
	}
	run(t, ctx, "disable and enable op1",
		rowButton("op1", 1),
		until(accountState("op1")+`.textContent === "已停用"`),
		until(`document.querySelector("#trail tbody tr").textContent.includes("停用账号")`),
		rowButton("op1", 1),
		until(accountState("op1")+`.textContent === "正常"`),
		until(`document.querySelector("#trail tbody tr").textContent.includes("启用账号")`))
	var status, trail string
	run(t, ctx, "trail status", chromedp.Text("#trail-status", &status, chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll("#trail tbody tr")].map(r => r.cells[5].textContent).join("\n")`, &trail))
	if !strings.Contains(status, "哈希链校验完整") {
		t.Errorf("trail status: %q", status)
	}
	// What each entry adds is in Chinese: roles and bodies are named, not given by code
	// (role=handler body=county-a), and no English shows (sessions ended).
	if !strings.Contains(trail, "角色：承办单位 单位：甲县纪委监委") || !strings.Contains(trail, "其登录已全部失效") ||
		regexp.MustCompile(`[a-z]{3,}`).MatchString(trail) {
		t.Errorf("the trail's details are not all in Chinese:\n%s", trail)
	}
	screenshot(t, ctx, "console-admin-trail.png")

	// leader1 logs in with the one-time password and must set a new one first.
	run(t, ctx, "log in with the one-time password",
		chromedp.Evaluate(`fetch("/staff/api/logout", {method: "POST"})`, nil),
		chromedp.Navigate(e.srv.URL+"/staff/login?next=/staff/admin"),
		chromedp.WaitVisible("#username", chromedp.ByID),
		chromedp.SetValue("#username", "leader1", chromedp.ByID),
		chromedp.SetValue("#password", otp, chromedp.ByID),
		chromedp.Click("#login button", chromedp.ByQuery),
		chromedp.WaitVisible("#change", chromedp.ByID),
		chromedp.SetValue("#new-password", "leader1's own password", chromedp.ByID),
		chromedp.SetValue("#new-password-again", "leader1's own password", chromedp.ByID),
		chromedp.Click("#change button", chromedp.ByQuery),
		chromedp.WaitVisible("header .who", chromedp.ByQuery),
		until(`document.querySelectorAll("#trail tbody tr").length >= 9`))
	var hidden bool
	run(t, ctx, "a leader's view", chromedp.Evaluate(`[...document.querySelectorAll(".admin-only")].every(s => s.hidden) &&
		document.querySelector('header nav a[href="/staff/admin"]') !== null`, &hidden))
	if !hidden {
		t.Error("a leader sees the account administration, or has no menu link to the trail")
	}
	if l := e.login(t, "leader1", "leader1's own password"); l.cookie == "" {
		t.Error("the password set in the browser does not log in")
	}
}

package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The console's width, for the live conversations page.
const consoleWidth, consoleHeight = 1440, 900

// chatHas is a condition on the citizen's page: a line of the log from cls (bot, me)
// contains text.
func chatHas(cls, text string) string {
	return `Array.from(document.querySelectorAll("#log .msg.` + cls + `")).some(d => d.textContent.includes(` + jsString(text) + `))`
}

// linesHave is a condition on the console: a line of the conversation from from
// (citizen, bot, staff) contains text.
func linesHave(from, text string) string {
	return `Array.from(document.querySelectorAll("#lines li.` + from + `")).some(d => d.textContent.includes(` + jsString(text) + `))`
}

// A live handoff in two real headless Chromiums, the console at 1440×900 and the
// citizen's chat at 390×844: 转人工 in the chat puts the conversation in the live queue;
// the intake office takes it and writes; the citizen sees it at once and answers, and the
// answer reaches the console, not the bot; handed back, the bot answers again. The
// console page passes axe-core. Every step waits on what the pages show, never on time.
func TestHandoffInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	desk := browse(t)
	citizen := phone(t)
	run(t, desk, "console size", chromedp.EmulateViewport(consoleWidth, consoleHeight, chromedp.EmulateScale(1)))
	e.browserLogin(t, desk, "intake1")
	run(t, desk, "the live page",
		chromedp.Navigate(e.srv.URL+"/staff/live"),
		chromedp.WaitVisible("#queue-empty", chromedp.ByID),
		until(`document.body.dataset.live === "on"`))

	run(t, citizen, "转人工",
		chromedp.Navigate(e.srv.URL+"/"),
		until(chatHas("bot", "请描述")),
		say("转人工", "转接人工"))

	run(t, desk, "the conversation arrives", until(`document.querySelectorAll("#handoffs button").length === 1`))
	screenshot(t, desk, "live-queue.png")
	run(t, desk, "take it",
		chromedp.Click("#handoffs button", chromedp.ByQuery),
		until(linesHave("citizen", "转人工")),
		chromedp.Click("#take", chromedp.ByID),
		until(linesHave("staff", "工作人员已接入")+` && !document.getElementById("reply-text").disabled`))
	run(t, citizen, "told a person is there", until(chatHas("bot", "工作人员已接入")))

	run(t, desk, "write to the citizen",
		chromedp.SetValue("#reply-text", "您好，我是信访室工作人员，请讲。", chromedp.ByID),
		chromedp.Click("#reply button", chromedp.ByQuery),
		until(linesHave("staff", "我是信访室工作人员")))
	run(t, citizen, "the staff message arrives", until(chatHas("bot", "【工作人员】您好，我是信访室工作人员，请讲。")))

	answer := "城关镇派出所民警办户口时要红包，不给就拖着不办。"
	run(t, citizen, "the citizen answers",
		chromedp.SetValue("#text", answer, chromedp.ByID), chromedp.Focus("#text", chromedp.ByID), chromedp.KeyEvent("\r"),
		until(chatHas("me", answer)))
	run(t, desk, "the answer reaches the console", until(linesHave("citizen", answer)))
	var bots int
	run(t, citizen, "the bot kept quiet", chromedp.Evaluate(`(() => { const all = Array.from(document.querySelectorAll("#log .msg"));
		const mine = all.findIndex(d => d.classList.contains("me") && d.textContent.includes(`+jsString(answer)+`));
		return all.slice(mine + 1).filter(d => d.classList.contains("bot")).length; })()`, &bots))
	if bots != 0 {
		t.Errorf("the bot answered %d times while a person had the conversation", bots)
	}
	var fits bool
	run(t, desk, "the reply box in view", chromedp.Evaluate(`(() => { const r = document.getElementById("reply-text").getBoundingClientRect();
		return r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth; })()`, &fits))
	if !fits {
		t.Errorf("at %dx%d the reply box is not on screen", consoleWidth, consoleHeight)
	}
	screenshot(t, desk, "live-conversation.png")
	axeCheck(t, desk, "/staff/live with a conversation")
	shoot(t, citizen, "phone-handoff.png")

	run(t, desk, "hand back",
		chromedp.Click("#release", chromedp.ByID),
		chromedp.WaitVisible("#pick", chromedp.ByID),
		until(`document.querySelectorAll("#handoffs button").length === 0`))
	run(t, citizen, "the bot is back",
		until(chatHas("bot", "人工服务已结束")),
		say("县住建局副局长王某公车私用，周末开公车带家人钓鱼。", ""))
	var last string
	run(t, citizen, "the bot's answer", chromedp.Evaluate(`Array.from(document.querySelectorAll("#log .msg.bot")).pop().textContent`, &last))
	if strings.HasPrefix(last, "【工作人员】") || !strings.ContainsAny(last, "？?") {
		t.Errorf("after the hand-back the citizen's account drew %q, not the bot's next question", last)
	}
	shoot(t, citizen, "phone-handed-back.png")
}

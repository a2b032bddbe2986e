package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"qingfeng/intake"
)

// What a reporter adds later (补充 编号 查询码 …, here over SMS) shows on the staff
// ticket page with its text (the numbers that identify a person masked, as in the
// complaint), sealed at rest; it arrives on the console's live channel; and it bumps
// the ticket in its queue until someone who works the ticket where it stands has
// opened it.
func TestSupplements(t *testing.T) {
	e, logins := newStaffEnv(t)
	ctx := context.Background()
	live := e.store.Live(ctx)
	defer live.Close()
	if _, err := live.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	var ids, codes []string
	for i, text := range []string{"镇政府办事员推诿扯皮，材料齐全也不给办理低保。", "县交警大队民警拦车罚款不开票，不给钱就扣车。"} {
		rc, err := e.intake.Submit(ctx, intake.Report{Channel: "web", SenderID: fmt.Sprintf("sup-%d", i), Text: text, Anonymous: true})
		if err != nil {
			t.Fatal(err)
		}
		ids, codes = append(ids, rc.Ticket.ID), append(codes, rc.QueryCode)
	}
	older, newer := ids[0], ids[1]
	queue := func(who, status string) []string {
		t.Helper()
		code, body := e.do(t, logins[who], "GET", "/staff/api/tickets?status="+status, nil)
		var out struct{ Tickets []struct{ ID string } }
		if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil {
			t.Fatalf("queue %s as %s: %d %s", status, who, code, body)
		}
		var got []string
		for _, tk := range out.Tickets {
			if slices.Contains(ids, tk.ID) {
				got = append(got, tk.ID)
			}
		}
		return got
	}
	if got := queue("intake1", "received"); !slices.Equal(got, []string{older, newer}) {
		t.Fatalf("before any supplement the queue is %v, want oldest first %v", got, []string{older, newer})
	}

	added := "另外他还收了两条烟，我的电话13912345678"
	shown := intake.MaskIdentifiers(added)
	code, out := (&env{srv: e.srv}).post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: "sup-sms", From: "13700001111", To: "12388",
		Text: "补充 " + newer + " " + codes[1] + " " + added}, 0)
	if code != http.StatusOK || !strings.Contains(fmt.Sprint(out["reply"]), "已收到") {
		t.Fatalf("the supplement over SMS: %d %v", code, out)
	}

	// The live channel carries it as it happens.
	deadline := time.After(10 * time.Second)
	for seen := false; !seen; {
		select {
		case m := <-live.Channel():
			var ev intake.LiveEvent
			seen = json.Unmarshal([]byte(m.Payload), &ev) == nil && ev.Ticket == newer && ev.Event == "moved" && ev.Detail == string(intake.ActSupplement)
		case <-deadline:
			t.Fatal("no live event for the supplement")
		}
	}
	raw, err := e.rdb.LRange(ctx, "qf:{"+e.ns+"}:t:"+newer+":supplements", 0, -1).Result()
	if err != nil || len(raw) != 1 || strings.Contains(raw[0], "两条烟") {
		t.Errorf("the supplement is not kept sealed: %q, %v", raw, err)
	}

	if got := queue("intake1", "received"); !slices.Equal(got, []string{newer, older}) {
		t.Errorf("after the supplement the queue is %v, want the supplemented ticket first", got)
	}
	// A leader reading it does not work the intake queue: the ticket stays ahead.
	if view := e.ticketView(t, logins["leader1"], newer); len(view.Supplements) != 1 || view.Supplements[0].Text != shown {
		t.Errorf("the leader's view of the supplements: %+v", view.Supplements)
	}
	if got := queue("intake1", "received"); !slices.Equal(got, []string{newer, older}) {
		t.Errorf("a leader's look took the bump away: %v", got)
	}
	view := e.ticketView(t, logins["intake1"], newer)
	if len(view.Supplements) != 1 || view.Supplements[0].Text != shown || view.Supplements[0].At.IsZero() {
		t.Fatalf("the intake office's view of the supplements: %+v", view.Supplements)
	}
	if got := queue("intake1", "received"); !slices.Equal(got, []string{older, newer}) {
		t.Errorf("after the intake office saw it the queue is %v, want its own order again", got)
	}

	// A handler of the body it went to reads it too.
	tk, err := e.store.Get(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if tk, err = e.store.Apply(ctx, newer, tk.Version, intake.Move{Action: intake.ActAccept, Actor: "intake1", Role: intake.RoleIntake}); err != nil {
		t.Fatal(err)
	}
	if _, err = e.store.Apply(ctx, newer, tk.Version, intake.Move{Action: intake.ActRoute, Actor: "intake1", Role: intake.RoleIntake,
		Mode: intake.ModeAssigned, Body: "town-a1", Due: intake.Date{Year: 2026, Month: 12, Day: 31}}); err != nil {
		t.Fatal(err)
	}
	handler := e.ticketView(t, logins["handler-a"], newer)
	if len(handler.Supplements) != 1 || handler.Supplements[0].Text != shown || strings.Contains(shown, "13912345678") {
		t.Errorf("the handler's view of the supplement: %+v", handler.Supplements)
	}
}

// ticketView reads the staff ticket page's data.
func (e *staffEnv) ticketView(t *testing.T, l login, id string) struct{ Supplements []supplement } {
	t.Helper()
	code, body := e.do(t, l, "GET", "/staff/api/tickets/"+id, nil)
	var v struct{ Supplements []supplement }
	if err := json.Unmarshal([]byte(body), &v); code != http.StatusOK || err != nil {
		t.Fatalf("ticket %s: %d %s", id, code, body)
	}
	return v
}

// On the ticket page in Chromium: a supplement that arrives while the page is open shows
// in 补充材料 with its text, without a reload.
func TestSupplementsOnTheTicketPageInChromium(t *testing.T) {
	e, _ := newStaffEnv(t)
	ctx := context.Background()
	rc, err := e.intake.Submit(ctx, intake.Report{Channel: "web", SenderID: "sup-page", Anonymous: true,
		Text: "城关镇派出所户籍民警办理户口迁移时索要好处费，不给红包就卡着不办。"})
	if err != nil {
		t.Fatal(err)
	}
	page := browse(t)
	e.browserLogin(t, page, "intake1")
	run(t, page, "the ticket page",
		chromedp.Navigate(e.srv.URL+"/staff/ticket?id="+rc.Ticket.ID),
		chromedp.WaitVisible("#text", chromedp.ByID),
		until(`document.body.dataset.live === "on"`))
	added := "<b>补充</b>：他上周又收了两条烟"
	if _, err := e.intake.Supplement(ctx, rc.Ticket.ID, rc.QueryCode, added); err != nil {
		t.Fatal(err)
	}
	var shown string
	run(t, page, "the supplement arrives",
		until(`!document.getElementById("supplements").hidden && document.querySelectorAll("#supplements li").length === 1`),
		chromedp.Text("#supplements li .supplement-text", &shown, chromedp.ByQuery))
	if shown != added {
		t.Errorf("the page shows %q, want the text as typed %q", shown, added)
	}
	screenshot(t, page, "console-supplement.png")
}

package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/staff"
)

// handoffEnv is the staff console's server with a citizen writing over SMS.
type handoffEnv struct {
	*staffEnv
	logins map[string]login
	from   string
	sent   int
	live   *redis.PubSub
}

func newHandoffEnv(t *testing.T, from string) *handoffEnv {
	t.Helper()
	e, logins := newStaffEnv(t)
	if err := e.dir.AddAccount(context.Background(), "root", "intake2", staff.RoleIntake, "", "correct horse intake2"); err != nil {
		t.Fatal(err)
	}
	logins["intake2"] = e.login(t, "intake2", "correct horse intake2")
	h := &handoffEnv{staffEnv: e, logins: logins, from: from, live: e.store.Live(context.Background())}
	t.Cleanup(func() { h.live.Close() })
	if _, err := h.live.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// sms sends the citizen's next message and returns the reply.
func (h *handoffEnv) sms(t *testing.T, text string) string {
	t.Helper()
	h.sent++
	code, out := (&env{srv: h.srv}).post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: fmt.Sprintf("%s-%d", h.from, h.sent), From: h.from, To: "12388", Text: text}, 0)
	if code != http.StatusOK {
		t.Fatalf("sms %q: %d %v", text, code, out)
	}
	reply, _ := out["reply"].(string)
	return reply
}

// sessionVersion is how many times the bot has saved the citizen's conversation: it
// moves whenever the dialogue runs.
func (h *handoffEnv) sessionVersion(t *testing.T) string {
	t.Helper()
	v, err := h.rdb.HGet(context.Background(), "qf:{"+h.ns+"}:session:sms:"+h.intake.LookupHash("sms-session", h.from), "v").Result()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// event waits for the next live announcement about a handoff that says what.
func (h *handoffEnv) event(t *testing.T, what string) handoffEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-h.live.Channel():
			body, ok := strings.CutPrefix(m.Payload, handoffPrefix)
			var ev handoffEvent
			if ok && json.Unmarshal([]byte(body), &ev) == nil && ev.What == what {
				return ev
			}
		case <-timeout:
			t.Fatalf("no handoff %q event", what)
		}
	}
}

func (h *handoffEnv) view(t *testing.T, who, id string) handoffView {
	t.Helper()
	code, body := h.do(t, h.logins[who], "GET", "/staff/api/handoffs/"+id, nil)
	if code != http.StatusOK {
		t.Fatalf("view %s as %s: %d %s", id, who, code, body)
	}
	var v handoffView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func said(v handoffView, from, text string) bool {
	for _, l := range v.Lines {
		if l.From == from && strings.Contains(l.Text, text) {
			return true
		}
	}
	return false
}

// Over SMS: 转人工 puts the conversation in the intake office's live queue; one member of
// staff takes it; while they have it the citizen's messages reach them and not the
// dialogue, and what they write goes out with the reply to the citizen's next SMS; once
// handed back the bot answers again. No number is shown to staff or kept in the clear.
func TestHandoffOverSMS(t *testing.T) {
	h := newHandoffEnv(t, "13800138222")
	ctx := context.Background()
	h.sms(t, "县住建局的王科长办证时要好处费，不给就不办。")
	if reply := h.sms(t, "转人工"); !strings.Contains(reply, "转接人工") {
		t.Fatalf("转人工 answered %q", reply)
	}
	opened := h.event(t, "opened")

	code, body := h.do(t, h.logins["intake1"], "GET", "/staff/api/handoffs", nil)
	var queue handoffList
	if err := json.Unmarshal([]byte(body), &queue); code != http.StatusOK || err != nil || len(queue.Handoffs) != 1 {
		t.Fatalf("the live queue: %d %s", code, body)
	}
	q := queue.Handoffs[0]
	if q.ID != opened.ID || q.Channel != "sms" || q.State != handoffWaiting || strings.Contains(body, h.from) {
		t.Fatalf("the queued conversation: %s", body)
	}
	v := h.view(t, "intake1", q.ID)
	if !strings.Contains(v.Draft.Description, "好处费") || !said(v, saidByCitizen, "转人工") || !said(v, saidByBot, "转接人工") {
		t.Errorf("what staff see before taking it: %+v", v)
	}

	// Two members of staff take it at the same moment: one gets it.
	var wg sync.WaitGroup
	codes := map[string]int{}
	var mu sync.Mutex
	for _, who := range []string{"intake1", "intake2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := h.do(t, h.logins[who], "POST", "/staff/api/handoffs/"+q.ID+"/take", nil)
			mu.Lock()
			codes[who] = code
			mu.Unlock()
		}()
	}
	wg.Wait()
	taker, other := "intake1", "intake2"
	if codes["intake2"] == http.StatusOK {
		taker, other = other, taker
	}
	if codes[taker] != http.StatusOK || codes[other] != http.StatusConflict {
		t.Fatalf("two takes at once: %v", codes)
	}
	if code, body := h.do(t, h.logins[other], "POST", "/staff/api/handoffs/"+q.ID+"/messages", map[string]string{"text": "我来"}); code != http.StatusConflict {
		t.Errorf("the other member of staff wrote to a conversation not theirs: %d %s", code, body)
	}

	// The citizen writes: it reaches the taker, the dialogue does not run.
	before := h.sessionVersion(t)
	reply := h.sms(t, "他上周又要了我两千元")
	if !strings.Contains(reply, "工作人员已接入") || strings.Contains(reply, "请问") {
		t.Errorf("the citizen's reply while a person has it: %q", reply)
	}
	if after := h.sessionVersion(t); after != before {
		t.Errorf("the dialogue ran while staff had the conversation (session %s → %s)", before, after)
	}
	if v = h.view(t, taker, q.ID); !said(v, saidByCitizen, "两千元") {
		t.Errorf("the citizen's message did not reach staff: %+v", v.Lines)
	}
	raw, err := h.rdb.LRange(ctx, "qf:{"+h.ns+"}:web:handoff:"+q.ID+":lines", 0, -1).Result()
	if err != nil || len(raw) == 0 || strings.Contains(strings.Join(raw, "\n"), "两千元") {
		t.Errorf("the conversation is not kept sealed: %q, %v", raw, err)
	}

	// Staff write; it goes out with the reply to the citizen's next SMS.
	code, body = h.do(t, h.logins[taker], "POST", "/staff/api/handoffs/"+q.ID+"/messages", map[string]string{"text": "请问是在哪里给的钱？"})
	if code != http.StatusOK || !strings.Contains(body, `"delivered":false`) {
		t.Fatalf("staff message: %d %s", code, body)
	}
	if reply = h.sms(t, "在他办公室"); !strings.Contains(reply, "【工作人员】请问是在哪里给的钱？") {
		t.Errorf("the staff message did not reach the citizen: %q", reply)
	}
	if after := h.sessionVersion(t); after != before {
		t.Errorf("the dialogue ran while staff had the conversation (session %s → %s)", before, after)
	}

	// Handed back: the bot answers again.
	if code, body := h.do(t, h.logins[other], "POST", "/staff/api/handoffs/"+q.ID+"/release", nil); code != http.StatusConflict {
		t.Errorf("the other member of staff handed it back: %d %s", code, body)
	}
	if code, body := h.do(t, h.logins[taker], "POST", "/staff/api/handoffs/"+q.ID+"/release", nil); code != http.StatusNoContent {
		t.Fatalf("hand back: %d %s", code, body)
	}
	h.event(t, "closed")
	if reply = h.sms(t, "上个月"); !strings.Contains(reply, "人工服务已结束") || !strings.Contains(reply, "证据") {
		t.Errorf("after the hand-back the bot does not answer: %q", reply)
	}
	if after := h.sessionVersion(t); after == before {
		t.Errorf("after the hand-back the dialogue did not run")
	}
	if code, body := h.do(t, h.logins[taker], "GET", "/staff/api/handoffs", nil); code != http.StatusOK || strings.Contains(body, `"id"`) {
		t.Errorf("after the hand-back the conversation is queued again: %d %s", code, body)
	}
	if code, body := h.do(t, h.logins[taker], "GET", "/staff/api/handoffs/"+q.ID, nil); code != http.StatusConflict || !strings.Contains(body, "handoff_gone") {
		t.Errorf("a handed-back conversation still opens: %d %s", code, body)
	}
	// Asked again, the conversation is queued afresh.
	h.sms(t, "转人工")
	if again := h.event(t, "opened"); again.ID == q.ID {
		t.Errorf("asked again, the conversation is queued under its old handoff")
	}
}

// Staff file the report from the conversation: the ticket's text is the conversation,
// sealed at rest; a real-name SMS reporter is reachable on the number they wrote from,
// which staff never saw; the citizen is told the number and query code.
func TestHandoffFiledFromSMS(t *testing.T) {
	h := newHandoffEnv(t, "13800138333")
	ctx := context.Background()
	h.sms(t, "转人工")
	id := h.event(t, "opened").ID
	if code, body := h.do(t, h.logins["intake1"], "POST", "/staff/api/handoffs/"+id+"/take", nil); code != http.StatusOK {
		t.Fatalf("take: %d %s", code, body)
	}
	h.sms(t, "县住建局副局长王某收了开发商两千元好处费，帮他们违规办了预售证")
	h.sms(t, "我叫李秀英")
	if code, body := h.do(t, h.logins["intake2"], "POST", "/staff/api/handoffs/"+id+"/file", map[string]any{"anonymous": true}); code != http.StatusConflict {
		t.Errorf("someone who has not taken it filed it: %d %s", code, body)
	}
	code, body := h.do(t, h.logins["intake1"], "POST", "/staff/api/handoffs/"+id+"/file",
		map[string]any{"anonymous": false, "name": "李秀英", "summary": "群众反映县住建局副局长受贿"})
	var filed handoffFiled
	if err := json.Unmarshal([]byte(body), &filed); code != http.StatusOK || err != nil || filed.Ticket == "" {
		t.Fatalf("file: %d %s", code, body)
	}
	tk, err := h.store.Get(ctx, filed.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"群众反映县住建局副局长受贿", "市民：县住建局副局长王某收了开发商两千元好处费", "工作人员：工作人员已接入"} {
		if !strings.Contains(tk.Text, want) {
			t.Errorf("the ticket's text lacks %q: %q", want, tk.Text)
		}
	}
	if tk.Channel != "sms" || !tk.RealName || tk.PhoneHash != h.intake.LookupHash("phone", h.from) || tk.Category != "corruption" {
		t.Errorf("the filed ticket: %+v", tk)
	}
	rawText, err := h.rdb.HGet(ctx, "qf:{"+h.ns+"}:t:"+filed.Ticket, "text").Result()
	if err != nil || strings.Contains(rawText, "好处费") || strings.Contains(rawText, "市民") {
		t.Errorf("the ticket's text is not sealed at rest: %q, %v", rawText, err)
	}
	who, err := h.intake.RevealIdentity(ctx, filed.Ticket, "intake1", intake.RoleIntake, "回访")
	if err != nil || who.Name != "李秀英" || who.Phone != h.from {
		t.Errorf("the reporter's identity: %+v, %v", who, err)
	}
	if reply := h.sms(t, "好的"); !strings.Contains(reply, filed.Ticket) || !strings.Contains(reply, "查询码") {
		t.Errorf("the citizen was not told the number and code: %q", reply)
	}
	if again := h.sms(t, "还有一件事"); !strings.Contains(again, filed.Ticket) {
		t.Errorf("after filing the bot does not know the report: %q", again)
	}
	code, body = h.do(t, h.logins["intake1"], "GET", "/staff/api/handoffs", nil)
	if code != http.StatusOK || strings.Contains(body, id) {
		t.Errorf("a filed conversation stays in the queue: %d %s", code, body)
	}
}

// A citizen nobody has taken yet may go back to the bot (重新开始); once a person has
// the conversation, the same words go to them.
func TestHandoffCitizenLeavesTheQueue(t *testing.T) {
	h := newHandoffEnv(t, "13800138444")
	h.sms(t, "转人工")
	id := h.event(t, "opened").ID
	if reply := h.sms(t, "重新开始"); !strings.Contains(reply, "重新开始") {
		t.Errorf("leaving the queue: %q", reply)
	}
	if code, _ := h.do(t, h.logins["intake1"], "POST", "/staff/api/handoffs/"+id+"/take", nil); code != http.StatusConflict {
		t.Errorf("a conversation the citizen left can be taken: %d", code)
	}
	h.sms(t, "转人工")
	id = h.event(t, "opened").ID
	if code, body := h.do(t, h.logins["intake1"], "POST", "/staff/api/handoffs/"+id+"/take", nil); code != http.StatusOK {
		t.Fatalf("take: %d %s", code, body)
	}
	before := h.sessionVersion(t)
	h.sms(t, "重新开始")
	if v := h.view(t, "intake1", id); !said(v, saidByCitizen, "重新开始") || h.sessionVersion(t) != before {
		t.Errorf("重新开始 while a person has it: lines %+v", v.Lines)
	}
}

// Over WeChat: while a person has the conversation the citizen's messages reach them
// (the platform is answered "success", the dialogue does not run), and what staff say
// goes out at once through the customer-service API to the citizen's openid.
func TestHandoffOverWechat(t *testing.T) {
	e, d, api := newWechatEnv(t, 0, func(*Config) {})
	ctx := context.Background()
	openid := "oQF0testHandoffOpenID0000001"
	post := func(id, text string) string {
		t.Helper()
		code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n"+id), wxText(openid, id, text))
		if code != http.StatusOK {
			t.Fatalf("%q: %d %s", text, code, body)
		}
		return body
	}
	sentToCitizen := func(want string) {
		t.Helper()
		select {
		case m := <-api.sent:
			if m.ToUser != openid || !strings.Contains(m.Text.Content, want) {
				t.Errorf("sent %+v, want %q to the citizen", m, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("nothing sent through the API; want %q", want)
		}
	}
	if r := parseReply(t, post("1", "转人工")); !strings.Contains(r.Content, "转接人工") {
		t.Fatalf("转人工 answered %q", r.Content)
	}
	conv := e.site.tickets.LookupHash("wechat-session", openid)
	id, err := e.site.handoffOf(ctx, "wechat", conv)
	if err != nil || id == "" {
		t.Fatalf("no handoff: %q, %v", id, err)
	}
	h := &handoff{ID: id, Channel: "wechat", conv: conv}
	if err := e.site.takeHandoff(ctx, id, "intake1"); err != nil {
		t.Fatal(err)
	}
	e.site.staffSays(ctx, h, "intake1", "您好，请讲。")
	sentToCitizen("您好，请讲。")

	steps := d.steps.Load()
	if body := post("2", "他又要了两千元"); body != "success" {
		t.Errorf("while a person has it the platform got %q", body)
	}
	if d.steps.Load() != steps {
		t.Errorf("the dialogue ran while staff had the conversation")
	}
	lines, err := e.site.handoffLines(ctx, id, 0)
	if err != nil || !slices.ContainsFunc(lines, func(l handoffLine) bool { return l.From == saidByCitizen && l.Text == "他又要了两千元" }) {
		t.Errorf("the citizen's message did not reach staff: %+v, %v", lines, err)
	}
	if err := e.site.closeHandoff(ctx, h, "intake1"); err != nil {
		t.Fatal(err)
	}
	if r := parseReply(t, post("3", "县住建局副局长王某公车私用")); d.steps.Load() != steps+1 || r.Content == "" {
		t.Errorf("after the hand-back the dialogue did not answer: %q", r.Content)
	}
}

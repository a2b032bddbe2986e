package web

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/testkit"
)

// The outside check of outbound SMS: an operator logs a real-name call through the
// console, the intake office accepts it, and within 15 s the gateway at
// QINGFENG_SMS_SEND_URL gets one signed post to the caller's number naming the ticket.
// The outbox runs as serve runs it, but without quiet hours (tested on their own), so
// the test passes at any hour.
func TestLoggedCallIsToldByTextWithinSeconds(t *testing.T) {
	k := testkit.New(t)
	gw := newFakeGateway(t)
	cfg := DefaultOutboxConfig()
	cfg.Quiet = QuietHours{}
	box := NewOutbox(k.Store, gw.sender(), k.Scanner.NoticeDue, cfg, slog.New(slog.DiscardHandler))
	e, logins := staffServer(t, k, box)
	running(t, box)

	const caller = "13812345678"
	code, body := e.do(t, logins["op1"], "POST", "/staff/api/calls", map[string]any{"submission": "form-1", "caller": caller, "name": "张三",
		"text": "我实名反映，镇政府民政办的王某某在低保评定中优亲厚友，把名额给了自己的亲戚。"})
	var call struct{ Ticket string }
	if err := json.Unmarshal([]byte(body), &call); code != 200 || err != nil || call.Ticket == "" {
		t.Fatalf("log the call: %d %s", code, body)
	}
	code, body = e.do(t, logins["intake1"], "GET", "/staff/api/tickets/"+call.Ticket, nil)
	var tk struct{ Version int64 }
	if err := json.Unmarshal([]byte(body), &tk); code != 200 || err != nil {
		t.Fatalf("read the ticket: %d %s", code, body)
	}
	start := time.Now()
	if code, body := e.do(t, logins["intake1"], "POST", "/staff/api/tickets/"+call.Ticket+"/moves", map[string]any{"action": "accept", "version": tk.Version}); code != 200 {
		t.Fatalf("accept: %d %s", code, body)
	}
	eventually(t, 15*time.Second, "the gateway got no text", func() bool { return len(gw.takenMessages()) > 0 })
	t.Logf("the gateway got the text %v after the acceptance", time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second) // a second text would show by now
	taken := gw.takenMessages()
	if len(taken) != 1 || taken[0].To != caller || !strings.Contains(taken[0].Text, call.Ticket) || gw.postsOf(taken[0].ID) != 1 || gw.forged != 0 {
		t.Errorf("the gateway got %+v (%d forged)", taken, gw.forged)
	}
}

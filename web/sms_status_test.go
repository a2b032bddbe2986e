package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"qingfeng/intake"
)

// The SMS gateway's receipts: signed like the other webhooks, each recorded once in the
// notice and in the ticket's history; a failed delivery joins the dead letters; one
// that comes before the send was recorded is asked to come again.
func TestSMSStatusReceipts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := e.site.tickets.(*intake.Intake)
	_, queued := accepted(t, in, e.store, "call-queued", "13900000001", false)
	okTicket, delivered := accepted(t, in, e.store, "call-ok", "13900000002", false)
	_, failed := accepted(t, in, e.store, "call-failed", "13900000003", false)

	// Without the outbox nothing can be recorded.
	if code, body := e.post(t, "/api/v1/webhooks/sms/status", SMSStatus{ID: delivered, Status: "delivered"}, 0); code != http.StatusServiceUnavailable {
		t.Errorf("no outbox: %d %v", code, body)
	}
	e.site.WithOutbox(NewOutbox(e.store, nil, nil, testOutboxConfig("worker"), slog.New(slog.DiscardHandler)))
	for _, id := range []string{delivered, failed} {
		if cl, _, err := e.store.ClaimNotice(ctx, id, "worker", time.Minute); cl != intake.ClaimOK || err != nil {
			t.Fatal(cl, err)
		}
		if _, err := e.store.SettleNotice(ctx, id, intake.Outcome{State: intake.NoticeSent, Actor: "outbox", Note: "已告知"}); err != nil {
			t.Fatal(err)
		}
	}

	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	if code, body := e.send(t, "/api/v1/webhooks/sms/status", []byte(`{"id":"`+delivered+`","status":"delivered"}`), stamp, "sha256=00"); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d %v", code, body)
	}
	for _, c := range []struct {
		name string
		in   any
		code int
		err  string
	}{
		{"unknown status", SMSStatus{ID: delivered, Status: "read"}, http.StatusBadRequest, "bad_receipt"},
		{"bad time", SMSStatus{ID: delivered, Status: "delivered", At: "yesterday"}, http.StatusBadRequest, "bad_receipt"},
		{"no id", SMSStatus{Status: "delivered"}, http.StatusBadRequest, "missing_field"},
		{"not JSON", []byte(`{"id":`), http.StatusBadRequest, "bad_json"},
		{"unknown notice", SMSStatus{ID: "QF-20260101-000009-2", Status: "delivered"}, http.StatusNotFound, "unknown_notice"},
		{"before the send", SMSStatus{ID: queued, Status: "delivered"}, http.StatusConflict, "in_progress"},
	} {
		if code, body := e.post(t, "/api/v1/webhooks/sms/status", c.in, 0); code != c.code || body["error"] != c.err {
			t.Errorf("%s: %d %v, want %d %s", c.name, code, body, c.code, c.err)
		}
	}

	at := "2026-03-02T10:00:00+08:00"
	for i, want := range []bool{true, false} { // the gateway sends it again: recorded once
		code, body := e.post(t, "/api/v1/webhooks/sms/status", SMSStatus{ID: delivered, Status: "delivered", At: at}, 0)
		if code != http.StatusOK || body["recorded"] != want {
			t.Errorf("receipt %d: %d %v", i+1, code, body)
		}
	}
	n, _ := e.store.Notice(ctx, delivered)
	if n.State != intake.NoticeDelivered || n.ReceiptAt.Format(time.RFC3339) != "2026-03-02T02:00:00Z" {
		t.Errorf("delivered notice: %+v", n)
	}
	if notes := notified(t, e.store, okTicket.ID); len(notes) != 2 || notes[1] != "已告知：受理告知已送达（短信回执）" {
		t.Errorf("history: %q", notes)
	}
	if code, body := e.post(t, "/api/v1/webhooks/sms/status", SMSStatus{ID: failed, Status: "failed"}, 0); code != http.StatusOK || body["recorded"] != true {
		t.Errorf("failed receipt: %d %v", code, body)
	}
	if dead, _ := e.store.DeadNotices(ctx, 10); len(dead) != 1 || dead[0] != failed {
		t.Errorf("dead letters: %v", dead)
	}
}

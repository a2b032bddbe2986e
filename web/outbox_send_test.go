package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"qingfeng/intake"
	"qingfeng/internal/testkit"
)

// fakeTwilio stands in for Twilio's Messages API on loopback: it checks the account's
// basic auth and the form, refuses one number as invalid (error 21211, whose message
// quotes the number), and records what it takes.
type fakeTwilio struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []map[string]string
}

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "twilio-token-for-tests"
	twilioFrom  = "+15005550006"
	badNumber   = "+8613900000000"
)

func newFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != twilioSID || pass != twilioToken || r.PathValue("sid") != twilioSID {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"code":20003,"message":"Authenticate","status":401}`)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("From") != twilioFrom || r.PostForm.Get("Body") == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"code":21603,"message":"A 'From' phone number is required.","status":400}`)
			return
		}
		to := r.PostForm.Get("To")
		if to == badNumber {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"code":21211,"message":"The 'To' number %s is not a valid phone number.","status":400}`, to)
			return
		}
		f.mu.Lock()
		f.sent = append(f.sent, map[string]string{"To": to, "Body": r.PostForm.Get("Body")})
		n := len(f.sent)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued","to":%q}`, n, to)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// Through Twilio: a notice is sent as a message from our number and its SID kept; one
// to a number Twilio calls invalid is given up on at once, and its error does not
// quote the number.
func TestOutboxSendsThroughTwilio(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	tw := newFakeTwilio(t)
	good, goodID := accepted(t, k.Intake, k.Store, "call-good", "+8613900001234", false)
	_, badID := accepted(t, k.Intake, k.Store, "call-bad", badNumber, false)
	running(t, NewOutbox(k.Store, NewTwilioSender(tw.srv.URL, twilioSID, twilioToken, twilioFrom), k.Scanner.NoticeDue,
		testOutboxConfig("worker"), slog.New(slog.DiscardHandler)))
	eventually(t, 5*time.Second, "the notices were not settled", func() bool {
		a, _ := k.Store.Notice(ctx, goodID)
		b, _ := k.Store.Notice(ctx, badID)
		return a.State.Final() && b.State.Final()
	})
	n, _ := k.Store.Notice(ctx, goodID)
	if n.State != intake.NoticeSent || n.Sender != "twilio" || n.ProviderID != "SM"+strings.Repeat("0", 31)+"1" {
		t.Errorf("sent notice: %+v", n)
	}
	tw.mu.Lock()
	if len(tw.sent) != 1 || tw.sent[0]["To"] != "+8613900001234" || !strings.Contains(tw.sent[0]["Body"], good.ID) {
		t.Errorf("twilio took %+v", tw.sent)
	}
	tw.mu.Unlock()
	bad, _ := k.Store.Notice(ctx, badID)
	if bad.State != intake.NoticeDead || bad.Tries != 1 || bad.Error != "twilio: HTTP 400 (error 21211)" {
		t.Errorf("refused notice: %+v", bad)
	}
}

// A WeChat reporter is told through the Official Account's customer-service API, on the
// openid their report came from, even in quiet hours (they are for SMS).
func TestOutboxSendsThroughWechat(t *testing.T) {
	e, _, api := newWechatEnv(t, 0, func(*Config) {})
	ctx := context.Background()
	openid := "oQF0noticeOpenID1234567890"
	for i, text := range []string{"县交警大队的民警拦车罚款不开票，一次要两百块，不给就扣车。", "上周五", "没有", "匿名", "确认"} {
		if code, body, _ := e.wechat(t, http.MethodPost, wxQuery(time.Now().Unix(), "n"+strconv.Itoa(i)), wxText(openid, strconv.Itoa(8000+i), text)); code != 200 {
			t.Fatalf("%q: %d %s", text, code, body)
		}
	}
	ids, err := e.store.Find(ctx, "channel", "wechat", 1)
	if err != nil || len(ids) != 1 {
		t.Fatalf("no WeChat ticket: %v %v", ids, err)
	}
	tk, err := e.store.Get(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Apply(ctx, tk.ID, tk.Version, intake.Move{Action: intake.ActMessage, Actor: "intake1", Role: intake.RoleIntake,
		Note: "请补充被罚款的具体时间和地点。"}); err != nil {
		t.Fatal(err)
	}
	cfg := testOutboxConfig("worker")
	cfg.Quiet, _ = ParseQuietHours("00:00-23:59")
	box := NewOutbox(e.store, nil, nil, cfg, slog.New(slog.DiscardHandler))
	e.site.WithOutbox(box)
	running(t, box)
	select {
	case m := <-api.sent:
		if m.ToUser != openid || m.MsgType != "text" || !strings.Contains(m.Text.Content, tk.ID) || !strings.Contains(m.Text.Content, "请补充被罚款") {
			t.Errorf("WeChat message %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no WeChat message")
	}
	eventually(t, 5*time.Second, "the send was not recorded", func() bool {
		n, _ := e.store.Notice(ctx, tk.ID+"-"+strconv.FormatInt(tk.AuditSeq+1, 10))
		return n != nil && n.State == intake.NoticeSent && n.Sender == "wechat"
	})
}

// Once the platform's 48 h window has closed (no contact kept), a WeChat notice cannot
// go: it is given up on at once, for staff to follow up.
func TestWechatNoticeAfterTheWindowIsDead(t *testing.T) {
	e, _, api := newWechatEnv(t, 0, func(*Config) {})
	ctx := context.Background()
	rc, err := e.site.tickets.Submit(ctx, intake.Report{Channel: "wechat", SenderID: "w-1", Anonymous: true, Conversation: "gone-conversation",
		Text: "县交警大队的民警拦车罚款不开票，一次要两百块，不给就扣车。"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, intake.Move{Action: intake.ActMessage, Actor: "intake1", Role: intake.RoleIntake, Note: "您好"}); err != nil {
		t.Fatal(err)
	}
	box := NewOutbox(e.store, nil, nil, testOutboxConfig("worker"), slog.New(slog.DiscardHandler))
	e.site.WithOutbox(box)
	running(t, box)
	id := rc.Ticket.ID + "-2"
	eventually(t, 5*time.Second, "the notice was not given up on", func() bool {
		n, _ := e.store.Notice(ctx, id)
		return n != nil && n.State == intake.NoticeDead && n.Tries == 1
	})
	if len(api.sent) != 0 {
		t.Error("a message went to the platform")
	}
}

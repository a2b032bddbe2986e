package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/internal/testkit"
)

var secret = []byte("webhook-secret-for-tests")

type env struct {
	site  *Server
	srv   *httptest.Server
	store *intake.Store
	rdb   *redis.Client
	ns    string
}

// newEnv runs the real server on loopback against real Redis (database 15, a namespace
// of the test's own) and the real language pipeline.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*Config) {})
}

// newEnvWith is newEnv with changes to the server's configuration.
func newEnvWith(t *testing.T, tune func(*Config)) *env {
	t.Helper()
	return newEnvLogged(t, slog.New(slog.DiscardHandler), tune)
}

// newEnvLogged is newEnvWith with the server logging to log.
func newEnvLogged(t *testing.T, log *slog.Logger, tune func(*Config)) *env {
	t.Helper()
	return newEnvOn(t, testkit.New(t), log, tune)
}

// newEnvOn runs the server on a given stack (a Redis of the test's own, say).
func newEnvOn(t *testing.T, k *testkit.Kit, log *slog.Logger, tune func(*Config)) *env {
	t.Helper()
	rdb, ns, store, tickets := k.Redis, k.NS, k.Store, k.Intake
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = ns, secret, k.Keys
	cfg.StatusPerIP, cfg.StatusPerNumber = 1000, 5
	tune(&cfg)
	s := New(tickets, bot.New(tickets, k.Analyzer, bot.NewRedisSessions(rdb, ns, time.Hour, k.Keys)), rdb, log, cfg)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{site: s, srv: srv, store: store, rdb: rdb, ns: ns}
}

// post sends a signed webhook; ts 0 means now.
func (e *env) post(t *testing.T, path string, body any, ts int64) (int, map[string]any) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		raw, _ = json.Marshal(body)
	}
	if ts == 0 {
		ts = time.Now().Unix()
	}
	stamp := strconv.FormatInt(ts, 10)
	return e.send(t, path, raw, stamp, Sign(secret, stamp, raw))
}

func (e *env) send(t *testing.T, path string, raw []byte, stamp, sig string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Qingfeng-Timestamp", stamp)
	req.Header.Set("X-Qingfeng-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func (e *env) status(t *testing.T, number, code string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/tickets/"+number, nil)
	req.Header.Set("X-Query-Code", code)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e *env) count(t *testing.T) int {
	ids, err := e.store.Find(context.Background(), "status", "received", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

// SMS: first message to ticket to status query, through the real server.
func TestSMSEndToEnd(t *testing.T) {
	e := newEnv(t)
	from := "13800138000"
	var reply map[string]any
	for i, text := range []string{
		"县交警大队的民警拦车罚款不开票，一次要两百块，不给就扣车。", "上周五", "没有", "匿名", "确认",
	} {
		code, out := e.post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: fmt.Sprintf("m-%d", i), From: from, To: "12388", Text: text}, 0)
		if code != http.StatusOK {
			t.Fatalf("%q: %d %v", text, code, out)
		}
		for _, seg := range out["segments"].([]any) {
			if n := len([]rune(seg.(string))); n > 70 {
				t.Errorf("segment of %d characters: %q", n, seg)
			}
		}
		reply = out
	}
	full := reply["reply"].(string)
	var number, qcode string
	if _, err := fmt.Sscanf(full[strings.Index(full, "QF-"):], "QF-%15s", &number); err != nil {
		t.Fatalf("no ticket in %q", full)
	}
	number = "QF-" + strings.TrimRight(number, "，,")
	i := strings.Index(full, "查询码：")
	qcode = string([]rune(full[i+len("查询码："):])[:12])
	code, st := e.status(t, number, qcode)
	if code != http.StatusOK || st["status"] != "received" || st["status_name"] != "待受理" {
		t.Fatalf("status: %d %v", code, st)
	}
	for _, k := range []string{"number", "status", "updated_at", "replies"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status lacks %q", k)
		}
	}
	if strings.Contains(fmt.Sprint(st), from) {
		t.Error("the status shows the reporter's number")
	}
	// A retried delivery of the last message: the same answer, no second ticket.
	before := e.count(t)
	code, again := e.post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: "m-4", From: from, Text: "确认"}, 0)
	if code != http.StatusOK || again["reply"] != full || e.count(t) != before {
		t.Errorf("retry: %d %v, tickets %d → %d", code, again, before, e.count(t))
	}
}

func TestWebhooksRefuseBadRequestsAndCreateNothing(t *testing.T) {
	e := newEnv(t)
	good := []byte(`{"call_id":"c-1","event":"hangup","caller":"13900000000","transcript":"局长收了红包"}`)
	badUTF8 := []byte("{\"call_id\":\"u-1\",\"event\":\"hangup\",\"transcript\":\"局长\xff\xfe收了红包\"}")
	badID := []byte("{\"call_id\":\"u-\xc3\",\"event\":\"hangup\",\"transcript\":\"局长收了红包\"}")
	now := strconv.FormatInt(time.Now().Unix(), 10)
	stale := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
	tests := []struct {
		name  string
		body  []byte
		stamp string
		sig   string
		want  int
		code  string
	}{
		{"bad signature", good, now, Sign([]byte("other"), now, good), 401, "bad_signature"},
		{"no signature", good, now, "", 401, "bad_signature"},
		{"stale timestamp", good, stale, Sign(secret, stale, good), 401, "stale"},
		{"timestamp not a number", good, "soon", Sign(secret, "soon", good), 401, "bad_signature"},
		{"malformed JSON", []byte(`{"call_id":`), now, Sign(secret, now, []byte(`{"call_id":`)), 400, "bad_json"},
		{"two objects", []byte(`{}{}`), now, Sign(secret, now, []byte(`{}{}`)), 400, "bad_json"},
		{"missing call id", []byte(`{"event":"hangup"}`), now, Sign(secret, now, []byte(`{"event":"hangup"}`)), 400, "missing_field"},
		{"unknown event", []byte(`{"call_id":"x","event":"dance"}`), now, Sign(secret, now, []byte(`{"call_id":"x","event":"dance"}`)), 400, "unknown_event"},
		{"invalid UTF-8 in the text", badUTF8, now, Sign(secret, now, badUTF8), 400, "bad_encoding"},
		{"invalid UTF-8 in the call id", badID, now, Sign(secret, now, badID), 400, "bad_encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := e.send(t, "/api/v1/webhooks/hotline", tt.body, tt.stamp, tt.sig)
			if code != tt.want || out["error"] != tt.code || out["message"] == "" {
				t.Errorf("got %d %v, want %d %s", code, out, tt.want, tt.code)
			}
		})
	}
	big := []byte(`{"call_id":"big","event":"hangup","transcript":"` + strings.Repeat("长", 30000) + `"}`)
	if code, out := e.post(t, "/api/v1/webhooks/hotline", big, 0); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize: %d %v", code, out)
	}
	sms := []byte("{\"message_id\":\"u-2\",\"from\":\"13900000000\",\"text\":\"局长\xff收了红包\"}")
	if code, out := e.send(t, "/api/v1/webhooks/sms", sms, now, Sign(secret, now, sms)); code != http.StatusBadRequest || out["error"] != "bad_encoding" {
		t.Errorf("SMS with invalid UTF-8: %d %v", code, out)
	}
	if n := e.count(t); n != 0 {
		t.Errorf("refused requests created %d tickets", n)
	}
}

func TestHotlineEndToEnd(t *testing.T) {
	e := newEnv(t)
	caller := "13911112222"
	code, out := e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "call-1", Event: "ringing", Caller: caller}, 0)
	if code != 200 || len(out["history"].([]any)) != 0 {
		t.Fatalf("ringing: %d %v", code, out)
	}
	hangup := CallEvent{CallID: "call-1", Event: "hangup", Caller: caller, Operator: "op-5",
		Transcript: "喂，我反映一下我们村的村会计，扣了我们的种粮补贴，每亩少发五十块。", Notes: "来电人情绪激动", RecordingURL: "rec/call-1.wav"}
	code, out = e.post(t, "/api/v1/webhooks/hotline", hangup, 0)
	if code != 200 || out["ticket"] == nil || len(out["query_code"].(string)) != 12 {
		t.Fatalf("hangup: %d %v", code, out)
	}
	number, qcode := out["ticket"].(string), out["query_code"].(string)
	// The phone system retries the hangup: same ticket, same code.
	code, again := e.post(t, "/api/v1/webhooks/hotline", hangup, time.Now().Unix()+1) // signed anew
	if code != 200 || again["ticket"] != number || again["query_code"] != qcode {
		t.Errorf("retried hangup: %d %v", code, again)
	}
	tk, err := e.store.Get(context.Background(), number)
	if err != nil || tk.Channel != "hotline" || tk.Operator != "op-5" || tk.Category != "harming_public" || !strings.Contains(tk.Attachments, "call-1.wav") {
		t.Errorf("ticket %+v, %v", tk, err)
	}
	// Next time this caller rings, the operator sees the earlier ticket.
	_, out = e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "call-2", Event: "ringing", Caller: "139-1111-2222"}, 0)
	h := out["history"].([]any)
	if len(h) != 1 || h[0].(map[string]any)["number"] != number {
		t.Errorf("history: %v", out)
	}
	if code, st := e.status(t, number, qcode); code != 200 || st["status"] != "received" {
		t.Errorf("status: %d %v", code, st)
	}
}

func TestStatusAPIAnswersAlikeAndLimitsGuessing(t *testing.T) {
	e := newEnv(t)
	_, out := e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "c", Event: "hangup", Transcript: "镇长公车私用"}, 0)
	number := out["ticket"].(string)
	c1, wrong := e.status(t, number, "AAAAAAAAAAAA")
	c2, unknown := e.status(t, "QF-20200101-000001", "AAAAAAAAAAAA")
	if c1 != 404 || c2 != 404 || fmt.Sprint(wrong) != fmt.Sprint(unknown) {
		t.Errorf("wrong code %d %v vs unknown number %d %v", c1, wrong, c2, unknown)
	}
	limited := false
	for i := 0; i < 8; i++ {
		if code, out := e.status(t, number, "BBBBBBBBBBBB"); code == http.StatusTooManyRequests {
			limited = out["message"] != ""
			break
		}
	}
	if !limited {
		t.Error("guessing one number was never limited")
	}
}

// The public router answers health and readiness but not /metrics, which is served on
// its own address (MetricsHandler).
func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/readyz", 200}, {"/metrics", 404}} {
		resp, err := http.Get(e.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("public %s: %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
	}
	e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "m", Event: "answered"}, 0)
	metrics := httptest.NewServer(e.site.MetricsHandler())
	defer metrics.Close()
	resp, err := http.Get(metrics.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`qingfeng_http_requests_total{route="/api/v1/webhooks/hotline",status="200"} 1`,
		`qingfeng_http_request_seconds_bucket{route="/api/v1/webhooks/hotline",le="1"} 1`, "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("metrics: X-Content-Type-Options %q", got)
	}
}

// nosniff on every kind of answer: JSON, a page, static files and errors.
func TestNoSniffOnEveryAnswer(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		name, method, path string
		want               int
	}{
		{"JSON", http.MethodGet, "/healthz", 200},
		{"page", http.MethodGet, "/", 200},
		{"error from a handler", http.MethodPost, "/api/v1/webhooks/hotline", 401},
		{"unknown ticket", http.MethodGet, "/api/v1/tickets/QF-20200101-000001", 404},
		{"no such route", http.MethodGet, "/nowhere", 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%d (want %d), X-Content-Type-Options %q", resp.StatusCode, tt.want, resp.Header.Get("X-Content-Type-Options"))
			}
		})
	}
}

// With the ticket store unreachable, a delivery that gets as far as intake answers 503
// so the sender retries, claims no ticket, and its retry tries intake again. The web
// layer's own Redis (replay and idempotency records, conversations) answers, so the
// failure is intake's: a hook on the store's client shows the request reached it.
func TestWebhooksAnswer503WhenRedisIsDown(t *testing.T) {
	live := testkit.New(t)
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer down.Close()
	var tried storeAttempts
	down.AddHook(&tried)
	k := testkit.Build(t, live.Analyzer, down, live.NS)
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = live.NS, secret, live.Keys
	srv := httptest.NewServer(New(k.Intake, bot.New(k.Intake, live.Analyzer, bot.NewRedisSessions(live.Redis, live.NS, time.Hour, live.Keys)), live.Redis,
		slog.New(slog.DiscardHandler), cfg).Handler())
	defer srv.Close()
	e := &env{srv: srv, rdb: live.Redis, ns: live.NS}

	// Up to the last message an SMS report is a conversation, kept in the web layer's
	// Redis; its confirmation files the ticket.
	for i, text := range []string{"县交警大队的民警拦车罚款不开票，一次要两百块，不给就扣车。", "上周五", "没有", "匿名"} {
		if code, out := e.post(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: fmt.Sprintf("m-%d", i), From: "13800138000", Text: text}, 0); code != http.StatusOK {
			t.Fatalf("%q: %d %v", text, code, out)
		}
	}
	for _, p := range []struct {
		name, path string
		body       any
	}{
		{"SMS confirmation", "/api/v1/webhooks/sms", SMSMessage{MessageID: "m-4", From: "13800138000", Text: "确认"}},
		{"hotline hangup", "/api/v1/webhooks/hotline", CallEvent{CallID: "c-1", Event: "hangup", Transcript: "局长受贿"}},
	} {
		t.Run(p.name, func(t *testing.T) {
			for attempt := 1; attempt <= 2; attempt++ { // the retry is not answered from a record of the failure
				before := tried.n.Load()
				code, out := e.post(t, p.path, p.body, 0)
				if code != http.StatusServiceUnavailable || out["error"] != "unavailable" || out["ticket"] != nil || strings.Contains(fmt.Sprint(out), "QF-") {
					t.Errorf("attempt %d: %d %v", attempt, code, out)
				}
				if tried.n.Load() == before {
					t.Errorf("attempt %d never reached the ticket store", attempt)
				}
			}
		})
	}
	if keys := e.namespaceDump(t, "t:*"); len(keys) > 0 {
		t.Errorf("a ticket was kept: %v", keys)
	}
}

// storeAttempts counts the commands sent to a store's client.
type storeAttempts struct{ n atomic.Int64 }

func (a *storeAttempts) DialHook(next redis.DialHook) redis.DialHook { return next }

func (a *storeAttempts) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { a.n.Add(1); return next(ctx, cmd) }
}

func (a *storeAttempts) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { a.n.Add(1); return next(ctx, cmds) }
}

// /readyz is the store's Redis answering: ready while it does, 503 once it has stopped.
func TestReadyzFollowsRedis(t *testing.T) {
	addr, _ := startOwnRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	e := newEnvOn(t, testkit.Build(t, testkit.Analyzer(t), rdb, "ready"), slog.New(slog.DiscardHandler), func(*Config) {})
	ready := func() int {
		resp, err := http.Get(e.srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ready(); got != http.StatusOK {
		t.Fatalf("with Redis up: %d", got)
	}
	stop := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	_ = stop.ShutdownNoSave(context.Background()).Err() // answers by hanging up
	stop.Close()
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Errorf("with Redis stopped: %d", got)
	}
}

func TestSplitSMS(t *testing.T) {
	text := strings.Repeat("这是一句话，", 30) + "结束。"
	segs := SplitSMS(text, 70)
	if strings.Join(segs, "") != strings.ReplaceAll(text, " ", "") {
		t.Error("splitting lost text")
	}
	for _, s := range segs {
		if n := len([]rune(s)); n > 70 || n == 0 {
			t.Errorf("segment of %d", n)
		}
		if !strings.HasSuffix(s, "，") && !strings.HasSuffix(s, "。") {
			t.Errorf("segment cut mid-clause: %q", s)
		}
	}
}

func FuzzParseSMS(f *testing.F) {
	f.Add([]byte(`{"message_id":"1","from":"138","text":"你好"}`))
	f.Add([]byte(`{"message_id":1}`))
	f.Add([]byte("\xff{"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, ae := ParseSMS(body)
		if (m == nil) == (ae == nil) {
			t.Fatalf("want exactly one of message and error: %v %v", m, ae)
		}
		if ae != nil && (ae.Status < 400 || ae.Msg == "") {
			t.Fatalf("error without status or message: %+v", ae)
		}
	})
}

func FuzzParseCall(f *testing.F) {
	f.Add([]byte(`{"call_id":"1","event":"hangup","transcript":"局长"}`))
	f.Add([]byte(`{"call_id":"","event":"ringing"}`))
	f.Add([]byte(`{"call_id":"2","event":"hangup","turns":[{"speaker":"operator","text":"您好"},{"speaker":"caller","text":"镇长"}]}`))
	f.Add([]byte(`{"call_id":"3","event":"hangup","turns":[{"speaker":"x"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, ae := ParseCall(body)
		if (e == nil) == (ae == nil) {
			t.Fatalf("want exactly one of event and error: %v %v", e, ae)
		}
		if e != nil && e.CallID == "" {
			t.Fatal("accepted a call without id")
		}
	})
}

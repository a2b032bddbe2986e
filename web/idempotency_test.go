package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/internal/testkit"
)

// signed is one stored signed request, to be sent again byte for byte.
type signed struct {
	path, stamp, sig string
	body             []byte
}

func sign(t *testing.T, path string, v any) signed {
	t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	return signed{path: path, stamp: stamp, sig: Sign(secret, stamp, body), body: body}
}

func (e *env) resend(t *testing.T, r signed) (int, map[string]any) {
	t.Helper()
	return e.send(t, r.path, r.body, r.stamp, r.sig)
}

// deliver sends r and gives its status, or 0 if the request itself failed (safe to call
// outside the test's goroutine).
func (e *env) deliver(r signed) int {
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+r.path, bytes.NewReader(r.body))
	req.Header.Set("X-Qingfeng-Timestamp", r.stamp)
	req.Header.Set("X-Qingfeng-Signature", r.sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// webKeys lists the web layer's keys in the test's namespace, with their values.
func (e *env) webKeys(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := e.rdb.Scan(ctx, 0, "qf:{"+e.ns+"}:web:*", 1000).Iterator()
	for iter.Next(ctx) {
		v, _ := e.rdb.Get(ctx, iter.Val()).Result()
		out[iter.Val()] = v
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A gateway whose answer was lost re-sends the stored signed request byte for byte: it
// gets the first answer (the same ticket and query code), and nothing is done twice.
func TestIdenticalResendGetsTheStoredAnswer(t *testing.T) {
	e := newEnv(t)
	caller, transcript := "13911113333", "我反映镇上的派出所所长收了我邻居两万块钱，把打人的人放了。"
	hangup := sign(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "call-resend", Event: "hangup", Caller: caller, Transcript: transcript})
	code, first := e.resend(t, hangup)
	if code != http.StatusOK || first["ticket"] == nil || len(fmt.Sprint(first["query_code"])) != 12 {
		t.Fatalf("first delivery: %d %v", code, first)
	}
	for i := 0; i < 2; i++ {
		code, again := e.resend(t, hangup)
		if code != http.StatusOK || again["ticket"] != first["ticket"] || again["query_code"] != first["query_code"] {
			t.Errorf("identical resend %d: %d %v, want %v", i+1, code, again, first)
		}
	}
	// The SMS dialogue is not run twice: a second run would take the text as the answer to
	// its question and reply differently.
	sms := sign(t, "/api/v1/webhooks/sms", SMSMessage{MessageID: "sms-resend", From: "13800009999", Text: "县交警大队的民警拦车罚款不开票，一次要两百块。"})
	code, reply := e.resend(t, sms)
	if code != http.StatusOK || reply["reply"] == "" {
		t.Fatalf("first SMS: %d %v", code, reply)
	}
	if code, again := e.resend(t, sms); code != http.StatusOK || again["reply"] != reply["reply"] {
		t.Errorf("identical SMS resend: %d %v, want %v", code, again, reply["reply"])
	}
	if n := e.count(t); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
	// What is stored for retries is sealed, under a keyed hash of the id.
	keys := e.webKeys(t)
	if len(keys) == 0 {
		t.Fatal("no stored answers")
	}
	for k, v := range keys {
		for _, personal := range []string{"call-resend", "sms-resend", caller, "13800009999"} {
			if strings.Contains(k, personal) {
				t.Errorf("key %s names %q", k, personal)
			}
		}
		for _, clear := range []string{first["query_code"].(string), first["ticket"].(string), "派出所", "交警", caller} {
			if strings.Contains(v, clear) {
				t.Errorf("%s holds %q in the clear: %s", k, clear, v)
			}
		}
	}
}

// A stored answer opens only under its own key: moved to another id, it is refused
// rather than answered to the wrong sender.
func TestStoredAnswerIsBoundToItsKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, id := range []string{"call-a", "call-b"} {
		if code, out := e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: id, Event: "hangup", Transcript: "村支书把低保名额给了自家亲戚。"}, 0); code != 200 {
			t.Fatalf("%s: %d %v", id, code, out)
		}
	}
	h := e.site.tickets.LookupHash
	a, b := e.site.key("answer", "call", h("webhook call", "call-a")), e.site.key("answer", "call", h("webhook call", "call-b"))
	sealed, err := e.rdb.Get(ctx, a).Result()
	if err != nil {
		t.Fatal(err)
	}
	e.rdb.Set(ctx, b, sealed, time.Minute)
	if code, out := e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "call-b", Event: "hangup", Transcript: "村支书把低保名额给了自家亲戚。"}, 0); code != http.StatusInternalServerError {
		t.Errorf("an answer moved to another call: %d %v", code, out)
	}
}

// A delivery that never completed leaves nothing that refuses its replay: failed work
// releases its claim, a claim from a delivery that died expires, and only a live claim
// answers 409 in_progress (with Retry-After).
func TestUnfinishedDeliveryIsProcessedOnReplay(t *testing.T) {
	k := testkit.New(t)
	flaky := &flakyTickets{Tickets: k.Intake}
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys, cfg.ClaimTTL = k.NS, secret, k.Keys, 300*time.Millisecond
	s := New(flaky, bot.New(k.Intake, k.Analyzer, bot.NewRedisSessions(k.Redis, k.NS, time.Hour, k.Keys)), k.Redis, slog.New(slog.DiscardHandler), cfg)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	e := &env{site: s, srv: srv, store: k.Store, rdb: k.Redis, ns: k.NS}
	ctx := context.Background()

	// The work fails (the store was unreachable): 503, and the same bytes again are processed.
	flaky.failNext.Store(true)
	hangup := sign(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "call-fail", Event: "hangup", Transcript: "镇长公车私用，周末开公车去钓鱼。"})
	if code, out := e.resend(t, hangup); code != http.StatusServiceUnavailable {
		t.Fatalf("failed work: %d %v", code, out)
	}
	if code, out := e.resend(t, hangup); code != http.StatusOK || out["ticket"] == nil {
		t.Errorf("replay of a failed delivery: %d %v", code, out)
	}

	// Another delivery of the same call holds a live claim: 409 until it lapses, then processed.
	claim := s.key("claim", "call", k.Intake.LookupHash("webhook call", "call-live"))
	if err := k.Redis.Set(ctx, claim, "someone-else", cfg.ClaimTTL).Err(); err != nil {
		t.Fatal(err)
	}
	live := sign(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "call-live", Event: "hangup", Transcript: "县国土局科长吃拿卡要。"})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+live.path, bytes.NewReader(live.body))
	req.Header.Set("X-Qingfeng-Timestamp", live.stamp)
	req.Header.Set("X-Qingfeng-Signature", live.sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || resp.Header.Get("Retry-After") == "" {
		t.Errorf("while another delivery works: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	time.Sleep(cfg.ClaimTTL + 100*time.Millisecond)
	if code, out := e.resend(t, live); code != http.StatusOK || out["ticket"] == nil {
		t.Errorf("after the dead delivery's claim lapsed: %d %v", code, out)
	}
	if n := e.count(t); n != 2 {
		t.Errorf("%d tickets, want 2", n)
	}
}

// flakyTickets fails the next Submit as an unreachable store would.
type flakyTickets struct {
	Tickets
	failNext atomic.Bool
}

func (f *flakyTickets) Submit(ctx context.Context, r intake.Report) (*intake.Receipt, error) {
	if f.failNext.CompareAndSwap(true, false) {
		return nil, &intake.Error{Code: intake.CodeUnavailable, Msg: "store unreachable", Err: errors.New("test")}
	}
	return f.Tickets.Submit(ctx, r)
}

// A Redis stall longer than the client's timeout: go-redis re-sends its command, and
// every copy lands when Redis wakes. The first delivery must still be answered with its
// ticket, never 409, and no complaint may be lost. The stall is DEBUG SLEEP on a Redis of
// the test's own, so other tests' Redis is not stalled.
func TestFirstDeliveryDuringRedisStall(t *testing.T) {
	addr, _ := startOwnRedis(t, "--appendonly", "no", "--enable-debug-command", "local")
	timeout := 100 * time.Millisecond
	rdb := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: timeout, WriteTimeout: timeout,
		MaxRetries: 20, MinRetryBackoff: 10 * time.Millisecond, MaxRetryBackoff: 40 * time.Millisecond})
	k := testkit.Build(t, testkit.Analyzer(t), rdb, redistest.Namespace(t, rdb))
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = k.NS, secret, k.Keys
	s := New(k.Intake, bot.New(k.Intake, k.Analyzer, bot.NewRedisSessions(rdb, k.NS, time.Hour, k.Keys)), rdb, slog.New(slog.DiscardHandler), cfg)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	e := &env{site: s, srv: srv, store: k.Store, rdb: rdb, ns: k.NS}

	// A first delivery before the stall loads the scripts, so that during it the client
	// re-sends the claim itself.
	if code, out := e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "warm", Event: "hangup", Transcript: "村主任贪污修路款。"}, 0); code != 200 {
		t.Fatalf("warm-up: %d %v", code, out)
	}
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	stalled := make(chan error, 1)
	go func() { stalled <- admin.Do(context.Background(), "DEBUG", "SLEEP", "0.6").Err() }()
	time.Sleep(50 * time.Millisecond) // Redis is asleep now

	const n = 6
	deliveries := make([]signed, n)
	for i := range deliveries {
		deliveries[i] = sign(t, "/api/v1/webhooks/hotline", CallEvent{CallID: fmt.Sprintf("stall-%d", i), Event: "hangup",
			Caller: fmt.Sprintf("1390000%04d", i), Transcript: "乡长在扶贫款里吃回扣，每户扣了三百块。"})
	}
	first := make([]int, n)
	var wg sync.WaitGroup
	for i := range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first[i] = e.deliver(deliveries[i])
		}()
	}
	wg.Wait()
	if err := <-stalled; err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	t.Logf("first deliveries: %v", first)
	tickets := map[string]bool{}
	for i, d := range deliveries {
		if first[i] == http.StatusConflict || first[i] == 0 {
			t.Errorf("delivery %d: the first delivery got %d", i, first[i])
		}
		// A 503 is the sender's cue to retry; either way the delivery ends with its ticket.
		code, out := e.resend(t, d)
		if code != http.StatusOK || out["ticket"] == nil {
			t.Errorf("delivery %d (first %d), resent: %d %v", i, first[i], code, out)
			continue
		}
		tickets[out["ticket"].(string)] = true
	}
	if len(tickets) != n || e.count(t) != n+1 {
		t.Errorf("%d distinct tickets answered, %d stored; want %d and %d", len(tickets), e.count(t), n, n+1)
	}
}

// startOwnRedis runs a redis-server of the test's own with the given settings (DEBUG
// SLEEP allowed, an AOF to read), and returns its address and its directory.
func startOwnRedis(t *testing.T, settings ...string) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command("redis-server", append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""}, settings...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ping := redis.NewClient(&redis.Options{Addr: addr})
	defer ping.Close()
	for i := 0; i < 100; i++ {
		if ping.Ping(context.Background()).Err() == nil {
			return addr, dir
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return "", ""
}

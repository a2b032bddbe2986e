package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/internal/testkit"
	"qingfeng/staff"
)

var gatewaySecret = []byte("sms-gateway-secret-for-tests")

// fakeGateway stands in for an SMS gateway on loopback: it checks our signature, counts
// every post by notice id, and, like a real gateway, takes an id once and answers a
// repeat without sending it again. answer decides the status of the n-th post of a
// message (nil: take it).
type fakeGateway struct {
	srv    *httptest.Server
	mu     sync.Mutex
	answer func(m OutMessage, n int) int
	onTake func(OutMessage) // called before the answer to a post it takes
	now    func() time.Time // the clock taken messages are stamped with
	posts  map[string]int   // every signed post, by notice id
	taken  []OutMessage     // each message taken, once
	at     map[string]time.Time
	forged int // posts with a bad signature
}

func newFakeGateway(t *testing.T) *fakeGateway {
	t.Helper()
	g := &fakeGateway{posts: map[string]int{}, at: map[string]time.Time{}, now: time.Now}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if ae := verifySignature(gatewaySecret, r.Header.Get("X-Qingfeng-Timestamp"), r.Header.Get("X-Qingfeng-Signature"), body, time.Now()); ae != nil {
			g.mu.Lock()
			g.forged++
			g.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var m OutMessage
		if err := json.Unmarshal(body, &m); err != nil || m.ID == "" || m.To == "" || m.Text == "" {
			http.Error(w, "bad message", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.posts[m.ID]++
		status := http.StatusOK
		if g.answer != nil {
			status = g.answer(m, g.posts[m.ID])
		}
		first := status == http.StatusOK && g.at[m.ID].IsZero()
		if first {
			g.taken = append(g.taken, m)
			g.at[m.ID] = g.now()
		}
		onTake := g.onTake
		g.mu.Unlock()
		if first && onTake != nil {
			onTake(m)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGateway) postsOf(id string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.posts[id]
}

func (g *fakeGateway) takenMessages() []OutMessage {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]OutMessage(nil), g.taken...)
}

func (g *fakeGateway) sender() NoticeSender { return NewGatewaySender(g.srv.URL, gatewaySecret) }

// testOutboxConfig is quick: tries 20 ms apart and doubling, takes over after 200 ms,
// no quiet hours.
func testOutboxConfig(name string) OutboxConfig {
	cfg := DefaultOutboxConfig()
	cfg.Name, cfg.Backoff, cfg.MaxBackoff, cfg.TakeOver, cfg.Block, cfg.TrimEvery = name, 20*time.Millisecond, 100*time.Millisecond,
		200*time.Millisecond, 50*time.Millisecond, 100*time.Millisecond
	cfg.Lease, cfg.SendTimeout, cfg.Quiet = 5*time.Second, 5*time.Second, QuietHours{}
	return cfg
}

// running runs an outbox until the test ends or stop is called; done closes when it
// has returned.
func running(t *testing.T, o *Outbox) (stop func(), done <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		o.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-ch })
	return cancel, ch
}

// eventually waits up to d for cond.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("after %v: %s", d, what)
}

const callText = "喂，我反映一下我们村的村会计，扣了我们的种粮补贴，每亩少发五十块。"

// accepted files a hotline report from phone (real name) on in and accepts it; it
// answers the ticket and the id of the acceptance notice.
func accepted(t *testing.T, in *intake.Intake, s *intake.Store, callID, phone string, urgent bool) (*intake.Ticket, string) {
	t.Helper()
	ctx := context.Background()
	rc, err := in.Submit(ctx, intake.Report{Channel: "hotline", SenderID: callID, Phone: phone, Text: callText, Urgent: urgent})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := s.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, intake.Move{Action: intake.ActAccept, Actor: "intake1", Role: intake.RoleIntake})
	if err != nil {
		t.Fatal(err)
	}
	return tk, tk.ID + "-2"
}

// notified is the history's notice entries of a ticket.
func notified(t *testing.T, s *intake.Store, id string) []string {
	t.Helper()
	entries, err := s.Audit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Action == intake.ActNotified {
			out = append(out, e.Note)
		}
	}
	return out
}

func pending(t *testing.T, k *testkit.Kit) int64 {
	t.Helper()
	p, err := k.Redis.XPending(context.Background(), "qf:{"+k.NS+"}:events", intake.OutboxGroup).Result()
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

// A move queues a notice; the gateway is down for three tries, then takes it; the
// worker is stopped once its post has reached the gateway, before it acknowledges; a
// second worker takes its entry over. The gateway gets the notice once: four posts of
// its id, three refused and one taken, none after. The history says so once.
func TestOutboxSendsOnceThroughOutageAndTakeOver(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	gw := newFakeGateway(t)
	gw.answer = func(_ OutMessage, n int) int {
		if n <= 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	tk, id := accepted(t, k.Intake, k.Store, "call-1", "13900001234", false)

	a := NewOutbox(k.Store, gw.sender(), k.Scanner.NoticeDue, testOutboxConfig("worker-a"), slog.New(slog.DiscardHandler))
	stopA, doneA := running(t, a)
	gw.mu.Lock()
	gw.onTake = func(OutMessage) { stopA() } // the post has reached the gateway: the worker is stopped
	gw.mu.Unlock()
	select {
	case <-doneA:
	case <-time.After(10 * time.Second):
		t.Fatal("worker a never got its post through")
	}
	n, err := k.Store.Notice(ctx, id)
	if err != nil || n.State != intake.NoticeSent || n.Tries != 4 || n.Sender != "gateway" {
		t.Fatalf("after worker a: %+v, %v", n, err)
	}
	if p := pending(t, k); p != 1 {
		t.Fatalf("worker a left %d entries pending, want its last one", p)
	}

	b := NewOutbox(k.Store, gw.sender(), k.Scanner.NoticeDue, testOutboxConfig("worker-b"), slog.New(slog.DiscardHandler))
	running(t, b)
	eventually(t, 5*time.Second, "worker b never took over the pending entry", func() bool { return pending(t, k) == 0 })
	time.Sleep(300 * time.Millisecond) // time for a wrong second send to show

	if got := gw.postsOf(id); got != 4 {
		t.Errorf("the gateway got %d posts of the notice, want 4 (3 refused, 1 taken)", got)
	}
	taken := gw.takenMessages()
	if len(taken) != 1 || taken[0].To != "13900001234" || !strings.Contains(taken[0].Text, tk.ID) || gw.forged != 0 {
		t.Errorf("taken %+v, forged %d", taken, gw.forged)
	}
	if notes := notified(t, k.Store, tk.ID); len(notes) != 1 || notes[0] != "已告知：受理告知已通过短信发出" {
		t.Errorf("history: %q", notes)
	}
	if bad, err := k.Store.VerifyAudit(ctx, tk.ID); bad != -1 || err != nil {
		t.Errorf("history breaks at %d: %v", bad, err)
	}
	f, _ := k.Store.Figures(ctx, tk.CreatedAt.Add(-time.Hour), tk.CreatedAt.Add(time.Hour))
	if f.Notices != 1 || f.NoticeRate != 1 || f.OnTimeNotices != 1 {
		t.Errorf("figures: %d notices, rate %.2f, on time %.2f", f.Notices, f.NoticeRate, f.OnTimeNotices)
	}
}

// staffServer is the staff API with the outbox, logged in as an intake officer and a
// hotline operator.
func staffServer(t *testing.T, k *testkit.Kit, box *Outbox) (*staffEnv, map[string]login) {
	t.Helper()
	ctx := context.Background()
	dir := staff.NewDirectory(k.Redis, k.NS, k.Keys)
	dir.Cost = bcrypt.MinCost
	for u, r := range map[string]intake.Role{"intake1": staff.RoleIntake, "op1": staff.RoleOperator} {
		if err := dir.AddAccount(ctx, "root", u, r, "", "correct horse "+u); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = k.NS, secret, k.Keys
	s := New(k.Intake, bot.New(k.Intake, k.Analyzer, bot.NewRedisSessions(k.Redis, k.NS, time.Hour, k.Keys)), k.Redis,
		slog.New(slog.DiscardHandler), cfg).WithStaff(StaffDeps{Directory: dir, Tickets: k.Store, Reveal: k.Intake, Figures: k.Store,
		Warnings: k.Scanner, Live: k.Store, Deadlines: k.Scanner, Calendar: k.Scanner, Categories: k.Analyzer.Categories(),
		Ranks: k.Analyzer.Ranks(), Outcomes: k.Outcomes}).WithOutbox(box)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := &staffEnv{srv: srv, handler: s.Handler(), rdb: k.Redis, ns: k.NS, store: k.Store, intake: k.Intake, dir: dir, scanner: k.Scanner}
	return e, map[string]login{"intake1": e.login(t, "intake1", "correct horse intake1"), "op1": e.login(t, "op1", "correct horse op1")}
}

// A notice the gateway keeps refusing is given up on after the last try, one it
// refuses as wrong at once; both are dead letters, in the history and on the ticket
// page, which never shows where they were to go.
func TestOutboxGivesUpAndStaffSeeIt(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	gw := newFakeGateway(t)
	gw.answer = func(m OutMessage, _ int) int {
		if m.To == "13900000000" {
			return http.StatusBadRequest // no such number
		}
		return http.StatusServiceUnavailable
	}
	cfg := testOutboxConfig("worker")
	cfg.Tries = 3
	box := NewOutbox(k.Store, gw.sender(), k.Scanner.NoticeDue, cfg, slog.New(slog.DiscardHandler))
	e, logins := staffServer(t, k, box)
	down, downID := accepted(t, k.Intake, k.Store, "call-down", "13900001111", false)
	wrong, wrongID := accepted(t, k.Intake, k.Store, "call-wrong", "13900000000", false)
	running(t, box)
	eventually(t, 5*time.Second, "the notices were not given up on", func() bool {
		dead, _ := k.Store.DeadNotices(ctx, 10)
		return len(dead) == 2
	})
	for _, c := range []struct {
		ticket *intake.Ticket
		id     string
		tries  int
		err    string
		note   string
	}{
		{down, downID, 3, "gateway: HTTP 503", "未能告知：受理告知通过短信发送3次未成功，请另行联系举报人"},
		{wrong, wrongID, 1, "gateway: HTTP 400", "未能告知：受理告知通过短信发送1次未成功，请另行联系举报人"},
	} {
		if got := gw.postsOf(c.id); got != c.tries {
			t.Errorf("%s: %d posts, want %d", c.id, got, c.tries)
		}
		code, body := e.do(t, logins["intake1"], "GET", "/staff/api/tickets/"+c.ticket.ID, nil)
		var view struct {
			DeadNotices []deadNoticeView `json:"dead_notices"`
		}
		if err := json.Unmarshal([]byte(body), &view); code != 200 || err != nil {
			t.Fatalf("ticket page: %d %v", code, err)
		}
		if len(view.DeadNotices) != 1 || view.DeadNotices[0].ID != c.id || view.DeadNotices[0].Tries != c.tries ||
			view.DeadNotices[0].Error != c.err || view.DeadNotices[0].KindName != "受理告知" {
			t.Errorf("%s: dead notices on the page: %+v", c.id, view.DeadNotices)
		}
		if strings.Contains(body, "1390000") {
			t.Errorf("%s: the ticket page shows the reporter's number", c.id)
		}
		if notes := notified(t, k.Store, c.ticket.ID); len(notes) != 1 || notes[0] != c.note {
			t.Errorf("%s: history %q", c.id, notes)
		}
	}
	// The figures, on the page and in the workbook leaders read.
	code, body := e.do(t, logins["intake1"], "GET", "/staff/api/figures", nil)
	var f intake.Figures
	if err := json.Unmarshal([]byte(body), &f); code != 200 || err != nil || f.Notices != 2 || f.NoticeRate != 0 || f.DeadNotices != 2 {
		t.Errorf("figures: %d %s", code, body)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/staff/api/figures.xlsx", nil)
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: logins["intake1"].cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	book, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := book.GetRows("汇总")
	found := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 {
			found[r[0]] = r[1]
		}
	}
	if found["应告知举报人"] != "2" || found["告知率"] != "0" || found["未能告知"] != "2" {
		t.Errorf("workbook summary: %v", rows)
	}
}

// The stream does not grow without bound: once the outbox has read and acknowledged
// the events, they are trimmed away; a pending one stays.
func TestOutboxTrimsTheStream(t *testing.T) {
	k := testkit.New(t)
	gw := newFakeGateway(t)
	for _, call := range []string{"call-1", "call-2", "call-3"} {
		accepted(t, k.Intake, k.Store, call, "13900001234", false)
	}
	stream := "qf:{" + k.NS + "}:events"
	if n := k.Redis.XLen(context.Background(), stream).Val(); n != 9 {
		t.Fatalf("%d events, want 9 (created, moved, notice for each)", n)
	}
	running(t, NewOutbox(k.Store, gw.sender(), nil, testOutboxConfig("worker"), slog.New(slog.DiscardHandler)))
	eventually(t, 5*time.Second, "the stream was not trimmed", func() bool {
		return len(gw.takenMessages()) == 3 && k.Redis.XLen(context.Background(), stream).Val() <= 3
	})
}

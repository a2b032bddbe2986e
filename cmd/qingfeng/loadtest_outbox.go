package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/web"
)

// loadNotices is the notices' part of a load test. Every ticket the hangups file is
// accepted as soon as it is filed (by acceptors beside the hangups, as the intake
// office would), so each queues an SMS notice. With the outbox on (-outbox on), the
// child server sends them to a loopback gateway here, which checks their signature and
// counts them; off, they stay queued. The hangups' throughput, measured the same way
// either way, is what the outbox costs intake.
type loadNotices struct {
	on       bool
	store    *intake.Store
	rdb      *redis.Client
	gateway  *http.Server
	filed    chan string
	wg       sync.WaitGroup
	accepted atomic.Int64
	failed   atomic.Int64
	received atomic.Int64
	last     atomic.Int64 // unix ms of the last notice the gateway took
	pid      int          // the child server's, whose CPU time is read
	cpu      time.Duration
}

// loadAcceptors is how many acceptors work beside the hangups.
const loadAcceptors = 8

// startLoadNotices prepares mode ("on" or "off") and answers the child server's
// environment for it. key is the child's QINGFENG_SECRET_KEY, so acceptances seal what
// they queue as the child would.
func startLoadNotices(mode, redisURL, ns, key string) (*loadNotices, []string, error) {
	if mode != "on" && mode != "off" {
		return nil, nil, fmt.Errorf("-outbox %q: want on or off", mode)
	}
	keys, err := intake.ParseKeys(key)
	if err != nil {
		return nil, nil, err
	}
	ring, err := intake.NewKeyring(keys)
	if err != nil {
		return nil, nil, err
	}
	outcomes, err := intake.LoadOutcomes(nil)
	if err != nil {
		return nil, nil, err
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, nil, err
	}
	l := &loadNotices{on: mode == "on", rdb: redis.NewClient(opt), filed: make(chan string, 1024)}
	l.store = intake.NewStore(l.rdb, ns, outcomes, time.Now, intake.WithKeyring(ring))
	for i := 0; i < loadAcceptors; i++ {
		l.wg.Add(1)
		go l.acceptor()
	}
	if !l.on {
		return l, []string{"QINGFENG_OUTBOX=off"}, nil
	}
	secret := randomHex(16)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	l.gateway = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Qingfeng-Signature") != web.Sign([]byte(secret), r.Header.Get("X-Qingfeng-Timestamp"), body) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		l.received.Add(1)
		l.last.Store(time.Now().UnixMilli())
	})}
	go func() { _ = l.gateway.Serve(ln) }()
	return l, []string{"QINGFENG_OUTBOX=on", "QINGFENG_SMS_SEND_URL=http://" + ln.Addr().String() + "/sms",
		"QINGFENG_SMS_SEND_SECRET=" + secret, "QINGFENG_QUIET_HOURS=off"}, nil
}

// acceptor accepts the tickets filed, as the intake office would.
func (l *loadNotices) acceptor() {
	defer l.wg.Done()
	ctx := context.Background()
	for id := range l.filed {
		t, err := l.store.Get(ctx, id)
		if err == nil {
			_, err = l.store.Apply(ctx, id, t.Version, intake.Move{Action: intake.ActAccept, Actor: "loadtest", Role: intake.RoleIntake})
		}
		if err != nil {
			l.failed.Add(1)
			continue
		}
		l.accepted.Add(1)
	}
}

// hangup files the i-th call, signed, and hands its ticket to the acceptors.
func (l *loadNotices) hangup(addr, secret string, i int) error {
	body, _ := json.Marshal(web.CallEvent{CallID: fmt.Sprintf("load-%d", i), Event: "hangup", Caller: fmt.Sprintf("139%08d", i),
		Transcript: complaints[i%len(complaints)]})
	var ans struct{ Ticket string }
	if err := postSigned("http://"+addr+"/api/v1/webhooks/hotline", secret, body, &ans); err != nil {
		return err
	}
	if ans.Ticket == "" {
		return fmt.Errorf("no ticket filed")
	}
	l.filed <- ans.Ticket
	return nil
}

// begin notes the child server's CPU time before the load.
func (l *loadNotices) begin(pid int) { l.pid, l.cpu = pid, cpuTime(pid) }

// cpuTime is the user and system CPU time of a process so far (Linux, 100 ticks a
// second); the machine being busy with other work changes it little, unlike throughput.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses: utime and stime are
	// the 12th and 13th of them.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// report waits for the acceptors, and (outbox on) up to wait for the gateway to have
// every notice, and says how it went.
func (l *loadNotices) report(w io.Writer, wait time.Duration) {
	close(l.filed)
	l.wg.Wait()
	done := time.Now()
	if !l.on {
		fmt.Fprintf(w, "notices: %d tickets accepted (%d failed), their notices queued; outbox off, none sent\n", l.accepted.Load(), l.failed.Load())
		l.reportCPU(w)
		return
	}
	for end := done.Add(wait); time.Now().Before(end) && l.received.Load() < l.accepted.Load(); time.Sleep(50 * time.Millisecond) {
	}
	defer l.reportCPU(w)
	lag := time.Duration(0)
	if last := time.UnixMilli(l.last.Load()); last.After(done) {
		lag = last.Sub(done)
	}
	fmt.Fprintf(w, "notices: %d tickets accepted (%d failed), %d notices at the loopback gateway, the last %v after the last acceptance\n",
		l.accepted.Load(), l.failed.Load(), l.received.Load(), lag.Round(time.Millisecond))
}

// reportCPU says what the child server spent per ticket (with its notice, outbox on).
func (l *loadNotices) reportCPU(w io.Writer) {
	if n := l.accepted.Load(); n > 0 && l.pid != 0 {
		spent := cpuTime(l.pid) - l.cpu
		fmt.Fprintf(w, "server CPU: %v for %d tickets, %.2f ms a ticket\n", spent, n, float64(spent.Microseconds())/1000/float64(n))
	}
}

func (l *loadNotices) close() {
	if l.gateway != nil {
		_ = l.gateway.Close()
	}
	_ = l.rdb.Close()
}

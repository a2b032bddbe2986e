package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"qingfeng/web"
)

// runLoadTest measures the service under load on this machine: it starts `qingfeng
// serve` as a child on a loopback port (so the server's own memory can be read), drives
// it, and removes everything it stored. Loopback only, bounded in count and in time.
func runLoadTest(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/15"), "Redis to load (a fresh namespace is used and removed)")
	webhooks := fs.Int("webhooks", 5000, "hotline hangups to send")
	workers := fs.Int("workers", 32, "concurrent webhook senders")
	idle := fs.Int("idle", 10000, "idle websocket sessions to hold")
	chats := fs.Int("chats", 1000, "active chats")
	rate := fs.Int("rate", 500, "chat messages per second across all chats")
	duration := fs.Duration("duration", 10*time.Second, "how long the chats talk")
	crypto := fs.String("crypto", "aes", "the child server's QINGFENG_CRYPTO: aes or sm")
	durability := fs.String("durability", "none", "the child server's QINGFENG_DURABILITY: none, aof (the Redis needs 7.2+ and appendonly yes) or replica (it needs a replica)")
	outbox := fs.String("outbox", "on", "on: the child server sends the notices of the tickets filed (each is accepted) to a loopback gateway; off: QINGFENG_OUTBOX=off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raiseFileLimit()
	ns := "loadtest-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	secret := randomHex(16)
	defer cleanNamespace(*redisURL, ns)
	key := randomKey()
	notices, noticeEnv, err := startLoadNotices(*outbox, *redisURL, ns, key)
	if err != nil {
		return err
	}
	defer notices.close()
	srv, addr, err := startChildServer(ctx, *redisURL, ns, append(noticeEnv, "QINGFENG_WEBHOOK_SECRET="+secret, "QINGFENG_SECRET_KEY="+key,
		"QINGFENG_DURABILITY="+*durability, "QINGFENG_CRYPTO="+*crypto)...)
	if err != nil {
		return err
	}
	defer stopChildServer(srv)
	fmt.Fprintf(stdout, "server pid %d on %s, namespace %s, crypto %s, durability %s\n", srv.Process.Pid, addr, ns, *crypto, *durability)

	// 1. Idle websocket sessions on the fresh server: its memory per session.
	before := rssKB(srv.Process.Pid)
	conns := make([]*websocket.Conn, 0, *idle)
	for i := 0; i < *idle; i++ {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws/chat", nil)
		if err != nil {
			fmt.Fprintf(stdout, "idle sessions: stopped at %d: %v\n", i, err)
			break
		}
		_ = ws.WriteJSON(web.ChatIn{Type: "hello"})
		conns = append(conns, ws)
	}
	time.Sleep(2 * time.Second)
	after := rssKB(srv.Process.Pid)
	if len(conns) > 0 {
		fmt.Fprintf(stdout, "idle websockets: %d sessions, server RSS %d → %d KB: %.1f KB per session\n",
			len(conns), before, after, float64(after-before)/float64(len(conns)))
	}
	for _, c := range conns {
		c.Close()
	}

	// 2. Webhook intake: signed hotline hangups, each a new ticket.
	notices.begin(srv.Process.Pid)
	lat, took := hammer(*webhooks, *workers, func(i int) error { return notices.hangup(addr, secret, i) })
	fmt.Fprintf(stdout, "webhook intake: %d tickets in %v: %.0f tickets/s, p50 %v, p99 %v, %d failed (outbox %s)\n",
		len(lat), took.Round(time.Millisecond), float64(len(lat))/took.Seconds(), pct(lat, 50), pct(lat, 99), *webhooks-len(lat), *outbox)
	notices.report(stdout, 30*time.Second)

	// 3. Bot replies: many chats talking at a steady total rate.
	replyLat, sent := talk(addr, *chats, *rate, *duration)
	fmt.Fprintf(stdout, "bot replies: %d chats, %d messages at %d/s: p50 %v, p99 %v\n",
		*chats, sent, *rate, pct(replyLat, 50), pct(replyLat, 99))
	return nil
}

var complaints = []string{
	"喂，我反映一下我们村的村会计，扣了我们的种粮补贴，每亩少发五十块。",
	"县不动产登记中心的窗口人员说不给好处费就不给办证。",
	"镇政府的干部上班时间在办公室打牌，群众办事找不到人。",
	"乡政府强拆我家猪圈，没有任何手续也没有补偿。",
	"县住建局副局长经常开公车接送孩子上学。",
}

func hammer(n, workers int, do func(int) error) ([]time.Duration, time.Duration) {
	var next atomic.Int64
	lat := make([]time.Duration, 0, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				if err := do(i); err != nil {
					continue
				}
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start)
}

var loadClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}

func postSigned(url, secret string, body []byte, into any) error {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Qingfeng-Timestamp", ts)
	req.Header.Set("X-Qingfeng-Signature", web.Sign([]byte(secret), ts, body))
	resp, err := loadClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// talk runs chats that each send the next line of a report when their turn comes, and
// times how long the first bot line takes to arrive.
func talk(addr string, chats, rate int, d time.Duration) ([]time.Duration, int) {
	lines := []string{"县不动产登记中心的窗口人员说不给好处费就不给办证。", "上个月", "有聊天记录", "匿名"}
	type chat struct {
		ws   *websocket.Conn
		step int
	}
	var cs []*chat
	for i := 0; i < chats; i++ {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws/chat", nil)
		if err != nil {
			break
		}
		_ = ws.WriteJSON(web.ChatIn{Type: "hello"})
		var m map[string]any
		_ = ws.ReadJSON(&m) // the session
		cs = append(cs, &chat{ws: ws})
	}
	defer func() {
		for _, c := range cs {
			c.ws.Close()
		}
	}()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	deadline := time.Now().Add(d)
	sent := 0
	for i := 0; time.Now().Before(deadline) && len(cs) > 0; i++ {
		<-tick.C
		c := cs[i%len(cs)]
		line := lines[c.step%len(lines)]
		c.step++
		sent++
		wg.Add(1)
		go func(c *chat, line string) {
			defer wg.Done()
			start := time.Now()
			mu.Lock() // one writer per connection at a time
			err := c.ws.WriteJSON(web.ChatIn{Type: "message", Text: line})
			mu.Unlock()
			if err != nil {
				return
			}
			_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				var m map[string]any
				if c.ws.ReadJSON(&m) != nil {
					return
				}
				if m["from"] == "bot" || m["type"] == "error" {
					mu.Lock()
					lat = append(lat, time.Since(start))
					mu.Unlock()
					return
				}
			}
		}(c, line)
		if i%len(cs) == len(cs)-1 {
			wg.Wait() // a chat's next message waits for its previous reply
		}
	}
	wg.Wait()
	return lat, sent
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100].Round(100 * time.Microsecond)
}

func rssKB(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// startChildServer runs `qingfeng serve` (this very binary) on a free loopback port
// against namespace ns, with env added, and waits until it is ready.
func startChildServer(ctx context.Context, redisURL, ns string, env ...string) (*exec.Cmd, string, error) {
	port, err := freeLoopbackPort()
	if err != nil {
		return nil, "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	srv := exec.CommandContext(ctx, self, "serve", "-addr", addr, "-redis", redisURL, "-namespace", ns, "-data", os.TempDir())
	srv.Env = append(os.Environ(), env...)
	stderr := &tailWriter{}
	srv.Stderr = stderr
	if err := srv.Start(); err != nil {
		return nil, "", err
	}
	if err := waitReady("http://" + addr + "/readyz"); err != nil {
		stopChildServer(srv)
		return nil, "", fmt.Errorf("%w; it said: %s", err, stderr.String())
	}
	return srv, addr, nil
}

// tailWriter keeps the last kilobyte written to it: why a child server did not start.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > 1024 {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-1024:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(string(w.buf))
}

// stopChildServer asks the child to drain and waits for it.
func stopChildServer(srv *exec.Cmd) {
	_ = srv.Process.Signal(syscall.SIGTERM)
	_ = srv.Wait()
}

func waitReady(url string) error {
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s never became ready", url)
}

func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

func cleanNamespace(url, ns string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "qf:{"+ns+"}:*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

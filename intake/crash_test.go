package intake

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The child side of TestCrashLosesNoAcknowledgedTicket: create tickets as fast as
// possible and print each id once Create has returned success.
func TestMain(m *testing.M) {
	if addr := os.Getenv("QINGFENG_CRASH_CHILD"); addr != "" {
		os.Exit(crashChild(addr))
	}
	os.Exit(m.Run())
}

func crashChild(addr string) int {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	o, err := LoadOutcomes(nil)
	if err != nil {
		return 2
	}
	s := NewStore(rdb, "crash", o, time.Now)
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		tk, created, err := s.Create(context.Background(), sampleTicket(fmt.Sprintf("sms:crash-%d", i)), "gw", RoleSystem)
		if err != nil || !created {
			fmt.Fprintln(os.Stderr, "create:", err)
			return 1
		}
		fmt.Fprintln(out, tk.ID)
		out.Flush() // acknowledged only once the parent can read it
	}
}

// startRedis runs a redis-server of the test's own on port, with an append-only file
// in dir fsynced on every write, and extra arguments (--replicaof …).
func startRedis(t *testing.T, dir string, port int, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("redis-server", append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", ""}, extra...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer rdb.Close()
	for i := 0; i < 100; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return nil
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestCrashLosesNoAcknowledgedTicket(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it)")
	}
	dir, port := t.TempDir(), freePort(t)
	srv := startRedis(t, dir, port)
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	child := exec.Command(os.Args[0], "-test.run", "^$")
	child.Env = append(os.Environ(), "QINGFENG_CRASH_CHILD="+addr)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		acked = append(acked, strings.TrimSpace(sc.Text()))
		if len(acked) == 300 {
			_ = child.Process.Signal(syscall.SIGKILL) // mid-stream: more were in flight
			break
		}
	}
	for sc.Scan() {
		acked = append(acked, strings.TrimSpace(sc.Text())) // printed before the kill landed
	}
	_ = child.Wait()

	// Redis crashes too, and comes back from its append-only file.
	_ = srv.Process.Signal(syscall.SIGKILL)
	_ = srv.Wait()
	srv = startRedis(t, dir, port)
	if _, err := os.Stat(filepath.Join(dir, "appendonlydir")); err != nil {
		t.Fatalf("no AOF written: %v", err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	o, _ := LoadOutcomes(nil)
	s := NewStore(rdb, "crash", o, time.Now)
	ctx := context.Background()
	received, err := rdb.ZRange(ctx, s.key("idx", "status", "received"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	indexed := map[string]bool{}
	for _, id := range received {
		indexed[id] = true
	}
	for i, id := range acked {
		tk, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged ticket %s is gone: %v", id, err)
		}
		if !indexed[id] {
			t.Errorf("ticket %s lost its status index", id)
		}
		if got, _ := rdb.Get(ctx, s.key("idem", tk.Source)).Result(); got != id || tk.Source != fmt.Sprintf("sms:crash-%d", i) {
			t.Errorf("ticket %s: idempotency key says %q", id, got)
		}
		if bad, err := s.VerifyAudit(ctx, id); bad != -1 || err != nil {
			t.Errorf("ticket %s: audit %d, %v", id, bad, err)
		}
	}
	if len(acked) < 300 {
		t.Fatalf("only %d tickets acknowledged", len(acked))
	}
	t.Logf("%d acknowledged tickets all survived a SIGKILL of the writer and of Redis", len(acked))
}

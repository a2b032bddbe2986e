package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server runs a redis-server of the test's own on a free loopback port and returns its
// address; it is killed when the test ends. config, when not empty, is written to a
// file read first (a Sentinel needs one it may rewrite); settings are command-line
// options ("--cluster-enabled", "yes"; "--sentinel"). Without redis-server the test is
// skipped.
func Server(tb testing.TB, config string, settings ...string) string {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		tb.Skip("redis-server is not installed (.ci/run installs it)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := tb.TempDir()
	var args []string
	if config != "" {
		path := filepath.Join(dir, "redis.conf")
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			tb.Fatal(err)
		}
		args = append(args, path)
	}
	args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no")
	cmd := exec.Command("redis-server", append(args, settings...)...)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ping := redis.NewClient(&redis.Options{Addr: addr})
	defer ping.Close()
	for range 100 {
		if ping.Ping(context.Background()).Err() == nil {
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("redis-server %v did not answer within 5 s", args)
	return ""
}

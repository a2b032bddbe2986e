package intake

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackendStartsRedisServerWithAppendOnlyFile(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it)")
	}
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	b, err := OpenBackend(ctx, BackendConfig{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != "child" || b.Demo() {
		t.Fatalf("kind %s", b.Kind)
	}
	if err := b.Client.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := os.Stat(filepath.Join(dir, "appendonlydir")); err != nil {
		t.Errorf("no append-only file under %s: %v", dir, err)
	}
	// The next start finds the data again.
	b, err = OpenBackend(ctx, BackendConfig{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v, err := b.Client.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Errorf("after restart: %q, %v", v, err)
	}
}

func TestBackendFallsBackToEmbeddedAndSaysSo(t *testing.T) {
	var logs bytes.Buffer
	b, err := OpenBackend(context.Background(), BackendConfig{RedisServer: "-"}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !b.Demo() || !strings.Contains(logs.String(), "DEMO MODE") {
		t.Errorf("kind %s, log %q", b.Kind, logs.String())
	}
	ctx := context.Background()
	if err := b.Client.Set(ctx, "k", "v", time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2200 * time.Millisecond) // the ticker moves the embedded clock
	if n, _ := b.Client.Exists(ctx, "k").Result(); n != 0 {
		t.Error("an expiring key never expired in the embedded store")
	}
}

func TestBackendWithURL(t *testing.T) {
	b, err := OpenBackend(context.Background(), BackendConfig{URL: "redis://127.0.0.1:6379/15"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if b.Kind != "external" {
		t.Errorf("kind %s", b.Kind)
	}
	if _, err := OpenBackend(context.Background(), BackendConfig{URL: "redis://127.0.0.1:1/0"}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("an unreachable REDIS_URL was accepted")
	}
	if _, err := OpenBackend(context.Background(), BackendConfig{URL: "http://x"}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a bad REDIS_URL was accepted")
	}
}

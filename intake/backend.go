package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"
)

// BackendConfig says where tickets live.
type BackendConfig struct {
	URL        string   // REDIS_URL: one Redis
	Addrs      []string // several addresses: a Cluster, or Sentinels when MasterName is set
	MasterName string
	DataDir    string // where a child redis-server keeps its append-only file
	// RedisServer is the redis-server to start when no address is given; "" looks it up
	// on PATH, "-" never starts one.
	RedisServer string
}

// Backend is an open Redis and how it was obtained.
type Backend struct {
	Client redis.UniversalClient
	Kind   string // "external", "child" (our redis-server) or "embedded" (in memory)
	stop   func()
}

// Demo reports whether tickets are kept in memory only and are lost at exit.
func (b *Backend) Demo() bool { return b.Kind == "embedded" }

// Close stops what OpenBackend started (a child redis-server is shut down cleanly, so
// its append-only file is complete) and disconnects.
func (b *Backend) Close() {
	if b.stop != nil {
		b.stop()
	}
	b.Client.Close()
}

// OpenBackend connects to the configured Redis. Without one it starts redis-server as a
// child process with an append-only file (fsync every second) under DataDir, and
// without that it runs an embedded in-memory store and says loudly that this is a demo.
func OpenBackend(ctx context.Context, cfg BackendConfig, log *slog.Logger) (*Backend, error) {
	switch {
	case cfg.URL != "":
		opt, err := redis.ParseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		return ping(ctx, &Backend{Client: redis.NewClient(opt), Kind: "external"})
	case len(cfg.Addrs) > 0:
		return ping(ctx, &Backend{Client: redis.NewUniversalClient(&redis.UniversalOptions{Addrs: cfg.Addrs, MasterName: cfg.MasterName}), Kind: "external"})
	}
	server := cfg.RedisServer
	if server == "" {
		server, _ = exec.LookPath("redis-server")
	}
	if server != "" && server != "-" {
		b, err := startChildRedis(ctx, server, cfg.DataDir)
		if err == nil {
			log.Info("started redis-server for tickets", "data_dir", cfg.DataDir, "appendonly", "everysec")
			return b, nil
		}
		log.Warn("could not start redis-server, falling back to the embedded store", "err", err)
	}
	return startEmbedded(log)
}

func ping(ctx context.Context, b *Backend) (*Backend, error) {
	if err := b.Client.Ping(ctx).Err(); err != nil {
		b.Close()
		return nil, fmt.Errorf("redis unreachable: %w", err)
	}
	return b, nil
}

func startChildRedis(ctx context.Context, server, dir string) (*Backend, error) {
	if dir == "" {
		return nil, errors.New("no data directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--dir", abs,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"}
	opt := &redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	// A socket in the data directory, for its owner only, is the stable address the
	// command-line tools find (serve records it); a path too long for a socket keeps TCP.
	if sock := filepath.Join(abs, "redis.sock"); len(sock) < 100 {
		args = append(args, "--unixsocket", sock, "--unixsocketperm", "700")
		opt = &redis.Options{Network: "unix", Addr: sock}
	}
	cmd := exec.Command(server, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	client := redis.NewClient(opt)
	stop := func() {
		// SHUTDOWN flushes the append-only file; kill only if it does not go.
		// SHUTDOWN drops the connection instead of replying: send it once, without retries.
		once := redis.NewClient(&redis.Options{Network: opt.Network, Addr: opt.Addr, MaxRetries: -1})
		_ = once.Shutdown(context.Background()).Err()
		once.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	for i := 0; i < 100; i++ {
		if client.Ping(ctx).Err() == nil {
			return &Backend{Client: client, Kind: "child", stop: stop}, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	client.Close()
	return nil, errors.New("redis-server did not answer within 5 s")
}

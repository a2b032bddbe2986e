//go:build !nodemo

package intake

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// The embedded in-memory store lets `go run ./cmd/qingfeng serve` work on a machine with
// no Redis at all. Release builds leave it out (-tags nodemo, as the Dockerfile builds):
// it is a demo, and it costs the binary about 2 MB.

// demoWarning is what the log (and, from the web issue on, every page) says.
const demoWarning = "DEMO MODE: tickets are kept in memory and are lost when the service stops; set REDIS_URL or install redis-server"

func startEmbedded(log *slog.Logger) (*Backend, error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	log.Warn(demoWarning)
	// miniredis moves expiries only when told: tell it every second.
	tick := time.NewTicker(time.Second)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-tick.C:
				m.FastForward(time.Second)
			case <-done:
				return
			}
		}
	}()
	client := redis.NewClient(&redis.Options{Addr: m.Addr()})
	return &Backend{Client: client, Kind: "embedded", stop: func() { tick.Stop(); close(done); m.Close() }}, nil
}

package intake

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// roundTrips counts commands and pipelines sent to Redis: each is one round trip.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// BenchmarkCreateTicket creates tickets from many goroutines against the real Redis on
// loopback and reports tickets/s and Redis round trips per ticket.
// Run: go test -run '^$' -bench CreateTicket -benchtime 20000x ./intake
func BenchmarkCreateTicket(b *testing.B) {
	rdb := openRealRedis(b)
	s := testStore(b, connect(b, rdb))
	hook := &roundTrips{}
	rdb.AddHook(hook)
	ctx := context.Background()
	// Load the scripts once so the timed part runs EVALSHA only.
	if _, _, err := s.Create(ctx, sampleTicket("warm-up"), "bench", RoleSystem); err != nil {
		b.Fatal(err)
	}
	hook.n.Store(0)
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			src := fmt.Sprintf("sms:bench-%d", seq.Add(1))
			if _, created, err := s.Create(ctx, sampleTicket(src), "bench", RoleSystem); err != nil || !created {
				b.Errorf("create %s: %v created=%v", src, err, created)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tickets/s")
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/op")
}

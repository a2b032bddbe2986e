package intake

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
// loopback and reports tickets/s and Redis round trips per ticket: as given (no keyring),
// and sealed in each suite.
// Run: go test -run '^$' -bench CreateTicket -benchtime 20000x ./intake
func BenchmarkCreateTicket(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchmarkCreate(b) })
	for _, suite := range []Suite{SuiteAES, SuiteSM} {
		b.Run("sealed-"+string(suite), func(b *testing.B) { benchmarkCreate(b, WithKeyring(ring(b, suite, key(1)))) })
	}
}

func benchmarkCreate(b *testing.B, opts ...StoreOption) {
	rdb := openRealRedis(b)
	s := testStore(b, connect(b, rdb), opts...)
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

// BenchmarkStaffReads100K seeds 100,000 tickets and times what the console's queue and
// figures pages read from Redis: one page of a queue (the index plus 200 tickets) and a
// month's figures. Seeding takes about half a minute; the keys are removed afterwards.
// Run: go test -run '^$' -bench StaffReads100K -benchtime 20x ./intake
func BenchmarkStaffReads100K(b *testing.B) {
	const seeded = 100_000
	rdb := openRealRedis(b)
	s := testStore(b, connect(b, rdb))
	ctx := context.Background()
	categories := []string{"extortion", "inaction", "four_winds", "slow_action", "attitude"}
	channels := []string{"sms", "web", "hotline"}
	var seq atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := seq.Add(1); i <= seeded; i = seq.Add(1) {
				tk := sampleTicket(fmt.Sprintf("seed:%d", i))
				tk.Category, tk.Channel = categories[i%int64(len(categories))], channels[i%int64(len(channels))]
				if _, _, err := s.Create(ctx, tk, "seed", RoleSystem); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, chinaTime)
	for _, read := range []struct {
		name string
		fn   func() error
	}{
		{"queue-page", func() error {
			ids, err := s.Queue(ctx, StatusReceived, nil, nil, 200)
			if err == nil {
				_, err = s.GetMany(ctx, ids)
			}
			return err
		}},
		{"figures-month", func() error {
			_, err := s.Figures(ctx, month, month.AddDate(0, 1, 0))
			return err
		}},
		{"figures-year", func() error {
			_, err := s.Figures(ctx, month, month.AddDate(1, 0, 0))
			return err
		}},
	} {
		b.Run(read.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if err := read.fn(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

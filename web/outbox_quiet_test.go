package web

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"qingfeng/intake"
	"qingfeng/internal/testkit"
)

func TestQuietHours(t *testing.T) {
	at := func(day int, hm string) time.Time {
		c, _ := time.ParseInLocation("2006-01-02 15:04", fmt.Sprintf("2026-03-%02d %s", day, hm), chinaZone)
		return c
	}
	cases := []struct {
		window string
		now    time.Time
		until  time.Time // zero: not quiet
	}{
		{"22:00-08:00", at(2, "21:59"), time.Time{}},
		{"22:00-08:00", at(2, "22:00"), at(3, "08:00")},
		{"22:00-08:00", at(2, "23:30"), at(3, "08:00")},
		{"22:00-08:00", at(3, "00:00"), at(3, "08:00")},
		{"22:00-08:00", at(3, "07:59"), at(3, "08:00")},
		{"22:00-08:00", at(3, "08:00"), time.Time{}},
		{"12:00-14:00", at(3, "13:00"), at(3, "14:00")},
		{"12:00-14:00", at(3, "14:00"), time.Time{}},
		{"off", at(2, "23:00"), time.Time{}},
		{"", at(2, "23:00"), time.Time{}},
	}
	for _, c := range cases {
		q, err := ParseQuietHours(c.window)
		if err != nil {
			t.Fatalf("%q: %v", c.window, err)
		}
		// The same instant told in UTC is the same quiet: the window is China time.
		until, quiet := q.Until(c.now.UTC())
		if quiet != !c.until.IsZero() || !until.Equal(c.until) {
			t.Errorf("%s at %s: quiet %v until %s, want %s", c.window, c.now.Format("01-02 15:04"), quiet, until, c.until)
		}
	}
	for _, bad := range []string{"22:00", "22-08", "25:00-08:00", "08:00-08:00", "22:00-8"} {
		if _, err := ParseQuietHours(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// testClock runs from a given instant at the speed of real time.
type testClock struct {
	mu    sync.Mutex
	base  time.Time
	start time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.start))
}

// In quiet hours an SMS notice waits for their end, and goes then; an urgent ticket's
// notice goes at once.
func TestOutboxHoldsSMSInQuietHours(t *testing.T) {
	k := testkit.New(t)
	ctx := context.Background()
	// Two seconds before 08:00 in China: the end of the default quiet hours.
	clk := &testClock{base: time.Date(2026, 3, 3, 7, 59, 58, 0, chinaZone), start: time.Now()}
	store := intake.NewStore(k.Redis, k.NS, k.Outcomes, clk.now, intake.WithKeyring(k.Keys))
	in := intake.NewIntake(store, k.Analyzer, k.Keys)
	gw := newFakeGateway(t)
	gw.now = clk.now
	_, calm := accepted(t, in, store, "call-calm", "13900001111", false)
	_, urgent := accepted(t, in, store, "call-urgent", "13900002222", true)
	cfg := testOutboxConfig("worker")
	cfg.Quiet, _ = ParseQuietHours(DefaultQuietHours)
	cfg.Now = clk.now
	running(t, NewOutbox(store, gw.sender(), nil, cfg, slog.New(slog.DiscardHandler)))

	eventually(t, 5*time.Second, "the urgent notice did not go", func() bool { return gw.postsOf(urgent) == 1 })
	n, err := store.Notice(ctx, calm)
	eight := time.Date(2026, 3, 3, 8, 0, 0, 0, chinaZone)
	if err != nil || n.State != intake.NoticeWaiting || !n.NextAt.Equal(eight) || n.Tries != 0 || gw.postsOf(calm) != 0 {
		t.Fatalf("the calm notice in quiet hours: %+v, %v, %d posts", n, err, gw.postsOf(calm))
	}
	eventually(t, 5*time.Second, "the calm notice did not go when quiet hours ended", func() bool { return gw.postsOf(calm) == 1 })
	gw.mu.Lock()
	defer gw.mu.Unlock()
	if gw.at[calm].Before(eight) || !gw.at[urgent].Before(eight) {
		t.Errorf("sent at %s (calm) and %s (urgent)", gw.at[calm].In(chinaZone), gw.at[urgent].In(chinaZone))
	}
}

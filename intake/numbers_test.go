package intake

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// A power cut that restores the append-only file to a moment before the crash takes the
// day counter back with it. The numbers drawn after that must still be new: no ticket is
// overwritten and no number is given to a second complaint.
func TestRolledBackCounterNeverReissuesANumber(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		before := map[string]string{} // id → source
		for i := range 6 {
			tk, created, err := s.Create(ctx, sampleTicket(fmt.Sprintf("sms:before-%d", i)), "gw", RoleSystem)
			if err != nil || !created {
				t.Fatalf("create %d: %v, created=%v", i, err, created)
			}
			before[tk.ID] = tk.Source
		}
		for _, back := range []int64{2, 0} {
			if err := c.rdb.Set(ctx, s.key("seq", "20260302"), back, 0).Err(); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				src := fmt.Sprintf("sms:after-%d-%d", back, i)
				tk, created, err := s.Create(ctx, sampleTicket(src), "gw", RoleSystem)
				if err != nil || !created {
					t.Fatalf("create after the counter went back to %d: %v, created=%v", back, err, created)
				}
				if old, taken := before[tk.ID]; taken {
					t.Fatalf("counter back to %d: %s was given again (it belonged to %s)", back, tk.ID, old)
				}
				before[tk.ID] = src
			}
		}
		for id, src := range before {
			got, err := s.Get(ctx, id)
			if err != nil || got.Source != src || got.Version != 1 {
				t.Errorf("ticket %s: %+v, %v; want the complaint of %s, untouched", id, got, err, src)
			}
			if n, _ := c.rdb.LLen(ctx, s.key("t", id, "audit")).Result(); n != 1 {
				t.Errorf("ticket %s has %d audit entries, want 1", id, n)
			}
		}
		if n, _ := c.rdb.ZCard(ctx, s.key("all")).Result(); n != int64(len(before)) {
			t.Errorf("%d tickets indexed, want %d", n, len(before))
		}
	})
}

// takeReservedNumber is a hook that, once, lets another complaint land on the number the
// reserve step has just drawn, before the create step stores: the counter went back
// between the two steps.
type takeReservedNumber struct {
	rdb  redis.UniversalClient
	s    *Store
	done bool
}

func (h *takeReservedNumber) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *takeReservedNumber) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *takeReservedNumber) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args()
		if h.done || err != nil || len(args) < 2 || !strings.HasPrefix(strings.ToLower(fmt.Sprint(args[0])), "eval") ||
			(args[1] != reserveScript.Hash() && !strings.Contains(fmt.Sprint(args[1]), "INCR")) {
			return err
		}
		res, _ := cmd.(*redis.Cmd).Slice()
		if len(res) == 2 && res[0] == int64(1) {
			h.done = true
			id := fmt.Sprintf("QF-20260302-%06d", res[1].(int64))
			h.rdb.HSet(ctx, h.s.key("t", id), "id", id, "source", "sms:someone-else")
		}
		return err
	}
}

// The create step refuses a number whose ticket appeared after it was drawn, and the
// create draws again, so the ticket that is there is left as it is.
func TestCreateRefusesANumberTakenAfterItWasDrawn(t *testing.T) {
	c := connect(t, openRealRedis(t))
	s := testStore(t, c)
	ctx := context.Background()
	hook := &takeReservedNumber{rdb: c.rdb, s: s}
	c.rdb.(*redis.Client).AddHook(hook)
	tk, created, err := s.Create(ctx, sampleTicket("sms:mine"), "gw", RoleSystem)
	if err != nil || !created || !hook.done {
		t.Fatalf("Create: %v, created=%v, hook ran=%v", err, created, hook.done)
	}
	if tk.ID != "QF-20260302-000002" {
		t.Errorf("ticket %s, want the next number QF-20260302-000002", tk.ID)
	}
	other, err := c.rdb.HGetAll(ctx, s.key("t", "QF-20260302-000001")).Result()
	if err != nil || other["source"] != "sms:someone-else" || len(other) != 2 {
		t.Errorf("the ticket already holding 000001 was changed: %v, %v", other, err)
	}
	if got, err := s.Get(ctx, tk.ID); err != nil || got.Source != "sms:mine" {
		t.Errorf("Get(%s) = %+v, %v", tk.ID, got, err)
	}
}

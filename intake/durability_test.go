package intake

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestParseDurability(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Durability
		ok   bool
	}{{"", DurableNone, true}, {"none", DurableNone, true}, {" AOF ", DurableAOF, true}, {"replica", DurableReplica, true},
		{"always", "", false}, {"fsync", "", false}} {
		got, err := ParseDurability(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseDurability(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// redisPair is a master and, once started, a replica of it, both of the test's own.
type redisPair struct {
	t                    *testing.T
	master, replica      *exec.Cmd
	masterPort, replPort int
}

func newRedisPair(t *testing.T) *redisPair {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (.ci/run installs it)")
	}
	p := &redisPair{t: t, masterPort: freePort(t), replPort: freePort(t)}
	p.master = startRedis(t, t.TempDir(), p.masterPort, "--repl-diskless-sync-delay", "0")
	t.Cleanup(func() {
		for _, c := range []*exec.Cmd{p.master, p.replica} {
			if c != nil {
				_ = c.Process.Signal(syscall.SIGCONT)
				_ = c.Process.Kill()
				_ = c.Wait()
			}
		}
	})
	return p
}

// client connects to the master. Its pool hands out the connection idle longest, so
// consecutive commands go out on different connections, as they do under load.
func (p *redisPair) client() *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", p.masterPort), PoolFIFO: true})
	p.t.Cleanup(func() { rdb.Close() })
	return rdb
}

// startReplica starts the replica and waits until the master counts it.
func (p *redisPair) startReplica() {
	p.replica = startRedis(p.t, p.t.TempDir(), p.replPort, "--replicaof", "127.0.0.1", fmt.Sprint(p.masterPort))
	rdb := p.client()
	for i := 0; i < 100; i++ {
		if info := rdb.Info(context.Background(), "replication").Val(); strings.Contains(info, "connected_slaves:1") &&
			strings.Contains(info, "state=online") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatal("the replica never came online")
}

func durableStore(t *testing.T, rdb redis.UniversalClient, d Durability) *Store {
	o, err := LoadOutcomes(nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 3, 2, 9, 30, 0, 0, chinaTime)
	return NewStore(rdb, "durable", o, func() time.Time { return clock }, WithDurability(d, time.Second))
}

// Under "replica" a create is acknowledged only once a replica has it. With none there,
// or with the replica stalled, the create answers unavailable (503), and the sender's
// retry, once a replica has it, gets the same ticket.
func TestReplicaDurabilityAcknowledgesOnlyWhatAReplicaHas(t *testing.T) {
	p := newRedisPair(t)
	s := durableStore(t, p.client(), DurableReplica)
	ctx := context.Background()
	if err := s.CheckDurability(ctx); CodeOf(err) != CodeUnavailable {
		t.Errorf("CheckDurability with no replica = %v, want unavailable", err)
	}
	if _, _, err := s.Create(ctx, sampleTicket("sms:lonely"), "gw", RoleSystem); CodeOf(err) != CodeUnavailable {
		t.Fatalf("Create with no replica = %v, want unavailable", err)
	}
	p.startReplica()
	if err := s.CheckDurability(ctx); err != nil {
		t.Errorf("CheckDurability with a replica: %v", err)
	}
	tk, created, err := s.Create(ctx, sampleTicket("sms:lonely"), "gw", RoleSystem)
	if err != nil || created || tk.ID != "QF-20260302-000001" {
		t.Fatalf("retry once a replica is there: %+v, created=%v, %v; want the first ticket", tk, created, err)
	}
	fresh, created, err := s.Create(ctx, sampleTicket("sms:fresh"), "gw", RoleSystem)
	if err != nil || !created {
		t.Fatalf("Create with a replica: %v, created=%v", err, created)
	}
	var wg sync.WaitGroup
	for i := range 8 { // several pooled connections, each with writes the replica has
		wg.Go(func() {
			if _, _, err := s.Create(ctx, sampleTicket(fmt.Sprintf("sms:warm-%d", i)), "gw", RoleSystem); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	// A replica that is connected but does not answer: the wait is for this write, not
	// for whatever the replica had before.
	if err := p.replica.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The retry reaches another instance, on a connection that wrote nothing yet: it
	// waits for the first delivery's writes all the same. (Redis 7.0 makes any command
	// count for WAIT; later versions count only the connection's own writes, which is
	// why the reserve step rewrites the idempotency key of a repeated delivery.)
	other := durableStore(t, p.client(), DurableReplica)
	for attempt, st := range []*Store{s, other} {
		if _, _, err = st.Create(ctx, sampleTicket("sms:stalled"), "gw", RoleSystem); CodeOf(err) != CodeUnavailable {
			_ = p.replica.Process.Signal(syscall.SIGCONT)
			t.Fatalf("delivery %d while the replica is stopped = %v, want unavailable", attempt+1, err)
		}
	}
	_ = p.replica.Process.Signal(syscall.SIGCONT)
	again, created, err := s.Create(ctx, sampleTicket("sms:stalled"), "gw", RoleSystem)
	if err != nil || created || again.ID == fresh.ID || again.Source != "sms:stalled" {
		t.Errorf("retry after the replica woke: %+v, created=%v, %v", again, created, err)
	}
}

// Under "aof" a create is acknowledged once the master has fsynced it (WAITAOF, Redis
// 7.2 or later). A Redis without WAITAOF is refused at start and every create answers
// unavailable rather than acknowledging what may be lost.
func TestAOFDurability(t *testing.T) {
	p := newRedisPair(t)
	rdb := p.client()
	s := durableStore(t, rdb, DurableAOF)
	ctx := context.Background()
	hasWaitAOF := len(rdb.Do(ctx, "COMMAND", "INFO", "WAITAOF").Val().([]any)) > 0 &&
		rdb.Do(ctx, "COMMAND", "INFO", "WAITAOF").Val().([]any)[0] != nil
	_, created, err := s.Create(ctx, sampleTicket("sms:aof"), "gw", RoleSystem)
	if !hasWaitAOF {
		if CodeOf(err) != CodeUnavailable {
			t.Errorf("Create on a Redis without WAITAOF = %v, want unavailable", err)
		}
		if err := s.CheckDurability(ctx); err == nil || !strings.Contains(err.Error(), "7.2") {
			t.Errorf("CheckDurability on a Redis without WAITAOF = %v", err)
		}
		t.Logf("this Redis has no WAITAOF: checked that aof refuses to acknowledge")
		return
	}
	if err != nil || !created {
		t.Fatalf("Create with appendonly yes: %v, created=%v", err, created)
	}
	if err := s.CheckDurability(ctx); err != nil {
		t.Errorf("CheckDurability: %v", err)
	}
	if err := rdb.ConfigSet(ctx, "appendonly", "no").Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create(ctx, sampleTicket("sms:no-aof"), "gw", RoleSystem); CodeOf(err) != CodeUnavailable {
		t.Errorf("Create with appendonly no = %v, want unavailable", err)
	}
}

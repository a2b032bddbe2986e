package intake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Durability is when a created ticket counts as acknowledged (README, "Durability").
type Durability string

const (
	// DurableNone: once Redis has applied the create in memory. Redis's own fsync policy
	// (appendfsync everysec) decides what a crash of the machine loses: up to about a
	// second of tickets, whose numbers may then be drawn again for other complaints.
	DurableNone Durability = "none"
	// DurableAOF: once the master has written the create to its append-only file and
	// fsynced it (WAITAOF 1 0, Redis 7.2 or later with appendonly yes).
	DurableAOF Durability = "aof"
	// DurableReplica: once at least one replica has received the create (WAIT 1); it is
	// in the memory of two machines, not necessarily on either disk.
	DurableReplica Durability = "replica"
)

// ParseDurability reads QINGFENG_DURABILITY; "" is none.
func ParseDurability(s string) (Durability, error) {
	switch d := Durability(strings.ToLower(strings.TrimSpace(s))); d {
	case "", DurableNone:
		return DurableNone, nil
	case DurableAOF, DurableReplica:
		return d, nil
	}
	return "", fmt.Errorf("durability %q: want none, aof or replica", s)
}

// StoreOption sets up a Store beyond its defaults.
type StoreOption func(*Store)

// WithDurability makes Create answer only once the ticket is as durable as d says,
// waiting at most timeout; when the wait fails or runs out Create answers
// CodeUnavailable and the sender's retry gets the same ticket.
func WithDurability(d Durability, timeout time.Duration) StoreOption {
	return func(s *Store) { s.durability, s.durableWait = d, timeout }
}

// durable says whether creates wait for a durability guarantee.
func (s *Store) durable() bool { return s.durability == DurableAOF || s.durability == DurableReplica }

// writer is where a create runs: the shared pool, or, when the create must be waited
// for, one connection of its own, since WAIT and WAITAOF cover the writes made on the
// connection they are sent on.
func (s *Store) writer(ctx context.Context, key string) (redis.Scripter, func(), error) {
	if !s.durable() {
		return s.rdb, func() {}, nil
	}
	var c *redis.Client
	switch rdb := s.rdb.(type) {
	case *redis.Client:
		c = rdb
	case *redis.ClusterClient:
		var err error
		if c, err = rdb.MasterForKey(ctx, key); err != nil {
			return nil, nil, unavailable(err)
		}
	default:
		return nil, nil, errorf(CodeUnavailable, "durability %s needs a single, Sentinel or Cluster client, not %T", s.durability, s.rdb)
	}
	conn := c.Conn()
	return conn, func() { conn.Close() }, nil
}

// waitDurable blocks until the writes made on w are as durable as the store's setting
// asks, or fails with CodeUnavailable.
func (s *Store) waitDurable(ctx context.Context, w redis.Scripter) error {
	if !s.durable() {
		return nil
	}
	conn := w.(*redis.Conn)
	switch s.durability {
	case DurableAOF:
		got, err := conn.WaitAOF(ctx, 1, 0, s.durableWait).Result()
		if err != nil {
			return &Error{Code: CodeUnavailable, Msg: "WAITAOF failed: the ticket may not be on disk", Err: err}
		}
		if len(got) < 1 || got[0] < 1 {
			return errorf(CodeUnavailable, "the ticket was not fsynced to the append-only file within %v", s.durableWait)
		}
	case DurableReplica:
		n, err := conn.Wait(ctx, 1, s.durableWait).Result()
		if err != nil {
			return &Error{Code: CodeUnavailable, Msg: "WAIT failed: the ticket may not be on a replica", Err: err}
		}
		if n < 1 {
			return errorf(CodeUnavailable, "no replica acknowledged the ticket within %v", s.durableWait)
		}
	}
	return nil
}

// CheckDurability tells at start whether Redis can give the guarantee configured: WAITAOF
// needs Redis 7.2 or later with appendonly yes; WAIT needs a replica (none connected is
// reported, since one may be on its way, but every create would answer 503 until then).
func (s *Store) CheckDurability(ctx context.Context) error {
	w, done, err := s.writer(ctx, s.key("seq"))
	if err != nil {
		return err
	}
	defer done()
	switch s.durability {
	case DurableAOF:
		if err := s.waitDurable(ctx, w); err != nil {
			return fmt.Errorf("durability aof needs Redis 7.2 or later with appendonly yes: %w", err)
		}
	case DurableReplica:
		info, err := s.rdb.Info(ctx, "replication").Result()
		if err != nil {
			return unavailable(err)
		}
		if strings.Contains(info, "connected_slaves:0") {
			return errorf(CodeUnavailable, "durability replica: the master has no replica connected")
		}
	}
	return nil
}

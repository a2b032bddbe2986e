package intake

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ResealReport says what Reseal changed.
type ResealReport struct {
	Tickets  int // tickets read
	Resealed int // tickets with a field or supplement sealed anew
	Words    int // word indexes of older builds moved under keyed hashes
}

// resealScript writes a ticket's fields sealed anew, if the ticket is still at the
// version they were read at, and each supplement sealed anew if it is still the one read.
//
//	KEYS[1] ticket hash  KEYS[2] supplement list
//	ARGV[1] version read  ARGV[2] n  ARGV[3 .. 2+2n] field/value pairs
//	ARGV[3+2n ..] supplement triples: index (0-based), value read, new value
//	returns 1 when written, 0 when the ticket changed meanwhile
var resealScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[2])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 3, 2 + 2 * n)) end
for i = 3 + 2 * n, #ARGV, 3 do
  if redis.call('LINDEX', KEYS[2], ARGV[i]) == ARGV[i + 1] then redis.call('LSET', KEYS[2], ARGV[i], ARGV[i + 2]) end
end
return 1
`)

// moveWordScript files the tickets of a word index an older build named by the word
// itself under the keyed hash of the word, and removes the old key.
//
//	KEYS[1] old index  KEYS[2] new index
var moveWordScript = redis.NewScript(`
redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[1], 'AGGREGATE', 'MAX')
redis.call('DEL', KEYS[1])
return 1
`)

// Reseal seals, under the newest key, what older builds stored in the clear or under an
// older key, and moves the word indexes they named by the words themselves under keyed
// hashes. It may run while the service does (each ticket is written only if unchanged
// since it was read, and read again otherwise) and any number of times: a second run
// finds nothing to do.
func (s *Store) Reseal(ctx context.Context) (ResealReport, error) {
	var rep ResealReport
	if s.keys == nil {
		return rep, errorf(CodeInvalid, "resealing needs the keys (QINGFENG_SECRET_KEY, QINGFENG_KEY_FILE, or secret.key in QINGFENG_DATA_DIR)")
	}
	ids, err := s.rdb.ZRange(ctx, s.key("all"), 0, -1).Result()
	if err != nil {
		return rep, unavailable(err)
	}
	for _, id := range ids {
		changed, err := s.resealTicket(ctx, id)
		if err != nil {
			return rep, err
		}
		rep.Tickets++
		if changed {
			rep.Resealed++
		}
	}
	old := s.key("idx", "term", "")
	err = s.scanKeys(ctx, old+"*", func(key string) error {
		if err := moveWordScript.Run(ctx, s.rdb, []string{key, s.termKey(strings.TrimPrefix(key, old))}).Err(); err != nil {
			return unavailable(err)
		}
		rep.Words++
		return nil
	})
	return rep, err
}

// resealTicket reseals one ticket, reading it again when a move got there first.
func (s *Store) resealTicket(ctx context.Context, id string) (bool, error) {
	for attempt := 0; ; attempt++ {
		pipe := s.rdb.Pipeline()
		hash := pipe.HGetAll(ctx, s.key("t", id))
		sups := pipe.LRange(ctx, s.key("t", id, "supplements"), 0, -1)
		if _, err := pipe.Exec(ctx); err != nil {
			return false, unavailable(err)
		}
		h := hash.Val()
		if len(h) == 0 {
			return false, nil
		}
		var fields, supplements []any
		for name := range sealedFields {
			v, err := s.resealed(id, name, h[name])
			if err != nil {
				return false, err
			}
			if v != h[name] {
				fields = append(fields, name, v)
			}
		}
		for i, old := range sups.Val() {
			v, err := s.resealed(id, fieldSupplement, old)
			if err != nil {
				return false, err
			}
			if v != old {
				supplements = append(supplements, strconv.Itoa(i), old, v)
			}
		}
		if len(fields)+len(supplements) == 0 {
			return false, nil
		}
		args := append([]any{h["version"], len(fields) / 2}, fields...)
		ok, err := resealScript.Run(ctx, s.rdb, []string{s.key("t", id), s.key("t", id, "supplements")}, append(args, supplements...)...).Int()
		if err != nil {
			return false, unavailable(err)
		}
		if ok == 1 {
			return true, nil
		}
		if attempt == 3 {
			return false, errorf(CodeConflict, "ticket %s kept changing while it was resealed", id)
		}
	}
}

// resealed is v as it should be stored: itself when empty or sealed under the newest
// key, else opened (or taken as clear text) and sealed anew.
func (s *Store) resealed(id, field, v string) (string, error) {
	if v == "" || s.keys.Current(v) {
		return v, nil
	}
	plain, err := s.openValue(id, field, v)
	if err != nil {
		return "", err
	}
	return s.sealValue(id, field, plain)
}

// scanKeys calls fn with every key matching pattern, on every master of a Cluster.
func (s *Store) scanKeys(ctx context.Context, pattern string, fn func(string) error) error {
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			if err := fn(iter.Val()); err != nil {
				return err
			}
		}
		if err := iter.Err(); err != nil {
			return unavailable(err)
		}
		return nil
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	}
	return scan(ctx, s.rdb)
}

package intake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"

	"github.com/redis/go-redis/v9"
)

// Queue orders: how staff work through each status.
const (
	orderDue    = "due"    // a deadline is running: the earliest (most overdue) first
	orderOldest = "oldest" // waiting on the intake office: first come, first served
	orderNewest = "newest" // finished: the latest first
)

func queueOrder(st Status) string {
	switch st {
	case StatusReceived, StatusAccepted:
		return orderOldest
	case StatusRouted, StatusInProgress, StatusReported, StatusReturned, StatusReopened:
		return orderDue
	}
	return orderNewest
}

// queueScript reads one page of a status's queue in working order, with the urgent
// tickets of that queue apart so they can go first, and then those with an addition
// from the reporter that staff have not seen (supplements.go), all inside Redis.
//
//	KEYS[1], KEYS[2] scratch keys  KEYS[3] status index  KEYS[4] due index  KEYS[5] urgent index
//	KEYS[6] supplemented index
//	KEYS[7 .. 6+b] the caller's bodies' indexes for this status (b = 0: every body)
//	KEYS[7+b ..] filter indexes (category, mode, channel, …) the tickets must also be in
//	ARGV[1] limit  ARGV[2] order (due, oldest, newest)  ARGV[3] b
//	returns {urgent ids, supplemented ids (latest addition first), ids}
var queueScript = redis.NewScript(`
local b, limit = tonumber(ARGV[3]), tonumber(ARGV[1])
local base = KEYS[3]
if b == 1 then
  base = KEYS[7]
elseif b > 1 then
  redis.call('ZUNIONSTORE', KEYS[2], b, unpack(KEYS, 7, 6 + b))
  base = KEYS[2]
end
if #KEYS > 6 + b then
  local args = {'ZINTERSTORE', KEYS[2], #KEYS - 5 - b, base}
  for i = 7 + b, #KEYS do args[#args + 1] = KEYS[i] end
  args[#args + 1] = 'WEIGHTS'
  args[#args + 1] = 1
  for i = 7 + b, #KEYS do args[#args + 1] = 0 end
  redis.call(unpack(args))
  base = KEYS[2]
end
redis.call('ZINTERSTORE', KEYS[1], 2, base, KEYS[5], 'WEIGHTS', 1, 0)
local urgent = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1)
redis.call('ZINTERSTORE', KEYS[1], 2, base, KEYS[6], 'WEIGHTS', 0, 1)
local supplemented = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1)
local ids
if ARGV[2] == 'due' then
  redis.call('ZINTERSTORE', KEYS[1], 2, base, KEYS[4], 'WEIGHTS', 0, 1)
  ids = redis.call('ZRANGE', KEYS[1], 0, limit - 1)
elseif ARGV[2] == 'oldest' then
  ids = redis.call('ZRANGE', base, 0, limit - 1)
else
  ids = redis.call('ZREVRANGE', base, 0, limit - 1)
end
redis.call('DEL', KEYS[1], KEYS[2])
return {urgent, supplemented, ids}
`)

// QueueFilter narrows a queue to tickets also filed under these index values
// (field → value: category, mode, channel, body).
type QueueFilter map[string]string

// Queue lists one page (at most limit) of a status's tickets in working order: urgent
// ones first, then those with an addition staff have not seen, then by deadline while
// one is running, oldest first while waiting on the intake office, newest first once
// finished. With bodies, only those bodies' tickets. One script, whatever the size of
// the store.
func (s *Store) Queue(ctx context.Context, status Status, bodies []string, filter QueueFilter, limit int64) ([]string, error) {
	scratch := make([]byte, 8)
	_, _ = rand.Read(scratch)
	tmp := s.key("tmp", "queue", hex.EncodeToString(scratch))
	keys := []string{tmp + ":a", tmp + ":b", s.key("idx", "status", string(status)), s.key("due"), s.key("idx", "urgent", "yes"), s.supplementedKey()}
	for _, b := range bodies {
		keys = append(keys, s.key("idx", "body_status", b+"|"+string(status)))
	}
	fields := make([]string, 0, len(filter))
	for f := range filter {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		keys = append(keys, s.key("idx", f, filter[f]))
	}
	res, err := queueScript.Run(ctx, s.rdb, keys, limit, queueOrder(status), len(bodies)).Slice()
	if err != nil {
		return nil, unavailable(err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, part := range res {
		for _, id := range part.([]any) {
			if id := id.(string); !seen[id] && int64(len(ids)) < limit {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

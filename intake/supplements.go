package intake

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// What a reporter adds later (补充) bumps the ticket in its status queue: it comes right
// after the urgent tickets of that queue, latest addition first, until a member of staff
// who works the ticket where it stands has opened it and so seen what was added
// (SupplementsSeen). Key:
//
//	idx:supplemented:yes  sorted set: tickets with an addition staff have not seen, by
//	                      the time of the latest (ms); written with the supplement
//	                      (appendScript), read by Queue

func (s *Store) supplementedKey() string { return s.key("idx", "supplemented", "yes") }

// seenScript takes a ticket's bump away if no addition came after the ones seen.
//
//	KEYS[1] supplemented index  ARGV[1] id  ARGV[2] time of the latest addition seen (ms)
var seenScript = redis.NewScript(`
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
`)

// SupplementsSeen records that staff who work the ticket have seen its additions up to
// the one made at latest: the ticket drops back to its place in the queue, unless the
// reporter added more since.
func (s *Store) SupplementsSeen(ctx context.Context, id string, latest time.Time) error {
	if err := seenScript.Run(ctx, s.rdb, []string{s.supplementedKey()}, id, latest.UnixMilli()).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

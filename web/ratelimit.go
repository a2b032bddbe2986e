package web

import (
	"context"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
)

// limit is one budget a request spends from: at most Count in any Per, refilled evenly.
type limit struct {
	Key   string
	Count int64
	Per   time.Duration
}

// allowScript is the generic cell rate algorithm over several budgets at once, so a
// request passes only if every budget allows it, and one that is refused spends nothing.
// Each key holds its budget's theoretical arrival time (ms): a burst of Count passes,
// then one more every Per/Count. Unlike counters per clock minute, no pair of windows
// lets 2×Count through around a minute's turn.
//
//	KEYS[i] budget i; ARGV[1] now (ms); ARGV[2i] interval (ms), ARGV[2i+1] period (ms)
//	→ {0, 0} allowed | {i, wait ms} refused by budget i
var allowScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local tats = {}
for i, key in ipairs(KEYS) do
  local interval, period = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local nxt = tat + interval
  if nxt - period > now then return {i, nxt - period - now} end
  tats[i] = nxt
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, tats[i], 'PX', tats[i] - now)
end
return {0, 0}
`)

// allow spends one request from every budget, or answers 429 with when to come back.
// The budgets' keys must share a hash slot (they carry the namespace's tag).
func (s *Server) allow(ctx context.Context, limits ...limit) error {
	keys := make([]string, len(limits))
	args := []any{s.cfg.Now().UnixMilli()}
	for i, l := range limits {
		keys[i] = l.Key
		args = append(args, max(l.Per.Milliseconds()/max(l.Count, 1), 1), l.Per.Milliseconds())
	}
	res, err := allowScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return unavailable(err)
	}
	if res[0] != 0 {
		ae := fail(http.StatusTooManyRequests, "rate_limited")
		ae.RetryAfter = time.Duration(res[1]) * time.Millisecond
		return ae
	}
	return nil
}

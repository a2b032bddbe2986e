package staff

import "github.com/redis/go-redis/v9"

// Each change of the directory's state that must not be seen half done is one Lua script.

// changeScript saves one account and appends its admin trail entry, provided the
// trail's head is still the one the change was worked out from. Every account change
// goes through here, so the head is also the accounts' version: a change computed from
// a stale read is refused and worked out again, and the chain never forks.
//
//	KEYS[1] accounts hash  KEYS[2] trail list  KEYS[3] trail head
//	ARGV[1] expected head hash ("" while the trail is empty)  ARGV[2] user name
//	ARGV[3] account (JSON)  ARGV[4] trail entry (JSON)  ARGV[5] its seq  ARGV[6] its hash
//	returns 1 when saved, 0 when the head had moved
var changeScript = redis.NewScript(`
local head = redis.call('HGET', KEYS[3], 'hash') or ''
if head ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[3], 'seq', ARGV[5], 'hash', ARGV[6])
return 1
`)

// loginTryScript admits one login attempt unless the account has failed too often,
// from this client or from anywhere, within the window. An admitted attempt is counted
// as a failure before the password is checked, so parallel guesses cannot all pass the
// check before any of them is counted; loginSettleScript takes it back if it was not one.
//
//	KEYS[1] failures from this client  KEYS[2] failures from anywhere
//	ARGV[1] limit per client  ARGV[2] limit per account  ARGV[3] window (ms)
//	returns 1 when admitted, 0 when throttled (nothing counted)
var loginTryScript = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) or
   tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then
  return 0
end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return 1
`)

// loginSettleScript settles an admitted attempt that was not a wrong password: the
// failure counted in advance is taken back (DECR keeps the window's expiry; a counter
// that has expired meanwhile is left alone), and a success also clears this client's
// count. The count from anywhere is not cleared by a success: someone guessing from
// many addresses must not be let off because the owner logged in.
//
//	KEYS[1] failures from this client  KEYS[2] failures from anywhere
//	ARGV[1] "ok" after a success, "undo" otherwise
var loginSettleScript = redis.NewScript(`
for i = 1, 2 do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n > 0 then redis.call('DECR', KEYS[i]) end
end
if ARGV[1] == 'ok' then redis.call('DEL', KEYS[1]) end
return 1
`)

package intake

import "github.com/redis/go-redis/v9"

// Each state change is one Lua script, so it is atomic: a reader never sees a ticket
// without its indexes, audit entry or event. All keys carry the store's hash tag, so in
// Redis Cluster they sit on one slot and a script may touch all of them. Each change is
// also published on the channel "<events key>:live" for live screens as a LiveEvent in
// JSON (Pub/Sub: those not listening miss it; the stream is what keeps it).

// reserveScript: the first step of creation. If the sender's message was seen before,
// return the ticket it made; otherwise draw the next number of the day that no ticket
// holds. The counter can go back (an append-only file restored to a moment before a
// crash, a failover to a replica that lagged), and a number it gives twice would open
// someone else's complaint: a number whose ticket exists is passed over and the next one
// drawn, in the same step. The ticket keys are built here from ARGV[2] and the number;
// they carry the store's hash tag, so they sit on the script's slot.
//
//	KEYS[1] idempotency key   KEYS[2] the day's sequence
//	ARGV[1] ticket id prefix ("QF-20260302-")  ARGV[2] ticket key prefix ("qf:{main}:t:")
//	ARGV[3] "touch" to rewrite the idempotency key of a seen message, so that a WAIT or
//	        WAITAOF on this connection also covers the first delivery's writes
//	returns {0, existing id} or {1, number}
var reserveScript = redis.NewScript(`
local existing = redis.call('GET', KEYS[1])
if existing then
  if ARGV[3] == 'touch' then redis.call('SET', KEYS[1], existing, 'KEEPTTL') end
  return {0, existing}
end
while true do
  local n = redis.call('INCR', KEYS[2])
  if redis.call('EXISTS', ARGV[2] .. ARGV[1] .. string.format('%06d', n)) == 0 then return {1, n} end
end
`)

// createScript stores a new ticket, its first audit entry, its indexes, its figures
// counters and a "created" event, unless a concurrent delivery of the same message got
// there first, or the ticket's number was taken meanwhile (the counter went back
// between the two steps): then nothing is written and the caller draws again.
//
//	KEYS[1] idempotency key  KEYS[2] ticket hash  KEYS[3] audit list  KEYS[4] event stream
//	KEYS[5] due index  KEYS[6] the category's fingerprint index  KEYS[7] the day's figures
//	KEYS[8..] indexes
//	ARGV[1] id  ARGV[2] audit entry (JSON)  ARGV[3] index score  ARGV[4] due score or ""
//	ARGV[5] fingerprint member ("<fingerprint>:<id>")  ARGV[6] live message  ARGV[7] n
//	ARGV[8..7+n] figures fields (tally)  ARGV[8+n..] ticket field/value pairs
//	returns {1, id} when created, {0, existing id} when the message had made one already,
//	{2, id} when a ticket with that id exists
var createScript = redis.NewScript(tallyLua + `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return {2, ARGV[1]} end
local n = tonumber(ARGV[7])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 8 + n))
redis.call('RPUSH', KEYS[3], ARGV[2])
for i = 8, #KEYS do redis.call('ZADD', KEYS[i], ARGV[3], ARGV[1]) end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1]) end
redis.call('ZADD', KEYS[6], ARGV[3], ARGV[5])
tally(KEYS[7], KEYS[2], '', 1, ARGV, 8, 7 + n)
redis.call('XADD', KEYS[4], '*', 'type', 'created', 'id', ARGV[1])
redis.call('PUBLISH', KEYS[4] .. ':live', ARGV[6])
return {1, ARGV[1]}
`)

// moveScript applies one lifecycle move if the ticket is still at the version the
// caller read it at; otherwise nothing changes and the caller gets a conflict. The
// ticket's figures counters move with it, and the notice the move owes the reporter,
// if any, is queued with it (notices.go).
//
//	KEYS[1] ticket hash  KEYS[2] audit list  KEYS[3] event stream  KEYS[4] due index
//	KEYS[5] the figures of the ticket's creation day
//	KEYS[6] notice record  KEYS[7] the ticket's notices  KEYS[8] notice counters of its creation day
//	KEYS[9 .. 8+r] indexes to leave  KEYS[9+r ..] indexes to join
//	ARGV[1] expected version  ARGV[2] id  ARGV[3] r  ARGV[4] index score
//	ARGV[5] audit entry (JSON)  ARGV[6] due score, or "" to leave the due index
//	ARGV[7] action  ARGV[8] old deadline  ARGV[9] new deadline  ARGV[10] a  ARGV[11] b
//	ARGV[12] live message  ARGV[13] notice id or ""  ARGV[14] m  ARGV[15 .. 14+m] notice fields
//	ARGV[15+m .. 14+m+a] old tally  ARGV[15+m+a .. 14+m+a+b] new tally
//	ARGV[15+m+a+b ..] field/value pairs to set (the new version among them)
//	returns {1} when applied, {0, current version} on conflict, {-1} when missing
var moveScript = redis.NewScript(tallyLua + queueNoticeLua + `
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return {-1} end
if v ~= ARGV[1] then return {0, v} end
local r = tonumber(ARGV[3])
local a, b = tonumber(ARGV[10]), tonumber(ARGV[11])
local t = 15 + tonumber(ARGV[14])
for i = 9, 8 + r do redis.call('ZREM', KEYS[i], ARGV[2]) end
for i = 9 + r, #KEYS do redis.call('ZADD', KEYS[i], ARGV[4], ARGV[2]) end
if ARGV[6] == '' then redis.call('ZREM', KEYS[4], ARGV[2]) else redis.call('ZADD', KEYS[4], ARGV[6], ARGV[2]) end
tally(KEYS[5], KEYS[1], ARGV[8], -1, ARGV, t, t - 1 + a)
tally(KEYS[5], KEYS[1], ARGV[9], 1, ARGV, t + a, t - 1 + a + b)
redis.call('HSET', KEYS[1], unpack(ARGV, t + a + b))
redis.call('RPUSH', KEYS[2], ARGV[5])
redis.call('XADD', KEYS[3], '*', 'type', 'moved', 'id', ARGV[2], 'action', ARGV[7])
queue_notice(KEYS[6], KEYS[7], KEYS[8], KEYS[3], ARGV[2], ARGV, 13)
redis.call('PUBLISH', KEYS[3] .. ':live', ARGV[12])
return {1}
`)

// warnScript records a deadline warning once, however many scanners see it: the marker
// and the event are written together, and only by the scanner that set the marker. A
// red warning (overdue) also marks the ticket late on this deadline and adds its
// overdue counters, so only if the ticket is still as the scanner read it.
//
//	KEYS[1] marker (ticket, level, deadline)  KEYS[2] event stream  KEYS[3] ticket hash
//	KEYS[4] the figures of the ticket's creation day
//	ARGV[1] id  ARGV[2] level  ARGV[3] marker lifetime (seconds)  ARGV[4] version read
//	ARGV[5] deadline  ARGV[6] live message  ARGV[7..] the overdue counters (lateTally)
//	returns 1 when this call recorded the warning, 0 when it was recorded before,
//	-1 when the ticket changed since it was read (the next pass looks again)
var warnScript = redis.NewScript(`
if ARGV[2] == 'red' and redis.call('HGET', KEYS[3], 'version') ~= ARGV[4] then return -1 end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then return 0 end
if ARGV[2] == 'red' then
  redis.call('HSET', KEYS[3], 'late_due', ARGV[5])
  for i = 7, #ARGV do redis.call('HINCRBY', KEYS[4], ARGV[i], 1) end
end
redis.call('XADD', KEYS[2], '*', 'type', 'warning', 'id', ARGV[1], 'level', ARGV[2])
redis.call('PUBLISH', KEYS[2] .. ':live', ARGV[6])
return 1
`)

// searchScript intersects term indexes and returns the newest tickets, in one step and
// without leaving the intersection behind.
//
//	KEYS[1] scratch key  KEYS[2..] term indexes  ARGV[1] limit
var searchScript = redis.NewScript(`
redis.call('ZINTERSTORE', KEYS[1], #KEYS - 1, unpack(KEYS, 2))
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('DEL', KEYS[1])
return ids
`)

// appendScript adds to a ticket's history without moving it (a view of the reporter's
// identity, a supplement), version-checked like a move so the audit chain never forks.
// A supplement also bumps the ticket in its queue (supplements.go).
//
//	KEYS[1] ticket hash  KEYS[2] audit list  KEYS[3] event stream  KEYS[4] supplemented index
//	KEYS[5] supplement list
//	ARGV[1] expected version  ARGV[2] id  ARGV[3] live message  ARGV[4] now (ms)  ARGV[5] audit entry (JSON)
//	ARGV[6] unused  ARGV[7] action  ARGV[8] supplement text or ""  ARGV[9..] fields to set
//	returns {1} when applied, {0, current version} on conflict, {-1} when missing
var appendScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return {-1} end
if v ~= ARGV[1] then return {0, v} end
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('RPUSH', KEYS[2], ARGV[5])
if ARGV[8] ~= '' then
  redis.call('RPUSH', KEYS[5], ARGV[8])
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
end
redis.call('XADD', KEYS[3], '*', 'type', 'moved', 'id', ARGV[2], 'action', ARGV[7])
redis.call('PUBLISH', KEYS[3] .. ':live', ARGV[3])
return {1}
`)

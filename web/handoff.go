package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A person when asked (转人工). The message that asks puts the conversation in the live
// queue; a member of the intake office takes it (one at a time), reads what was said,
// and writes to the citizen on the citizen's own channel while the bot stays quiet: every
// channel asks handoffOf before it runs the dialogue. Staff hand the conversation back
// to the bot, or file its report themselves with the transcript as the ticket's text.
//
// Keys (web namespace), each open handoff's living Config.SessionTTL after its last line:
//
//	web:handoff:queue                 sorted set: open handoffs (waiting or taken) by when they were asked for (ms)
//	web:handoff:<id>                  hash: channel, conv, state (waiting|taken), taker, asked, taken (ms),
//	                                  urgent, contact (an SMS sender's number, sealed), seq (lines so far)
//	web:handoff:<id>:lines            list of "FLAG:SEQ:SEALED": what was said, each line sealed with the
//	                                  keyring and bound to the handoff; FLAG "p" marks a line that answered
//	                                  an identity question (left out of a filed ticket's text), else "-"
//	web:handoff:conv:<channel>:<conv> the open handoff of a conversation: what a channel checks
//	web:handoff:out:<channel>:<conv>  staff messages to an SMS citizen, sealed and bound to the key, sent
//	                                  with the reply to the citizen's next message
//
// A conversation is named by what keys its bot session (conv): a web session id, or the
// keyed hash of an SMS number or a WeChat openid. Nothing here is ever in the clear.

// Handoff states.
const (
	handoffWaiting = "waiting"
	handoffTaken   = "taken"
)

// handoffCap is how many lines of a handoff are kept.
const handoffCap = 500

// Who says a line of a handoff.
const (
	saidByCitizen = "citizen"
	saidByBot     = "bot"
	saidByStaff   = "staff"
)

// handoff is an open handoff as the console lists it.
type handoff struct {
	ID      string    `json:"id"`
	Channel string    `json:"channel"`
	State   string    `json:"state"`
	Taker   string    `json:"taker,omitempty"`
	Asked   time.Time `json:"asked_at"`
	Taken   time.Time `json:"taken_at,omitzero"`
	Urgent  bool      `json:"urgent"`
	Seq     int64     `json:"seq"`

	conv    string // the conversation's key
	contact string // sealed
}

// handoffLine is one thing said while the conversation is with a person, or before.
type handoffLine struct {
	Seq  int64  `json:"seq"`
	From string `json:"from"`         // citizen, bot, staff
	By   string `json:"by,omitempty"` // the member of staff
	Text string `json:"text"`
	At   string `json:"at,omitempty"` // RFC 3339; lines from before the handoff have none

	private bool
}

func (s *Server) handoffKey(id string) string      { return s.key("handoff", id) }
func (s *Server) handoffLinesKey(id string) string { return s.key("handoff", id, "lines") }
func (s *Server) handoffConvKey(channel, conv string) string {
	return s.key("handoff", "conv", channel, conv)
}
func (s *Server) handoffOutKey(channel, conv string) string {
	return s.key("handoff", "out", channel, conv)
}
func (s *Server) handoffQueueKey() string { return s.key("handoff", "queue") }

// handoffLineContext binds a sealed line to its handoff.
func handoffLineContext(id string) string { return "handoff:" + id }

// openHandoffScript puts a conversation in the live queue, unless it is there already.
// The open handoff's hash key is built here from ARGV[8] and its id; it carries the
// namespace's hash tag, so it sits on the script's slot.
//
//	KEYS[1] conversation's handoff  KEYS[2] queue  KEYS[3] the new handoff's hash
//	ARGV[1] new id  ARGV[2] channel  ARGV[3] conv  ARGV[4] now (ms)  ARGV[5] urgent ("1" or "")
//	ARGV[6] sealed contact or ""  ARGV[7] ttl (ms)  ARGV[8] handoff hash prefix
//	returns {1, id} when opened, {0, id} for the conversation's open handoff
var openHandoffScript = redis.NewScript(`
local open = redis.call('GET', KEYS[1])
if open and redis.call('EXISTS', ARGV[8] .. open) == 1 then return {0, open} end
redis.call('HSET', KEYS[3], 'channel', ARGV[2], 'conv', ARGV[3], 'state', 'waiting', 'asked', ARGV[4],
  'urgent', ARGV[5], 'contact', ARGV[6], 'seq', 0)
redis.call('PEXPIRE', KEYS[3], ARGV[7])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return {1, ARGV[1]}
`)

// takeHandoffScript gives a waiting handoff to one member of staff; taking one's own
// again changes nothing.
//
//	KEYS[1] handoff hash  ARGV[1] member of staff  ARGV[2] now (ms)
//	returns {1} when taken, {0, taker} when someone else has it, {-1} when it is gone
var takeHandoffScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'state', 'taker')
if not st[1] then return {-1} end
if st[1] == 'taken' then
  if st[2] == ARGV[1] then return {1} end
  return {0, st[2]}
end
redis.call('HSET', KEYS[1], 'state', 'taken', 'taker', ARGV[1], 'taken', ARGV[2])
return {1}
`)

// handoffLinesScript numbers and keeps lines of a handoff and keeps it open for another
// ttl. A member of staff may write only to a handoff they have taken; the citizen's
// lines ("" for the writer) are kept whoever has it.
//
//	KEYS[1] handoff hash  KEYS[2] lines  KEYS[3] conversation's handoff
//	ARGV[1] member of staff or ""  ARGV[2] cap  ARGV[3] ttl (ms)  ARGV[4..] "FLAG:SEALED"
//	returns the last line's number, 0 when the writer does not have the handoff, -1 when
//	it is gone
var handoffLinesScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'state', 'taker')
if not st[1] then return -1 end
if ARGV[1] ~= '' and (st[1] ~= 'taken' or st[2] ~= ARGV[1]) then return 0 end
local n = 0
for i = 4, #ARGV do
  n = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('RPUSH', KEYS[2], string.sub(ARGV[i], 1, 2) .. n .. ':' .. string.sub(ARGV[i], 3))
end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return n
`)

// closeHandoffScript ends a handoff: its taker hands it back or has filed its report, or
// the citizen leaves while nobody has taken it yet ("" for the closer).
//
//	KEYS[1] handoff hash  KEYS[2] lines  KEYS[3] conversation's handoff  KEYS[4] queue
//	ARGV[1] member of staff or ""  ARGV[2] id
//	returns 1 when closed, 0 when the closer may not close it, -1 when it is gone
var closeHandoffScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'state', 'taker')
if not st[1] then
  redis.call('ZREM', KEYS[4], ARGV[2])
  return -1
end
if ARGV[1] == '' then
  if st[1] ~= 'waiting' then return 0 end
elseif st[1] ~= 'taken' or st[2] ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
redis.call('ZREM', KEYS[4], ARGV[2])
return 1
`)

// drainScript takes every message waiting for an SMS citizen, at once.
//
//	KEYS[1] waiting messages
var drainScript = redis.NewScript(`
local out = redis.call('LRANGE', KEYS[1], 0, -1)
if #out > 0 then redis.call('DEL', KEYS[1]) end
return out
`)

// Errors of handoff moves, mapped to HTTP by the console's handlers.
var (
	errHandoffGone   = errors.New("handoff: no such open handoff")
	errHandoffNotYou = errors.New("handoff: another member of staff has it, or nobody has taken it")
)

// openHandoff puts the conversation in the live queue with what was said so far, and
// tells the console. A conversation already queued keeps its handoff and gets the lines.
func (s *Server) openHandoff(ctx context.Context, channel, conv, contact string, urgent bool, lines []handoffLine) (string, error) {
	id, err := newToken() // random: the console's name for it tells nothing of the conversation
	if err != nil {
		return "", err
	}
	sealedContact := ""
	if contact != "" {
		if sealedContact, err = s.cfg.Keys.Seal([]byte(contact), s.handoffKey(id)); err != nil {
			return "", fmt.Errorf("seal handoff contact: %w", err)
		}
	}
	res, err := openHandoffScript.Run(ctx, s.rdb, []string{s.handoffConvKey(channel, conv), s.handoffQueueKey(), s.handoffKey(id)},
		id, channel, conv, s.cfg.Now().UnixMilli(), oneIf(urgent), sealedContact, s.cfg.SessionTTL.Milliseconds(), s.handoffKey("")).Slice()
	if err != nil {
		return "", unavailable(fmt.Errorf("open handoff: %w", err))
	}
	id = res[1].(string)
	if res[0].(int64) == 1 {
		s.announceHandoff(ctx, id, "opened", 0)
	}
	if _, err := s.addHandoffLines(ctx, &handoff{ID: id, Channel: channel, conv: conv}, "", lines); err != nil {
		return "", err
	}
	return id, nil
}

// handoffOf is the open handoff of a conversation, or "".
func (s *Server) handoffOf(ctx context.Context, channel, conv string) (string, error) {
	id, err := s.rdb.Get(ctx, s.handoffConvKey(channel, conv)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", unavailable(fmt.Errorf("read handoff: %w", err))
	}
	return id, nil
}

// addHandoffLines keeps lines of handoff h, written by the member of staff by (or the
// citizen, ""), and tells the console. It returns the last line's number.
func (s *Server) addHandoffLines(ctx context.Context, h *handoff, by string, lines []handoffLine) (int64, error) {
	if len(lines) == 0 {
		return 0, nil
	}
	if s.cfg.Keys == nil {
		return 0, errNoKeyring
	}
	args := []any{by, handoffCap, s.cfg.SessionTTL.Milliseconds()}
	for _, l := range lines {
		l.Seq = 0 // the list entry carries it
		raw, err := json.Marshal(l)
		if err != nil {
			return 0, fmt.Errorf("encode handoff line: %w", err)
		}
		sealed, err := s.cfg.Keys.Seal(raw, handoffLineContext(h.ID))
		if err != nil {
			return 0, fmt.Errorf("seal handoff line: %w", err)
		}
		mark := "-:"
		if l.private {
			mark = "p:"
		}
		args = append(args, mark+sealed)
	}
	n, err := handoffLinesScript.Run(ctx, s.rdb, []string{s.handoffKey(h.ID), s.handoffLinesKey(h.ID), s.handoffConvKey(h.Channel, h.conv)}, args...).Int64()
	switch {
	case err != nil:
		return 0, unavailable(fmt.Errorf("keep handoff lines: %w", err))
	case n == -1:
		return 0, errHandoffGone
	case n == 0:
		return 0, errHandoffNotYou
	}
	s.announceHandoff(ctx, h.ID, "line", n)
	return n, nil
}

// handoffRecord reads an open handoff.
func (s *Server) handoffRecord(ctx context.Context, id string) (*handoff, error) {
	h, err := s.rdb.HGetAll(ctx, s.handoffKey(id)).Result()
	if err != nil {
		return nil, unavailable(fmt.Errorf("read handoff: %w", err))
	}
	if len(h) == 0 {
		return nil, errHandoffGone
	}
	return decodeHandoff(id, h), nil
}

func decodeHandoff(id string, h map[string]string) *handoff {
	ms := func(v string) time.Time {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n)
	}
	seq, _ := strconv.ParseInt(h["seq"], 10, 64)
	return &handoff{ID: id, Channel: h["channel"], State: h["state"], Taker: h["taker"], Asked: ms(h["asked"]),
		Taken: ms(h["taken"]), Urgent: h["urgent"] == "1", Seq: seq, conv: h["conv"], contact: h["contact"]}
}

// openHandoffs lists the live queue, the longest waiting first. Handoffs that expired
// leave the queue here.
func (s *Server) openHandoffs(ctx context.Context) ([]*handoff, error) {
	ids, err := s.rdb.ZRange(ctx, s.handoffQueueKey(), 0, queueLimit-1).Result()
	if err != nil {
		return nil, unavailable(fmt.Errorf("read handoff queue: %w", err))
	}
	pipe := s.rdb.Pipeline()
	reads := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		reads[i] = pipe.HGetAll(ctx, s.handoffKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(fmt.Errorf("read handoffs: %w", err))
	}
	out := []*handoff{}
	var gone []any
	for i, id := range ids {
		if h := reads[i].Val(); len(h) > 0 {
			out = append(out, decodeHandoff(id, h))
		} else {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := s.rdb.ZRem(ctx, s.handoffQueueKey(), gone...).Err(); err != nil {
			s.log.Warn("expired handoffs left in the queue", "err", err)
		}
	}
	return out, nil
}

// handoffLines reads the kept lines after seq, oldest first. A line that does not open
// is left out.
func (s *Server) handoffLines(ctx context.Context, id string, after int64) ([]handoffLine, error) {
	raw, err := s.rdb.LRange(ctx, s.handoffLinesKey(id), 0, -1).Result()
	if err != nil {
		return nil, unavailable(fmt.Errorf("read handoff lines: %w", err))
	}
	out := []handoffLine{}
	for _, entry := range raw {
		parts := strings.SplitN(entry, ":", 3)
		if len(parts) != 3 {
			continue
		}
		seq, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || seq <= after {
			continue
		}
		plain, err := s.cfg.Keys.Open(parts[2], handoffLineContext(id))
		var l handoffLine
		if err != nil || json.Unmarshal(plain, &l) != nil {
			s.log.Warn("a handoff line does not open")
			continue
		}
		l.Seq, l.private = seq, parts[0] == "p"
		out = append(out, l)
	}
	return out, nil
}

// takeHandoff gives the handoff to the member of staff by.
func (s *Server) takeHandoff(ctx context.Context, id, by string) error {
	res, err := takeHandoffScript.Run(ctx, s.rdb, []string{s.handoffKey(id)}, by, s.cfg.Now().UnixMilli()).Slice()
	if err != nil {
		return unavailable(fmt.Errorf("take handoff: %w", err))
	}
	switch res[0].(int64) {
	case -1:
		return errHandoffGone
	case 0:
		return errHandoffNotYou
	}
	s.announceHandoff(ctx, id, "taken", 0)
	return nil
}

// closeHandoff ends the handoff h, closed by its taker by (or by the citizen, "").
func (s *Server) closeHandoff(ctx context.Context, h *handoff, by string) error {
	n, err := closeHandoffScript.Run(ctx, s.rdb, []string{s.handoffKey(h.ID), s.handoffLinesKey(h.ID),
		s.handoffConvKey(h.Channel, h.conv), s.handoffQueueKey()}, by, h.ID).Int64()
	switch {
	case err != nil:
		return unavailable(fmt.Errorf("close handoff: %w", err))
	case n == -1:
		return errHandoffGone
	case n == 0:
		return errHandoffNotYou
	}
	s.announceHandoff(ctx, h.ID, "closed", 0)
	return nil
}

// queueForSMS keeps messages for an SMS citizen until their next message's reply.
func (s *Server) queueForSMS(ctx context.Context, conv string, texts []string) error {
	key := s.handoffOutKey("sms", conv)
	args := make([]any, len(texts))
	for i, t := range texts {
		sealed, err := s.cfg.Keys.Seal([]byte(t), key)
		if err != nil {
			return fmt.Errorf("seal sms message: %w", err)
		}
		args[i] = sealed
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, key, args...)
		p.PExpire(ctx, key, s.cfg.SessionTTL)
		return nil
	})
	if err != nil {
		return unavailable(fmt.Errorf("keep sms messages: %w", err))
	}
	return nil
}

// drainSMS takes the messages waiting for an SMS citizen.
func (s *Server) drainSMS(ctx context.Context, conv string) ([]string, error) {
	key := s.handoffOutKey("sms", conv)
	sealed, err := drainScript.Run(ctx, s.rdb, []string{key}).StringSlice()
	if err != nil {
		return nil, unavailable(fmt.Errorf("take sms messages: %w", err))
	}
	out := make([]string, 0, len(sealed))
	for _, v := range sealed {
		plain, err := s.cfg.Keys.Open(v, key)
		if err != nil {
			s.log.Warn("a waiting sms message does not open")
			continue
		}
		out = append(out, string(plain))
	}
	return out, nil
}

// handoffEvent is what the console's live connection is told of a handoff: never what
// was said (Pub/Sub carries nothing sealed), only that there is something to read.
type handoffEvent struct {
	Event string `json:"event"` // "handoff"
	ID    string `json:"id"`
	What  string `json:"what"` // opened, taken, line, closed
	Seq   int64  `json:"seq,omitempty"`
}

// handoffPrefix marks a live message about a handoff ("handoff {json}").
const handoffPrefix = "handoff "

// announceHandoff tells every instance's console; live messages reach only those
// listening, so a failure is logged and the console catches up at its next read.
func (s *Server) announceHandoff(ctx context.Context, id, what string, seq int64) {
	if s.live == nil {
		return
	}
	b, _ := json.Marshal(handoffEvent{Event: "handoff", ID: id, What: what, Seq: seq})
	if err := s.live.Announce(ctx, handoffPrefix+string(b)); err != nil {
		s.log.Warn("handoff not announced", "what", what, "err", err)
	}
}

// oneIf is a flag as the scripts keep it.
func oneIf(b bool) string {
	if b {
		return "1"
	}
	return ""
}

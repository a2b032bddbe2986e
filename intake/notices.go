package intake

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

// Notices are what a reporter is told outside the status page (事事有回音). A move that
// owes the reporter word queues a notice in its own script (moveScript): the notice
// record, the ticket's list of notices and a "notice" event on the events stream. The
// outbox (web/outbox.go) reads the stream through the consumer group "outbox" on any
// instance, sends, and records each outcome here in one script, with its audit entry.
//
// Who is told what (DOMAIN.md, reporter protection):
//   - acceptance, rejection and the result after conclusion: real-name reporters;
//   - a staff reply and any message staff write: every reporter who can be reached.
//
// A reporter can be reached on the channel they came by: an SMS reporter (anonymous
// ones too) on the number it came from, a WeChat reporter through the Official
// Account, a hotline caller or web reporter who gave a phone by SMS. An anonymous web
// reporter has the status page only. Where to reach them is sealed with the ticket
// (Ticket.Reach) and opened only to send (ClaimNotice); staff never see it.
//
// Keys (under qf:{<namespace>}:):
//
//	notice:<id>      hash: the notice record; <id> is the ticket's number and the audit
//	                 sequence of the move that queued it (QF-20260302-000001-3), so it is
//	                 also the gateway's idempotency key
//	t:<id>:notices   list: the ticket's notice ids, oldest first
//	notices:later    sorted set: notices waiting for a retry or for quiet hours to end,
//	                 by when (unix ms)
//	notices:dead     list: notices given up on (dead letters), oldest first
//	nfig:YYYYMMDD    hash: notice counters of the tickets created that day (figures)
//
// A notice's states: queued → sending → sent → delivered or undelivered (the gateway's
// receipt); sending → waiting (a retry's backoff, quiet hours) → queued again; sending
// → dead after the last try, or at once when it cannot be sent at all.

// NoticeKind is why the reporter is told.
type NoticeKind string

const (
	NoticeAccepted NoticeKind = "accepted" // 受理
	NoticeRejected NoticeKind = "rejected" // 不予受理, with the reason
	NoticeResult   NoticeKind = "result"   // 办结, with the finding
	NoticeReply    NoticeKind = "reply"    // the staff reply
	NoticeMessage  NoticeKind = "message"  // a message staff wrote to the reporter
)

// NoticeState is where a notice is.
type NoticeState string

const (
	NoticeQueued      NoticeState = "queued"
	NoticeSending     NoticeState = "sending"
	NoticeWaiting     NoticeState = "waiting"
	NoticeSent        NoticeState = "sent"
	NoticeDelivered   NoticeState = "delivered"
	NoticeUndelivered NoticeState = "undelivered"
	NoticeDead        NoticeState = "dead"
)

// Final says whether nothing more will be sent for a notice in this state.
func (s NoticeState) Final() bool {
	return s == NoticeSent || s == NoticeDelivered || s == NoticeUndelivered || s == NoticeDead
}

// Notice channels.
const (
	NoticeSMS    = "sms"
	NoticeWechat = "wechat"
)

// Notice is one message owed to a reporter, as its record holds it.
type Notice struct {
	ID      string
	Ticket  string
	Kind    NoticeKind
	Channel string // sms or wechat
	Urgent  bool   // an urgent ticket's notices are not held for quiet hours
	Detail  string // the reason, the finding, the reply or the message
	State   NoticeState
	Tries   int
	// Limit names the time limit of limits.yaml the notice must go out within
	// (accept_notice, result_notice), counted from From; "" when it has none.
	Limit      string
	From       Date
	QueuedAt   time.Time
	NextAt     time.Time // when a waiting notice is due again
	SentAt     time.Time
	ReceiptAt  time.Time
	Sender     string // which sender took it: gateway, twilio, wechat
	ProviderID string // the provider's id of the message, when it gives one
	Error      string // the last failure, in English, without personal data
	day        string // the ticket's creation day, whose counters it adds to
}

// ActMessage is a message staff write to the reporter: recorded in the history (the
// note is the message) and sent as a notice; the ticket's status does not change.
// ActNotified records a notice that went out, or the gateway's receipt for it (已告知),
// and one given up on.
const (
	ActMessage  Action = "message"
	ActNotified Action = "notified"
)

// reachChannel is the channel a ticket's reporter is told on.
func reachChannel(ticketChannel string) string {
	if ticketChannel == "wechat" {
		return NoticeWechat
	}
	return NoticeSMS
}

func reachContext(source string) string { return "reach\x00" + source }

// sealReach seals where the reporter of r can be reached, "" when nowhere: an SMS's
// number (anonymous or not), a WeChat conversation, or the phone a real-name reporter
// gave on another channel.
func (in *Intake) sealReach(r Report, source string) (string, error) {
	to := ""
	switch {
	case r.Channel == "wechat":
		to = r.Conversation
	case r.Channel == "sms" || !r.Anonymous:
		to = strings.TrimSpace(r.Phone)
	}
	if to == "" {
		return "", nil
	}
	sealed, err := in.keys.Seal([]byte(to), reachContext(source))
	if err != nil {
		return "", fmt.Errorf("seal the reporter's contact: %w", err)
	}
	return sealed, nil
}

func (s *Store) noticeKey(id string) string         { return s.key("notice", id) }
func (s *Store) noticeListKey(ticket string) string { return s.key("t", ticket, "notices") }
func (s *Store) noticeDayKey(ymd string) string     { return s.key("nfig", ymd) }
func (s *Store) noticesLaterKey() string            { return s.key("notices", "later") }
func (s *Store) noticesDeadKey() string             { return s.key("notices", "dead") }

func ymdOf(d Date) string                      { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }
func noticeID(ticket string, seq int64) string { return ticket + "-" + strconv.FormatInt(seq, 10) }
func noticeDetailField(id string) string       { return "notice:" + id }
func msOf(t time.Time) string                  { return strconv.FormatInt(t.UnixMilli(), 10) }

// fromMS reads a time kept as unix milliseconds; "" or 0 is the zero time.
func fromMS(v string) time.Time {
	n, _ := strconv.ParseInt(v, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// noticeFor decides whether the move from t to next (action, with its audit note) owes
// the reporter a notice, and which.
func (s *Store) noticeFor(t, next *Ticket, action Action, note string) (kind NoticeKind, detail, limit string, from Date, ok bool) {
	if t.Reach == "" {
		return "", "", "", Date{}, false // an anonymous web reporter: the status page only
	}
	switch action {
	case ActAccept:
		kind, limit, from = NoticeAccepted, "accept_notice", DateOf(t.CreatedAt)
	case ActReject:
		kind, limit, from = NoticeRejected, "accept_notice", DateOf(t.CreatedAt)
		for _, r := range s.outcomes.RejectReasons {
			if strings.HasPrefix(note, r) {
				detail = r // the coded reason; the rest of the note is for staff
			}
		}
	case ActConclude:
		kind, detail, limit, from = NoticeResult, next.Finding, "result_notice", DateOf(next.UpdatedAt)
	case ActReply:
		return NoticeReply, next.Reply, "", Date{}, true
	case ActMessage:
		return NoticeMessage, note, "", Date{}, true
	default:
		return "", "", "", Date{}, false
	}
	// Acceptance, rejection and the result are owed to real-name reporters (DOMAIN.md).
	return kind, detail, limit, from, t.RealName
}

// noticePart is what a move's script needs to queue the notice the move owes: its keys
// (always given, so the script's keys stay the same) and its arguments (an empty id when
// none is owed). seq is the audit sequence of the move's entry.
func (s *Store) noticePart(t, next *Ticket, action Action, note string, seq int64) (keys []string, args []any, err error) {
	id := noticeID(t.ID, seq)
	keys = []string{s.noticeKey(id), s.noticeListKey(t.ID), s.noticeDayKey(ymdOf(DateOf(t.CreatedAt)))}
	kind, detail, limit, from, ok := s.noticeFor(t, next, action, note)
	if !ok {
		return keys, []any{"", 0}, nil
	}
	if detail, err = s.sealValue(t.ID, noticeDetailField(id), detail); err != nil {
		return nil, nil, err
	}
	fromText := ""
	if limit != "" {
		fromText = from.String()
	}
	fields := []any{"id", id, "ticket", t.ID, "kind", string(kind), "channel", reachChannel(t.Channel),
		"urgent", strconv.FormatBool(t.Urgent), "detail", detail, "state", string(NoticeQueued), "tries", 0,
		"limit", limit, "from", fromText, "queued_at", msOf(next.UpdatedAt), "day", ymdOf(DateOf(t.CreatedAt))}
	return keys, append([]any{id, len(fields)}, fields...), nil
}

// queueNoticeLua is the part of a move's script that queues its notice.
//
//	queue_notice(record, list, counters, events, ticket id, args, at): args[at] is the
//	notice id ("" when the move owes none), args[at+1] the number m of record fields,
//	args[at+2 .. at+1+m] the record's field/value pairs. Returns the index after them.
//	The event names the notice's channel and urgency, so a sender can hold it for
//	quiet hours without reading it.
const queueNoticeLua = `
local function queue_notice(record, list, counters, events, id, args, at)
  local nid, m = args[at], tonumber(args[at + 1])
  if nid ~= '' then
    redis.call('HSET', record, unpack(args, at + 2, at + 1 + m))
    redis.call('RPUSH', list, nid)
    redis.call('HINCRBY', counters, 'queued', 1)
    local h = redis.call('HMGET', record, 'channel', 'urgent')
    redis.call('XADD', events, '*', 'type', 'notice', 'id', id, 'notice', nid, 'channel', h[1], 'urgent', h[2])
  end
  return at + 2 + m
end
`

// Notice reads a notice record, its detail opened.
func (s *Store) Notice(ctx context.Context, id string) (*Notice, error) {
	h, err := s.rdb.HGetAll(ctx, s.noticeKey(id)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	if len(h) == 0 {
		return nil, errorf(CodeNotFound, "no notice %s", id)
	}
	return s.decodeNotice(h)
}

func (s *Store) decodeNotice(h map[string]string) (*Notice, error) {
	n := &Notice{ID: h["id"], Ticket: h["ticket"], Kind: NoticeKind(h["kind"]), Channel: h["channel"], Urgent: h["urgent"] == "true",
		State: NoticeState(h["state"]), Limit: h["limit"], QueuedAt: fromMS(h["queued_at"]), NextAt: fromMS(h["next_at"]),
		SentAt: fromMS(h["sent_at"]), ReceiptAt: fromMS(h["receipt_at"]), Sender: h["sender"], ProviderID: h["provider_id"],
		Error: h["error"], day: h["day"]}
	n.Tries, _ = strconv.Atoi(h["tries"])
	if h["from"] != "" {
		var err error
		if n.From, err = ParseDate(h["from"]); err != nil {
			return nil, fmt.Errorf("notice %s: %w", n.ID, err)
		}
	}
	detail, err := s.openValue(n.Ticket, noticeDetailField(n.ID), h["detail"])
	if err != nil {
		return nil, err
	}
	n.Detail = detail
	return n, nil
}

// Notices lists a ticket's notices, oldest first.
func (s *Store) Notices(ctx context.Context, ticket string) ([]*Notice, error) {
	ids, err := s.rdb.LRange(ctx, s.noticeListKey(ticket), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.noticeKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, unavailable(err)
	}
	out := make([]*Notice, 0, len(ids))
	for _, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		n, err := s.decodeNotice(c.Val())
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// DeadNotices lists the ids of the notices given up on, oldest first (at most limit).
func (s *Store) DeadNotices(ctx context.Context, limit int64) ([]string, error) {
	ids, err := s.rdb.LRange(ctx, s.noticesDeadKey(), 0, limit-1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	return ids, nil
}

// The group of the events stream the outbox reads.
const OutboxGroup = "outbox"

// noticeTicket is the ticket a notice id belongs to (the id is the ticket's number and
// a sequence).
func noticeTicket(id string) string {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

// claimNoticeScript lets one worker send a notice: a queued notice, or one whose
// sender's lease ran out (the worker died mid-send). It counts the try, and answers in
// the same round trip all the send needs: the record, where it goes (sealed), and the
// head of the ticket's history, against which the send is recorded.
//
//	KEYS[1] notice  KEYS[2] its ticket's hash
//	ARGV[1] worker  ARGV[2] now (ms)  ARGV[3] lease end (ms)
//	returns {"ok", the record (HGETALL), the ticket's claimFields} when the caller may
//	send now, else {state}: the notice is past sending (sent, delivered, undelivered,
//	dead), waiting, "busy" (another worker holds it) or "missing"
var claimNoticeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'missing'} end
if st == 'sending' and (tonumber(redis.call('HGET', KEYS[1], 'lease_until')) or 0) > tonumber(ARGV[2]) then return {'busy'} end
if st ~= 'queued' and st ~= 'sending' then return {st} end
redis.call('HINCRBY', KEYS[1], 'tries', 1)
redis.call('HSET', KEYS[1], 'state', 'sending', 'owner', ARGV[1], 'lease_until', ARGV[3])
return {'ok', redis.call('HGETALL', KEYS[1]),
  redis.call('HMGET', KEYS[2], 'reach', 'source', 'version', 'status', 'audit_head', 'audit_seq', 'body', 'operator')}
`)

// Claim is what ClaimNotice found.
type Claim string

const (
	ClaimOK      Claim = "ok"      // send now
	ClaimBusy    Claim = "busy"    // another worker is sending it
	ClaimMissing Claim = "missing" // no such notice
)

// Claimed is a notice taken for sending: the record (its Tries count this one), and
// where it goes, opened: a phone number or a WeChat conversation ("" when the ticket
// keeps no contact). Only the sender opens it.
type Claimed struct {
	Notice *Notice
	To     string
	head   *Ticket // the ticket as the claim read it, for SettleClaimed
}

// ClaimNotice takes a notice for sending by worker for at most lease. It answers
// ClaimOK with what the send needs, ClaimBusy, ClaimMissing, or the notice's state when
// it is not to be sent now. A contact that will not open is an error with ClaimOK: the
// notice is taken, and that try fails.
func (s *Store) ClaimNotice(ctx context.Context, id, worker string, lease time.Duration) (Claim, Claimed, error) {
	now := s.now()
	res, err := claimNoticeScript.Run(ctx, s.rdb, []string{s.noticeKey(id), s.key("t", noticeTicket(id))},
		worker, now.UnixMilli(), now.Add(lease).UnixMilli()).Slice()
	if err != nil {
		return "", Claimed{}, unavailable(err)
	}
	c := Claim(res[0].(string))
	if c != ClaimOK {
		return c, Claimed{}, nil
	}
	flat, _ := res[1].([]any)
	h := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		h[k], _ = flat[i+1].(string)
	}
	var out Claimed
	if out.Notice, err = s.decodeNotice(h); err != nil {
		return c, out, err
	}
	tv, _ := res[2].([]any)
	if out.head, err = ticketHead(out.Notice.Ticket, tv[2:]); err != nil {
		return c, out, err
	}
	if sealed, _ := tv[0].(string); sealed != "" {
		if s.keys == nil {
			return c, out, errorf(CodeUnavailable, "the store has no keyring to open the reporter's contact")
		}
		source, _ := tv[1].(string)
		to, err := s.keys.Open(sealed, reachContext(source))
		if err != nil {
			return c, out, fmt.Errorf("notice %s: contact: %w", id, err)
		}
		out.To = string(to)
	}
	return c, out, nil
}

// headFields are the ticket's fields a notice's record needs: the version and history
// head it is written against, and what the live message tells (status, body, operator).
var headFields = []string{"version", "status", "audit_head", "audit_seq", "body", "operator"}

// ticketHead reads the values of headFields.
func ticketHead(id string, v []any) (*Ticket, error) {
	str := func(i int) string { x, _ := v[i].(string); return x }
	if len(v) < len(headFields) {
		return nil, errorf(CodeNotFound, "no ticket %s", id)
	}
	t := &Ticket{ID: id, Status: Status(str(1)), AuditHead: str(2), Body: str(4), Operator: str(5)}
	var err error
	if t.Version, err = strconv.ParseInt(str(0), 10, 64); err != nil {
		return nil, errorf(CodeNotFound, "no ticket %s", id)
	}
	if t.AuditSeq, err = strconv.ParseInt(str(3), 10, 64); err != nil {
		return nil, fmt.Errorf("ticket %s: audit_seq: %w", id, err)
	}
	return t, nil
}

// postponeNoticeScript puts a notice aside until a time: a queued one (quiet hours), or
// one being sent, by the worker that holds it (a retry after a failed try) or by any
// worker once the holder's lease ran out.
//
//	KEYS[1] notice  KEYS[2] notices:later
//	ARGV[1] id  ARGV[2] worker  ARGV[3] until (ms)  ARGV[4] the failure, or ""  ARGV[5] now (ms)
//	returns 1 when put aside, 0 when the notice is not the caller's to put aside
var postponeNoticeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if st == 'sending' then
  if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] and
     (tonumber(redis.call('HGET', KEYS[1], 'lease_until')) or 0) > tonumber(ARGV[5]) then return 0 end
elseif st ~= 'queued' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'waiting', 'next_at', ARGV[3], 'owner', '', 'lease_until', '')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`)

// PostponeNotice puts a notice aside until until: after a failed try by worker (why
// says what failed), or, why empty, for quiet hours. It answers whether it did: not
// when another worker holds it, or it is past sending.
func (s *Store) PostponeNotice(ctx context.Context, id, worker string, until time.Time, why string) (bool, error) {
	n, err := postponeNoticeScript.Run(ctx, s.rdb, []string{s.noticeKey(id), s.noticesLaterKey()}, id, worker, until.UnixMilli(), why,
		s.now().UnixMilli()).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

// promoteNoticesScript puts the notices whose wait is over back on the events stream,
// each once however many instances run it. The notice keys are built here from ARGV[3]
// and the ids; they carry the store's hash tag, so they sit on the script's slot.
//
//	KEYS[1] notices:later  KEYS[2] event stream
//	ARGV[1] now (ms)  ARGV[2] at most this many  ARGV[3] notice key prefix ("qf:{main}:notice:")
//	returns how many were put back
var promoteNoticesScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, nid in ipairs(ids) do
  redis.call('ZREM', KEYS[1], nid)
  local record = ARGV[3] .. nid
  if redis.call('HGET', record, 'state') == 'waiting' then
    redis.call('HSET', record, 'state', 'queued')
    local h = redis.call('HMGET', record, 'ticket', 'channel', 'urgent')
    redis.call('XADD', KEYS[2], '*', 'type', 'notice', 'id', h[1], 'notice', nid, 'channel', h[2], 'urgent', h[3])
  end
end
return #ids
`)

// PromoteNotices puts back on the stream the notices whose wait is over (at most limit).
func (s *Store) PromoteNotices(ctx context.Context, limit int) (int, error) {
	n, err := promoteNoticesScript.Run(ctx, s.rdb, []string{s.noticesLaterKey(), s.key("events")},
		s.now().UnixMilli(), limit, s.noticeKey("")).Int()
	if err != nil {
		return 0, unavailable(err)
	}
	return n, nil
}

// settleNoticeScript records what became of a notice (sent, dead, delivered,
// undelivered) with its audit entry on the ticket, once: the notice must be in one of
// the states the outcome may follow, and the ticket still at the version it was read
// at, so the history never forks. A dead or undelivered notice joins the dead letters;
// one sent after all leaves them. Live screens are told; the events stream is not, as
// no work follows from it.
//
//	KEYS[1] notice  KEYS[2] ticket hash  KEYS[3] audit list  KEYS[4] event stream (for its live channel)
//	KEYS[5] notice counters  KEYS[6] notices:dead
//	ARGV[1] expected ticket version  ARGV[2] ticket id  ARGV[3] notice id  ARGV[4] outcome
//	ARGV[5] the states it may follow, comma-separated  ARGV[6] audit entry (JSON)
//	ARGV[7] live message  ARGV[8] n  ARGV[9 .. 8+n] counters to add one to
//	ARGV[9+n] m  ARGV[10+n .. 9+n+m] notice fields to set  then the ticket's fields to set
//	returns 1 when recorded, 0 when the notice is past this (nothing written), -1 when the
//	ticket changed since it was read, -2 when the notice or the ticket is missing
var settleNoticeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return -2 end
if not string.find(',' .. ARGV[5] .. ',', ',' .. st .. ',', 1, true) then return 0 end
local v = redis.call('HGET', KEYS[2], 'version')
if not v then return -2 end
if v ~= ARGV[1] then return -1 end
local n = tonumber(ARGV[8])
local m = tonumber(ARGV[9 + n])
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'owner', '', 'lease_until', '')
if m > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 10 + n, 9 + n + m)) end
for i = 9, 8 + n do redis.call('HINCRBY', KEYS[5], ARGV[i], 1) end
if ARGV[4] == 'dead' or ARGV[4] == 'undelivered' then redis.call('RPUSH', KEYS[6], ARGV[3]) end
if st == 'dead' then
  redis.call('LREM', KEYS[6], 0, ARGV[3])
  redis.call('HINCRBY', KEYS[5], 'dead', -1)
end
redis.call('HSET', KEYS[2], unpack(ARGV, 10 + n + m))
redis.call('RPUSH', KEYS[3], ARGV[6])
redis.call('PUBLISH', KEYS[4] .. ':live', ARGV[7])
return 1
`)

// Outcome is what became of a notice, for SettleNotice.
type Outcome struct {
	State NoticeState // sent, dead, delivered or undelivered
	Actor string      // who records it, for the audit trail (the outbox, a gateway)
	Note  string      // the audit entry's note (已告知 …)
	At    time.Time   // when it happened (a receipt's time; else now)
	// Sent: which sender took it, the provider's id, and whether it went out within its
	// time limit (OnTime; only counted when the notice has a limit).
	Sender, ProviderID string
	OnTime             bool
	Error              string // dead: why, in English
}

// outcomeFollows lists the states each outcome may follow. A notice sent after a
// worker gave it up (its lease ran out meanwhile) is still sent.
var outcomeFollows = map[NoticeState]string{
	NoticeSent:        "queued,sending,waiting,dead",
	NoticeDead:        "queued,sending,waiting",
	NoticeDelivered:   "sent",
	NoticeUndelivered: "sent",
}

// ErrNoticePending is SettleNotice's answer to a receipt for a notice not yet recorded
// as sent (the gateway was quicker than the worker): the receipt should come again.
var ErrNoticePending = errors.New("the notice is not recorded as sent yet")

// SettleNotice records what became of notice id, with its audit entry. It answers
// recorded=false when the notice had already got past this (a second receipt, a send
// another worker recorded), ErrNoticePending for a receipt that came before the send
// was recorded, and CodeNotFound for an unknown notice.
func (s *Store) SettleNotice(ctx context.Context, id string, out Outcome) (recorded bool, err error) {
	return s.settleNotice(ctx, id, nil, nil, out)
}

// SettleClaimed is SettleNotice for a notice this worker claimed: it writes against
// the ticket as the claim read it, and reads again only if the ticket moved since.
func (s *Store) SettleClaimed(ctx context.Context, c Claimed, out Outcome) (recorded bool, err error) {
	return s.settleNotice(ctx, c.Notice.ID, c.Notice, c.head, out)
}

func (s *Store) settleNotice(ctx context.Context, id string, n *Notice, t *Ticket, out Outcome) (bool, error) {
	follows, ok := outcomeFollows[out.State]
	if !ok {
		return false, errorf(CodeInvalid, "a notice cannot become %q", out.State)
	}
	for attempt := 0; ; attempt++ {
		if n == nil || t == nil || attempt > 0 {
			var err error
			if n, t, err = s.noticeAndTicket(ctx, id); err != nil {
				return false, err
			}
		}
		res, err := s.settle(ctx, t, n, follows, out)
		switch {
		case err != nil:
			return false, err
		case res == -1 && attempt < 10:
			continue // the ticket moved meanwhile: record against its new version
		case res == -1:
			return false, errorf(CodeConflict, "ticket %s keeps changing", t.ID)
		case res == -2:
			return false, errorf(CodeNotFound, "no notice %s", id)
		case res == 0 && (out.State == NoticeDelivered || out.State == NoticeUndelivered) && !n.State.Final():
			return false, ErrNoticePending
		}
		return res == 1, nil
	}
}

// noticeAndTicket reads what settling a notice needs, in one round trip: of the notice,
// its ticket, state, limit and day; of the ticket, its head (headFields), not the
// sealed text, which a send has no need to open.
func (s *Store) noticeAndTicket(ctx context.Context, id string) (*Notice, *Ticket, error) {
	pipe := s.rdb.Pipeline()
	nc := pipe.HMGet(ctx, s.noticeKey(id), "ticket", "state", "limit", "day")
	tc := pipe.HMGet(ctx, s.key("t", noticeTicket(id)), headFields...)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, nil, unavailable(err)
	}
	str := func(v []any, i int) string { x, _ := v[i].(string); return x }
	nv := nc.Val()
	n := &Notice{ID: id, Ticket: str(nv, 0), State: NoticeState(str(nv, 1)), Limit: str(nv, 2), day: str(nv, 3)}
	if n.Ticket == "" {
		return nil, nil, errorf(CodeNotFound, "no notice %s", id)
	}
	t, err := ticketHead(n.Ticket, tc.Val())
	return n, t, err
}

func (s *Store) settle(ctx context.Context, t *Ticket, n *Notice, follows string, out Outcome) (int64, error) {
	now := s.now()
	at := out.At
	if at.IsZero() {
		at = now
	}
	next := *t
	next.Version, next.UpdatedAt = t.Version+1, now
	entry := NextAudit(t.ID, &AuditEntry{Seq: t.AuditSeq, Hash: t.AuditHead}, now, out.Actor, RoleSystem, ActNotified, t.Status, t.Status, out.Note)
	next.AuditHead, next.AuditSeq = entry.Hash, entry.Seq
	entryJSON, err := json.Marshal(entry)
	if err != nil {
		return 0, fmt.Errorf("encode audit entry: %w", err)
	}
	var counters []any
	var fields []any
	switch out.State {
	case NoticeSent:
		counters = append(counters, "sent")
		if n.Limit != "" {
			counters = append(counters, "limited_sent")
			if out.OnTime {
				counters = append(counters, "on_time")
			}
		}
		fields = append(fields, "sent_at", msOf(at), "sender", out.Sender, "provider_id", out.ProviderID)
	case NoticeDead:
		counters = append(counters, "dead")
		fields = append(fields, "error", out.Error, "dead_at", msOf(at))
	case NoticeDelivered:
		counters = append(counters, "delivered")
		fields = append(fields, "receipt_at", msOf(at))
	case NoticeUndelivered:
		counters = append(counters, "undelivered")
		fields = append(fields, "receipt_at", msOf(at))
	}
	keys := []string{s.noticeKey(n.ID), s.key("t", t.ID), s.key("t", t.ID, "audit"), s.key("events"), s.noticeDayKey(n.day), s.noticesDeadKey()}
	args := []any{t.Version, t.ID, n.ID, string(out.State), follows, entryJSON, liveMessage("moved", &next, string(ActNotified)), len(counters)}
	args = append(args, counters...)
	args = append(args, len(fields))
	args = append(args, fields...)
	args = append(args, "version", next.Version, "updated_at", next.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"audit_head", next.AuditHead, "audit_seq", next.AuditSeq)
	res, err := settleNoticeScript.Run(ctx, s.rdb, keys, args...).Int64()
	if err != nil {
		return 0, unavailable(err)
	}
	return res, nil
}

// NoticeDue is when a notice with a time limit must have gone out: the end of the
// last working day of its limit; zero when it has none.
func (sc *Scanner) NoticeDue(n *Notice) time.Time {
	days := map[string]int{"accept_notice": sc.limits.AcceptNotice, "result_notice": sc.limits.ResultNotice}[n.Limit]
	if days == 0 {
		return time.Time{}
	}
	return sc.cal.AddWorkingDays(n.From, days).EndOf()
}

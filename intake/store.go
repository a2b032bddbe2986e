package intake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/nlp"
)

// Store keeps tickets in Redis. Key layout, all under one hash tag so that every
// script's keys share a Cluster slot (prefix "qf:{main}:" for namespace "main"):
//
//	seq:YYYYMMDD          the day's ticket counter (ticket numbers QF-YYYYMMDD-NNNNNN)
//	idem:<source>         ticket id made from a sender's message or call id
//	t:<id>                ticket hash (fields of Ticket; what the reporter typed sealed, sealed.go)
//	t:<id>:supplements    the reporter's additions, each sealed
//	t:<id>:audit          list of audit entries, JSON, hash-chained
//	events                stream of created/moved events for the work that follows
//	due                   sorted set: open tickets by deadline (unix seconds)
//	all                   sorted set: every ticket by creation time
//	fp:<category>         sorted set of "<fingerprint>:<id>" by creation time (near-duplicates)
//	idx:<field>:<value>   sorted sets by creation time: status, mode, category,
//	                      channel, body, body_status ("<body>|<status>", a handler's
//	                      queues), phone (keyed hash), subject (key of the official),
//	                      word (the search index: one set per word, named by the
//	                      word's keyed hash; older builds named it by the word, as
//	                      term, until `qingfeng reseal` moves it)
//	fig:YYYYMMDD          the figures counters of the tickets created that day (tally.go)
//	crypto                hash: the suite of keyed hashes, recorded at first start (suites.go)
type Store struct {
	rdb         redis.UniversalClient
	prefix      string
	now         func() time.Time
	outcomes    Outcomes
	durability  Durability
	durableWait time.Duration
	keys        *Keyring // seals what reporters typed (sealed.go); nil: kept as given
}

// NewStore uses rdb (a single Redis, Sentinel or Cluster client) under namespace ns.
// now is the clock, injectable for tests.
func NewStore(rdb redis.UniversalClient, ns string, outcomes Outcomes, now func() time.Time, opts ...StoreOption) *Store {
	s := &Store{rdb: rdb, prefix: prefixOf(ns), now: now, outcomes: outcomes, durability: DurableNone}
	for _, o := range opts {
		o(s)
	}
	return s
}

func prefixOf(ns string) string { return "qf:{" + ns + "}:" }

func (s *Store) key(parts ...string) string { return s.prefix + strings.Join(parts, ":") }

func unavailable(err error) error {
	return &Error{Code: CodeUnavailable, Msg: "store unreachable", Err: err}
}

// openStatuses are those with a running deadline.
var openStatuses = map[Status]bool{StatusReceived: true, StatusAccepted: true, StatusRouted: true,
	StatusInProgress: true, StatusReported: true, StatusReturned: true, StatusReopened: true}

// indexes lists the index keys a ticket belongs to.
func (s *Store) indexes(t *Ticket) []string {
	idx := []string{s.key("all"), s.key("idx", "status", string(t.Status)), s.key("idx", "channel", t.Channel)}
	if t.Body != "" {
		idx = append(idx, s.key("idx", "body_status", t.Body+"|"+string(t.Status)))
	}
	for _, f := range []struct{ name, v string }{{"mode", t.Mode}, {"category", t.Category}, {"body", t.Body},
		{"phone", t.PhoneHash}, {"subject", t.SubjectKey}, {"urgent", map[bool]string{true: "yes"}[t.Urgent]},
		{"corrected", map[bool]string{true: "yes"}[t.Corrected]}} {
		if f.v != "" {
			idx = append(idx, s.key("idx", f.name, f.v))
		}
	}
	return idx
}

func dueScore(t *Ticket) string {
	if t.Due == (Date{}) || !openStatuses[t.Status] {
		return ""
	}
	return strconv.FormatInt(t.Due.EndOf().Unix(), 10)
}

// maxDraws bounds how many numbers one create tries when each it drew was taken
// meanwhile; the reserve script itself passes over every number already held.
const maxDraws = 5

// Create stores a new ticket made from the sender's message source (channel + message or
// call id). A second delivery of the same source returns the first ticket with
// created=false. Two round trips: reserve a number no ticket holds, then store
// atomically; with a durability setting, a wait for it on the same connection follows,
// for a repeated delivery too.
func (s *Store) Create(ctx context.Context, t Ticket, actor string, role Role) (*Ticket, bool, error) {
	if t.Source == "" || t.Channel == "" {
		return nil, false, errorf(CodeInvalid, "a ticket needs its source and channel")
	}
	idem := s.key("idem", t.Source)
	w, done, err := s.writer(ctx, idem)
	if err != nil {
		return nil, false, err
	}
	defer done()
	tk, created, err := s.create(ctx, w, t, actor, role)
	if err != nil {
		return nil, false, err
	}
	if err := s.waitDurable(ctx, w); err != nil {
		return nil, false, err
	}
	return tk, created, nil
}

func (s *Store) create(ctx context.Context, w redis.Scripter, t Ticket, actor string, role Role) (*Ticket, bool, error) {
	now := s.now()
	day := DateOf(now)
	ymd := fmt.Sprintf("%04d%02d%02d", day.Year, day.Month, day.Day)
	idem := s.key("idem", t.Source)
	touch := ""
	if s.durable() {
		touch = "touch"
	}
	for draw := 0; draw < maxDraws; draw++ {
		res, err := reserveScript.Run(ctx, w, []string{idem, s.key("seq", ymd)}, "QF-"+ymd+"-", s.key("t", ""), touch).Slice()
		if err != nil {
			return nil, false, unavailable(err)
		}
		if res[0].(int64) == 0 {
			existing, err := s.Get(ctx, res[1].(string))
			return existing, false, err
		}
		t.ID = fmt.Sprintf("QF-%s-%06d", ymd, res[1].(int64))
		t.Version, t.Status, t.CreatedAt, t.UpdatedAt = 1, StatusReceived, now, now
		entry := NextAudit(t.ID, nil, now, actor, role, ActCreate, "", StatusReceived, "")
		t.AuditHead, t.AuditSeq = entry.Hash, entry.Seq
		entryJSON, err := json.Marshal(entry)
		if err != nil {
			return nil, false, fmt.Errorf("encode audit entry: %w", err)
		}
		keys := append([]string{idem, s.key("t", t.ID), s.key("t", t.ID, "audit"), s.key("events"), s.key("due"),
			s.key("fp", t.Category), s.dayKey(day)}, s.indexes(&t)...)
		for _, term := range t.Terms {
			keys = append(keys, s.termKey(term))
		}
		counters := s.tally(&t)
		args := []any{t.ID, entryJSON, now.UnixMilli(), dueScore(&t), t.Fingerprint + ":" + t.ID, liveMessage("created", &t, ""), len(counters)}
		for _, f := range counters {
			args = append(args, f)
		}
		fields, err := s.fields(&t)
		if err != nil {
			return nil, false, err
		}
		args = append(args, fields...)
		res, err = createScript.Run(ctx, w, keys, args...).Slice()
		if err != nil {
			return nil, false, unavailable(err)
		}
		if res[0].(int64) == 1 {
			return &t, true, nil
		}
		// 0: a concurrent delivery of the same message won; the next reserve answers its
		// ticket (and touches it, so a durability wait covers it). 2: the number was taken
		// between the two steps (the counter went back): draw again.
	}
	return nil, false, errorf(CodeUnavailable, "no free ticket number after %d draws", maxDraws)
}

// Get reads a ticket.
func (s *Store) Get(ctx context.Context, id string) (*Ticket, error) {
	h, err := s.rdb.HGetAll(ctx, s.key("t", id)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	if len(h) == 0 {
		return nil, errorf(CodeNotFound, "no ticket %s", id)
	}
	return s.decode(h)
}

// GetMany reads several tickets in one round trip, in the order given; ids with no
// ticket are left out.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*Ticket, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.key("t", id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, unavailable(err)
	}
	out := make([]*Ticket, 0, len(ids))
	for _, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		t, err := s.decode(c.Val())
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Audit reads a ticket's history.
func (s *Store) Audit(ctx context.Context, id string) ([]AuditEntry, error) {
	raw, err := s.rdb.LRange(ctx, s.key("t", id, "audit"), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	entries := make([]AuditEntry, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &entries[i]); err != nil {
			return nil, fmt.Errorf("ticket %s: audit entry %d: %w", id, i+1, err)
		}
	}
	return entries, nil
}

// VerifyAudit checks a ticket's history against its chain and recorded head; it returns
// the index of the first bad entry, or -1.
func (s *Store) VerifyAudit(ctx context.Context, id string) (int, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	entries, err := s.Audit(ctx, id)
	if err != nil {
		return 0, err
	}
	return VerifyChain(id, entries, t.AuditHead)
}

// Apply makes a lifecycle move on the ticket as the caller last saw it (version): if
// someone changed it since, nothing happens and the error has CodeConflict. Two round
// trips: read the ticket, then one script that checks the version and writes.
func (s *Store) Apply(ctx context.Context, id string, version int64, m Move) (*Ticket, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Version != version {
		return nil, errorf(CodeConflict, "ticket %s is at version %d, not %d", id, t.Version, version)
	}
	to, err := s.outcomes.Next(t.Status, m)
	if err != nil {
		return nil, err
	}
	if m.Action == ActRoute && sameUnit(m.Body, t.SubjectUnit) {
		return nil, errorf(CodeInvalid, "回避: %s is the subject's own unit and cannot handle this ticket", m.Body)
	}
	next := *t
	next.Status, next.Version, next.UpdatedAt = to, t.Version+1, s.now()
	switch m.Action {
	case ActRoute:
		next.Mode, next.Body, next.Due, next.DueStart = m.Mode, m.Body, m.Due, DateOf(next.UpdatedAt)
	case ActEscalate:
		next.Mode = m.Mode
	case ActReport, ActConclude:
		next.Finding, next.Disposal, next.Measures = m.Finding, m.Disposal, strings.Join(m.Measures, ",")
	case ActReply:
		next.Reply = m.Reply
	case ActFollowUp:
		next.Satisfaction = m.Satisfaction
	case ActMerge:
		next.MainID = m.MainID
	}
	note := m.Note
	if m.Reason != "" {
		note = strings.TrimSpace(m.Reason + " " + note)
	}
	return s.rewrite(ctx, t, &next, m.Actor, m.Role, m.Action, note)
}

// record appends an audit entry that changes nothing else (a view of the reporter's
// identity), checked against the version like any move so the chain never forks.
func (s *Store) record(ctx context.Context, t *Ticket, actor string, role Role, action Action, note string) error {
	return s.appendOnly(ctx, t, actor, role, action, note, "")
}

// recordSupplement stores the reporter's addition and its audit entry in one step.
func (s *Store) recordSupplement(ctx context.Context, t *Ticket, text string) error {
	return s.appendOnly(ctx, t, "reporter", RoleReporter, ActSupplement, "举报人补充材料", text)
}

func (s *Store) appendOnly(ctx context.Context, t *Ticket, actor string, role Role, action Action, note, supplement string) error {
	supplement, err := s.sealValue(t.ID, fieldSupplement, supplement)
	if err != nil {
		return err
	}
	next := *t
	next.Version, next.UpdatedAt = t.Version+1, s.now()
	entry := NextAudit(t.ID, &AuditEntry{Seq: t.AuditSeq, Hash: t.AuditHead}, next.UpdatedAt, actor, role, action, t.Status, t.Status, note)
	next.AuditHead, next.AuditSeq = entry.Hash, entry.Seq
	entryJSON, err := json.Marshal(entry)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	keys := []string{s.key("t", t.ID), s.key("t", t.ID, "audit"), s.key("events"), s.supplementedKey(), s.key("t", t.ID, "supplements")}
	args := []any{t.Version, t.ID, liveMessage("moved", &next, string(action)), next.UpdatedAt.UnixMilli(), entryJSON, dueScore(&next), string(action), supplement,
		"version", next.Version, "updated_at", next.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"audit_head", next.AuditHead, "audit_seq", next.AuditSeq}
	res, err := appendScript.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return unavailable(err)
	}
	switch res[0].(int64) {
	case -1:
		return errorf(CodeNotFound, "no ticket %s", t.ID)
	case 0:
		return errorf(CodeConflict, "ticket %s changed meanwhile", t.ID)
	}
	return nil
}

// diff returns the keys only in a (to leave) and only in b (to join).
func diff(a, b []string) (leave, join []string) {
	in := func(x string, list []string) bool {
		for _, y := range list {
			if x == y {
				return true
			}
		}
		return false
	}
	for _, x := range a {
		if !in(x, b) {
			leave = append(leave, x)
		}
	}
	for _, x := range b {
		if !in(x, a) {
			join = append(join, x)
		}
	}
	return leave, join
}

// Find lists ticket ids of one index, newest first (at most limit; 0 for all): field is
// status, mode, category, channel, body, phone, subject, urgent or corrected.
func (s *Store) Find(ctx context.Context, field, value string, limit int64) ([]string, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.key("idx", field, value), 0, limit-1).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	return ids, nil
}

// FindWithin lists, newest first, the ids of one index that also belong to one of bodies
// (at most limit), so a handler's queue holds all of its own tickets, however busy the
// shared index is.
func (s *Store) FindWithin(ctx context.Context, field, value string, bodies []string, limit int64) ([]string, error) {
	var found []redis.Z
	for _, b := range bodies {
		z, err := s.rdb.ZInterWithScores(ctx, &redis.ZStore{Keys: []string{s.key("idx", field, value), s.key("idx", "body", b)},
			Aggregate: "MAX"}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, unavailable(err)
		}
		found = append(found, z...)
	}
	slices.SortFunc(found, func(a, b redis.Z) int { return cmp.Compare(b.Score, a.Score) })
	ids := make([]string, 0, min(int64(len(found)), limit))
	for _, z := range found[:min(int64(len(found)), limit)] {
		ids = append(ids, z.Member.(string))
	}
	return ids, nil
}

// DueBefore lists open tickets whose deadline runs out before t.
func (s *Store) DueBefore(ctx context.Context, t time.Time, limit int64) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.key("due"), &redis.ZRangeBy{Min: "-inf", Max: "(" + strconv.FormatInt(t.Unix(), 10), Count: limit}).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	return ids, nil
}

// sameUnit: a body that is, or sits inside, the subject's unit must not handle the
// report about it (回避).
func sameUnit(body, unit string) bool {
	body, unit = strings.TrimSpace(body), strings.TrimSpace(unit)
	return body != "" && unit != "" && (strings.Contains(body, unit) || strings.Contains(unit, body))
}

// recent returns the newest ids (at most limit) of one index created at or after t,
// and how many there are in all, in one round trip.
func (s *Store) recent(ctx context.Context, field, value string, t time.Time, limit int64) ([]string, int, error) {
	key, min := s.key("idx", field, value), strconv.FormatInt(t.UnixMilli(), 10)
	pipe := s.rdb.Pipeline()
	ids := pipe.ZRevRangeByScore(ctx, key, &redis.ZRangeBy{Min: min, Max: "+inf", Count: limit})
	n := pipe.ZCount(ctx, key, min, "+inf")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, unavailable(err)
	}
	return ids.Val(), int(n.Val()), nil
}

// nearDupScan bounds how many recent tickets a new one is compared with.
const nearDupScan = 500

// nearDuplicates finds recent tickets of the same category (created at or after t)
// whose text fingerprint is within nlp.NearDuplicate bits of fp. The same text reworded
// is read as the same kind of misconduct, so the category narrows the search, and the
// fingerprints sit in the index members themselves: one round trip.
func (s *Store) nearDuplicates(ctx context.Context, category string, fp nlp.Fingerprint, t time.Time) ([]string, error) {
	members, err := s.rdb.ZRevRangeByScore(ctx, s.key("fp", category), &redis.ZRangeBy{Min: strconv.FormatInt(t.UnixMilli(), 10), Max: "+inf", Count: nearDupScan}).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	var out []string
	for _, m := range members {
		hexFP, id, ok := strings.Cut(m, ":")
		var other nlp.Fingerprint
		if !ok || other.UnmarshalText([]byte(hexFP)) != nil {
			continue
		}
		if nlp.Distance(fp, other) <= nlp.NearDuplicate {
			out = append(out, id)
		}
	}
	return out, nil
}

// maxSearchTerms bounds a query.
const maxSearchTerms = 10

// Search lists tickets filed under every term, newest first.
func (s *Store) Search(ctx context.Context, terms []string, limit int64) ([]string, error) {
	if len(terms) == 0 || len(terms) > maxSearchTerms {
		return nil, errorf(CodeInvalid, "a search needs 1 to %d words", maxSearchTerms)
	}
	tmp := s.key("tmp", "search", strconv.FormatInt(time.Now().UnixNano(), 36))
	keys := []string{tmp}
	for _, t := range terms {
		keys = append(keys, s.termKey(t))
	}
	ids, err := searchScript.Run(ctx, s.rdb, keys, limit).StringSlice()
	if err != nil {
		return nil, unavailable(err)
	}
	return ids, nil
}

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{StatusReceived, StatusAccepted, StatusRouted, StatusInProgress, StatusReported, StatusReturned,
	StatusConcluded, StatusReplied, StatusReopened, StatusRejected, StatusMerged, StatusClosed}

// CountByStatus counts tickets per status, all of them or (bodies not nil) only those of
// bodies, in one round trip.
func (s *Store) CountByStatus(ctx context.Context, bodies []string) (map[Status]int, error) {
	pipe := s.rdb.Pipeline()
	cmds := map[Status][]*redis.IntCmd{}
	for _, st := range Statuses {
		if bodies == nil {
			cmds[st] = append(cmds[st], pipe.ZCard(ctx, s.key("idx", "status", string(st))))
		}
		for _, b := range bodies {
			cmds[st] = append(cmds[st], pipe.ZCard(ctx, s.key("idx", "body_status", b+"|"+string(st))))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, unavailable(err)
	}
	out := map[Status]int{}
	for st, cs := range cmds {
		for _, c := range cs {
			out[st] += int(c.Val())
		}
	}
	return out, nil
}

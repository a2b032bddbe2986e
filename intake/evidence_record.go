package intake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keys of evidence, beside the ticket's own (store.go):
//
//	t:<id>:evidence   hash: attachment id → its record (evidenceRecord, JSON), sealed and
//	                  bound to the ticket and the attachment

func (s *Store) evidenceKey(id string) string { return s.key("t", id, "evidence") }

// evidenceContext binds a sealed attachment record to its ticket and attachment id.
func evidenceContext(id, aid string) string { return sealContext(id, "evidence:"+aid) }

// attachScript records an attachment on its ticket with its audit entry, if the ticket
// is still at the version read and has room for one more file; otherwise nothing
// changes.
//
//	KEYS[1] ticket hash  KEYS[2] audit list  KEYS[3] event stream  KEYS[4] evidence hash
//	ARGV[1] expected version  ARGV[2] id  ARGV[3] live message  ARGV[4] audit entry (JSON)
//	ARGV[5] attachment id  ARGV[6] sealed record  ARGV[7] most files a ticket may have
//	ARGV[8..] ticket fields to set (version, updated_at, audit_head, audit_seq)
//	returns {1} when recorded, {0, current version} on conflict, {-1} when the ticket is
//	missing, {-2, files} when it is full
var attachScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return {-1} end
if v ~= ARGV[1] then return {0, v} end
local n = redis.call('HLEN', KEYS[4])
if n >= tonumber(ARGV[7]) then return {-2, n} end
redis.call('HSET', KEYS[4], ARGV[5], ARGV[6])
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[3], '*', 'type', 'moved', 'id', ARGV[2], 'action', 'evidence')
redis.call('PUBLISH', KEYS[3] .. ':live', ARGV[3])
return {1}
`)

func (e *Evidence) count(ctx context.Context, id string) (int, error) {
	n, err := e.in.store.rdb.HLen(ctx, e.in.store.evidenceKey(id)).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	return int(n), nil
}

// record writes the attachment and its audit entry; a move made meanwhile is read and
// the write tried again against it.
func (e *Evidence) record(ctx context.Context, t *Ticket, rec *evidenceRecord, up Upload) error {
	s := e.in.store
	plain, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode attachment: %w", err)
	}
	sealed, err := e.in.keys.Seal(plain, evidenceContext(t.ID, rec.ID))
	if err != nil {
		return fmt.Errorf("ticket %s: seal attachment: %w", t.ID, err)
	}
	via := channelNames[up.Channel]
	if via == "" {
		via = up.Channel
	}
	note := fmt.Sprintf("补充证据 %s（%s，%s，经%s）", rec.ID, kindNames[rec.Kind], sizeText(rec.Size), via)
	for attempt := 0; ; attempt++ {
		next := *t
		next.Version, next.UpdatedAt = t.Version+1, s.now()
		entry := NextAudit(t.ID, &AuditEntry{Seq: t.AuditSeq, Hash: t.AuditHead}, next.UpdatedAt, up.Actor, up.Role, ActEvidence, t.Status, t.Status, note)
		next.AuditHead, next.AuditSeq = entry.Hash, entry.Seq
		entryJSON, err := json.Marshal(entry)
		if err != nil {
			return fmt.Errorf("encode audit entry: %w", err)
		}
		keys := []string{s.key("t", t.ID), s.key("t", t.ID, "audit"), s.key("events"), s.evidenceKey(t.ID)}
		res, err := attachScript.Run(ctx, s.rdb, keys, t.Version, t.ID, liveMessage("moved", &next, string(ActEvidence)), entryJSON,
			rec.ID, sealed, e.limits.MaxFiles,
			"version", next.Version, "updated_at", next.UpdatedAt.UTC().Format(time.RFC3339Nano),
			"audit_head", next.AuditHead, "audit_seq", next.AuditSeq).Slice()
		if err != nil {
			return unavailable(err)
		}
		switch res[0].(int64) {
		case 1:
			return nil
		case -1:
			return errorf(CodeNotFound, "no ticket %s", t.ID)
		case -2:
			return &EvidenceRefusal{Reason: RefuseTooMany, Detail: fmt.Sprintf("ticket %s filled up meanwhile", t.ID), Limit: int64(e.limits.MaxFiles)}
		}
		if attempt == 3 {
			return errorf(CodeConflict, "ticket %s keeps changing", t.ID)
		}
		if t, err = s.Get(ctx, t.ID); err != nil {
			return err
		}
	}
}

// recordRetrying appends an audit entry that changes nothing else to the ticket id,
// reading it again when it moved meanwhile.
func (s *Store) recordRetrying(ctx context.Context, id, actor string, role Role, action Action, note string) error {
	for attempt := 0; ; attempt++ {
		t, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		err = s.record(ctx, t, actor, role, action, note)
		if CodeOf(err) == CodeConflict && attempt < 3 {
			continue
		}
		return err
	}
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// get reads and opens one attachment's record.
func (e *Evidence) get(ctx context.Context, id, aid string) (*evidenceRecord, error) {
	v, err := e.in.store.rdb.HGet(ctx, e.in.store.evidenceKey(id), aid).Result()
	if errors.Is(err, redis.Nil) {
		return nil, errorf(CodeNotFound, "ticket %s has no attachment %s", id, aid)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return e.openRecord(id, aid, v)
}

func (e *Evidence) openRecord(id, aid, sealed string) (*evidenceRecord, error) {
	plain, err := e.in.keys.Open(sealed, evidenceContext(id, aid))
	if err != nil {
		return nil, fmt.Errorf("ticket %s: attachment %s: %w", id, aid, err)
	}
	var rec evidenceRecord
	if err := json.Unmarshal(plain, &rec); err != nil {
		return nil, fmt.Errorf("ticket %s: attachment %s: %w", id, aid, err)
	}
	return &rec, nil
}

// List gives a ticket's attachments, oldest first.
func (e *Evidence) List(ctx context.Context, id string) ([]Attachment, error) {
	all, err := e.in.store.rdb.HGetAll(ctx, e.in.store.evidenceKey(id)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]Attachment, 0, len(all))
	for aid, sealed := range all {
		rec, err := e.openRecord(id, aid, sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, rec.Attachment)
	}
	slices.SortFunc(out, func(a, b Attachment) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"qingfeng/nlp"
)

// correctors may correct what the classifier read.
var correctors = []Role{RoleIntake, RoleLeader, RoleHandler}

// Correct sets a ticket's category and subject as staff read them, records who did it,
// and keeps the ticket as a labelled example for retraining (CorrectedExamples).
func (in *Intake) Correct(ctx context.Context, id string, version int64, actor string, role Role, category string, subject nlp.Subject) (*Ticket, error) {
	if !slices.Contains(correctors, role) {
		return nil, errorf(CodeForbidden, "role %q may not correct a ticket", role)
	}
	if category != "" && !slices.ContainsFunc(in.analyzer.Categories(), func(c nlp.Category) bool { return c.ID == category }) {
		return nil, errorf(CodeInvalid, "unknown category %q", category)
	}
	t, err := in.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Version != version {
		return nil, errorf(CodeConflict, "ticket %s is at version %d, not %d", id, t.Version, version)
	}
	next := *t
	var changed []string
	set := func(dst *string, v, label string) {
		if v = strings.TrimSpace(v); v != "" && v != *dst {
			changed = append(changed, fmt.Sprintf("%s：%s→%s", label, *dst, v))
			*dst = v
		}
	}
	set(&next.Category, category, "类别")
	set(&next.SubjectName, subject.Name, "姓名")
	set(&next.SubjectPosition, subject.Position, "职务")
	set(&next.SubjectUnit, subject.Unit, "单位")
	if len(changed) == 0 {
		return nil, errorf(CodeInvalid, "the correction changes nothing")
	}
	if subject.Position != "" || subject.Unit != "" {
		next.SubjectRank = in.analyzer.Rank(next.SubjectPosition, next.SubjectUnit)
	}
	next.SubjectKey = subjectKey(nlp.Subject{Name: next.SubjectName, Position: next.SubjectPosition, Unit: next.SubjectUnit})
	next.Corrected = true
	return in.store.rewrite(ctx, t, &next, actor, role, ActCorrect, "更正："+strings.Join(changed, "；"))
}

// CorrectedExamples returns every corrected ticket as a training example, for a file that
// leaves the service: phone, ID and card numbers in the text are masked.
func (s *Store) CorrectedExamples(ctx context.Context) ([]nlp.Example, error) {
	ids, err := s.Find(ctx, "corrected", "yes", 0) // 0: all of them
	if err != nil {
		return nil, err
	}
	var out []nlp.Example
	for _, id := range ids {
		t, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, nlp.Example{Category: t.Category, Channel: t.Channel, Unit: t.SubjectUnit, Position: t.SubjectPosition, Text: MaskIdentifiers(t.Text)})
	}
	return out, nil
}

// rewrite stores next in place of t (same status), version-checked, with its audit entry
// and index changes, in one script.
func (s *Store) rewrite(ctx context.Context, t, next *Ticket, actor string, role Role, action Action, note string) (*Ticket, error) {
	next.Version, next.UpdatedAt = t.Version+1, s.now()
	entry := NextAudit(t.ID, &AuditEntry{Seq: t.AuditSeq, Hash: t.AuditHead}, next.UpdatedAt, actor, role, action, t.Status, next.Status, note)
	next.AuditHead, next.AuditSeq = entry.Hash, entry.Seq
	entryJSON, err := json.Marshal(entry)
	if err != nil {
		return nil, fmt.Errorf("encode audit entry: %w", err)
	}
	noticeKeys, noticeArgs, err := s.noticePart(t, next, action, note, entry.Seq)
	if err != nil {
		return nil, err
	}
	leave, join := diff(s.indexes(t), s.indexes(next))
	keys := append([]string{s.key("t", t.ID), s.key("t", t.ID, "audit"), s.key("events"), s.key("due"), s.dayKey(DateOf(t.CreatedAt))}, noticeKeys...)
	keys = append(append(keys, leave...), join...)
	was, is := s.tally(t), s.tally(next)
	args := []any{t.Version, t.ID, len(leave), next.CreatedAt.UnixMilli(), entryJSON, dueScore(next), string(action),
		dateOrEmpty(t.Due), dateOrEmpty(next.Due), len(was), len(is), liveMessage("moved", next, string(action))}
	args = append(args, noticeArgs...)
	for _, f := range append(was, is...) {
		args = append(args, f)
	}
	fields, err := s.fields(next)
	if err != nil {
		return nil, err
	}
	args = append(args, fields...)
	res, err := moveScript.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return nil, unavailable(err)
	}
	switch res[0].(int64) {
	case -1:
		return nil, errorf(CodeNotFound, "no ticket %s", t.ID)
	case 0:
		return nil, errorf(CodeConflict, "ticket %s changed meanwhile", t.ID)
	}
	return next, nil
}

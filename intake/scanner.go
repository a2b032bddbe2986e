package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scanner watches deadlines. Any number of instances may run it at once: each warning
// is recorded once (warnScript) and each escalation happens once (a version-checked
// move), so nothing is sent twice and nothing is skipped.
type Scanner struct {
	store  *Store
	cal    *Calendar
	limits Limits
}

// NewScanner watches the store's deadlines with the calendar and limits.
func NewScanner(store *Store, cal *Calendar, limits Limits) *Scanner {
	return &Scanner{store: store, cal: cal, limits: limits}
}

// ScanResult counts what one pass did (by this instance).
type ScanResult struct {
	Warned    int
	Escalated int
}

// scanBatch is how many deadlines one pass reads at a time.
const scanBatch = 500

// markerLife keeps warning markers long past any deadline.
const markerLife = 400 * 24 * time.Hour

// Scan first takes up calendars saved on any instance, then looks at every open ticket
// with a deadline, a batch at a time: it warns at yellow, orange and red, turns an
// overdue assigned ticket into a supervised one with a chasing notice (催办) in its
// history, and keeps the count of each body's tickets at each level (BodyLevels).
func (sc *Scanner) Scan(ctx context.Context) (ScanResult, error) {
	var res ScanResult
	if err := sc.LoadCalendars(ctx); err != nil { // a year an admin loaded on another instance
		return res, err
	}
	today := DateOf(sc.store.now())
	levels := map[string]*BodyLevels{}
	for offset := int64(0); ; offset += scanBatch {
		ids, err := sc.store.rdb.ZRange(ctx, sc.store.key("due"), offset, offset+scanBatch-1).Result()
		if err != nil {
			return res, unavailable(err)
		}
		tickets, err := sc.store.GetMany(ctx, ids)
		if err != nil {
			return res, err
		}
		for _, t := range tickets {
			level, err := sc.check(ctx, t, today, &res)
			if err != nil {
				return res, err
			}
			levels[t.Body] = levels[t.Body].add(t.Body, level)
		}
		if len(ids) < scanBatch {
			return res, sc.store.saveBodyLevels(ctx, levels)
		}
	}
}

// check warns about one ticket, escalates it when due, and returns its level.
func (sc *Scanner) check(ctx context.Context, t *Ticket, today Date, res *ScanResult) (Level, error) {
	id := t.ID
	start := t.DueStart
	if start == (Date{}) {
		start = DateOf(t.CreatedAt)
	}
	level := sc.limits.WarningLevel(sc.cal, start, t.Due, today)
	if level == LevelNone {
		return level, nil
	}
	marker := sc.store.key("warned", id, string(level), t.Due.String())
	args := []any{id, string(level), int64(markerLife / time.Second), t.Version, t.Due.String(), liveMessage("warning", t, string(level))}
	for _, f := range sc.store.lateTally(t) {
		args = append(args, f)
	}
	n, err := warnScript.Run(ctx, sc.store.rdb, []string{marker, sc.store.key("events"), sc.store.key("t", id),
		sc.store.dayKey(DateOf(t.CreatedAt))}, args...).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return level, unavailable(err)
	}
	if n < 0 {
		return level, nil // it changed since we read it; the next pass looks again
	}
	res.Warned += n
	if level != LevelRed || t.Mode != ModeAssigned {
		return level, nil
	}
	_, err = sc.store.Apply(ctx, id, t.Version, Move{Action: ActEscalate, Role: RoleSystem, Actor: "deadline-scanner",
		Mode: ModeSupervised, Note: fmt.Sprintf("逾期未报结（期限 %s），转为督办并向承办单位发出催办通知", t.Due)})
	switch CodeOf(err) {
	case "":
		res.Escalated++
	case CodeConflict, CodeIllegalMove:
		// Another scanner, or a member of staff, moved it first.
	default:
		return level, err
	}
	return level, nil
}

// Level is how close an open ticket is to its deadline today (none when it has none).
func (sc *Scanner) Level(t *Ticket) Level {
	if t.Due == (Date{}) || !openStatuses[t.Status] {
		return LevelNone
	}
	start := t.DueStart
	if start == (Date{}) {
		start = DateOf(t.CreatedAt)
	}
	return sc.limits.WarningLevel(sc.cal, start, t.Due, DateOf(sc.store.now()))
}

// DefaultDue is the deadline DOMAIN.md gives a ticket routed today in mode: the working
// days of its time limit from today.
func (sc *Scanner) DefaultDue(mode string) Date {
	days := map[string]int{ModeDirect: sc.limits.AssignedResult, ModeAssigned: sc.limits.AssignedResult,
		ModeTransferred: sc.limits.TransferredReceipt, ModeSupervised: sc.limits.SupervisedDefault}[mode]
	if days == 0 {
		days = sc.limits.AssignedResult
	}
	return sc.cal.AddWorkingDays(DateOf(sc.store.now()), days)
}

package intake

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// UnitWarning is one unit's standing over the warning period.
type UnitWarning struct {
	Unit          string
	Overdue       int // tickets whose deadline passed before they were reported
	Substantiated int // tickets concluded as 属实 or 部分属实
	Level         Level
}

var substantiated = map[string]bool{"属实": true, "部分属实": true}

// reportedStatuses are those a handler has already reported from.
var reportedStatuses = map[Status]bool{StatusReported: true, StatusConcluded: true, StatusReplied: true, StatusClosed: true}

// UnitWarnings counts, per subject unit, the tickets of the last period_days that ran
// overdue or were substantiated, and gives each unit the higher of its two levels.
// Units without any warning are left out; the worst come first.
func (sc *Scanner) UnitWarnings(ctx context.Context) ([]UnitWarning, error) {
	s := sc.store
	now := s.now()
	since := now.Add(-time.Duration(sc.limits.UnitWarnings.PeriodDays) * 24 * time.Hour)
	ids, err := s.rdb.ZRangeByScore(ctx, s.key("all"), &redis.ZRangeBy{Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, s.key("t", id), "subject_unit", "status", "due", "finding")
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, unavailable(err)
		}
	}
	today := DateOf(now)
	counts := map[string]*UnitWarning{}
	for _, c := range cmds {
		v := c.Val()
		str := func(i int) string { s, _ := v[i].(string); return s }
		unit := str(0)
		if unit == "" {
			continue
		}
		w := counts[unit]
		if w == nil {
			w = &UnitWarning{Unit: unit}
			counts[unit] = w
		}
		if due, err := ParseDate(str(2)); err == nil && due.Before(today) && !reportedStatuses[Status(str(1))] {
			w.Overdue++
		}
		if substantiated[str(3)] && reportedStatuses[Status(str(1))] && Status(str(1)) != StatusReported {
			w.Substantiated++
		}
	}
	var out []UnitWarning
	rank := map[Level]int{LevelNone: 0, LevelYellow: 1, LevelOrange: 2, LevelRed: 3}
	for _, w := range counts {
		a, b := sc.limits.UnitWarnings.Overdue.level(w.Overdue), sc.limits.UnitWarnings.Substantiated.level(w.Substantiated)
		w.Level = a
		if rank[b] > rank[a] {
			w.Level = b
		}
		if w.Level != LevelNone {
			out = append(out, *w)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if rank[out[i].Level] != rank[out[j].Level] {
			return rank[out[i].Level] > rank[out[j].Level]
		}
		return out[i].Unit < out[j].Unit
	})
	return out, nil
}

package intake

import (
	"context"
	"sort"
	"strings"
)

// UnitWarning is one unit's standing over the warning period.
type UnitWarning struct {
	Unit          string
	Overdue       int // tickets found past their deadline
	Substantiated int // tickets concluded as 属实 or 部分属实
	Level         Level
}

var substantiated = map[string]bool{"属实": true, "部分属实": true}

// reportedStatuses are those a handler has already reported from.
var reportedStatuses = map[Status]bool{StatusReported: true, StatusConcluded: true, StatusReplied: true, StatusClosed: true}

// UnitWarnings counts, per subject unit, the tickets of the last period_days that ran
// overdue (the scanner found them past their deadline) or were substantiated, and gives
// each unit the higher of its two levels. Units without any warning are left out; the
// worst come first. It reads the figures counters, so its cost does not grow with tickets.
func (sc *Scanner) UnitWarnings(ctx context.Context) ([]UnitWarning, error) {
	today := DateOf(sc.store.now())
	sum, err := sc.store.sumDays(ctx, today.AddDays(1-sc.limits.UnitWarnings.PeriodDays), today)
	if err != nil {
		return nil, err
	}
	counts := map[string]*UnitWarning{}
	for k, n := range sum {
		kind, unit, _ := strings.Cut(k, ":")
		if n == 0 || (kind != "unit_late" && kind != "unit_substantiated") {
			continue
		}
		w := counts[unit]
		if w == nil {
			w = &UnitWarning{Unit: unit}
			counts[unit] = w
		}
		if kind == "unit_late" {
			w.Overdue = n
		} else {
			w.Substantiated = n
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

package intake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Figures are kept as counters, so a month's or a year's figures cost a few small reads
// however many tickets there are. Each ticket adds one to a set of fields (tally) of the
// hash of the day it was created, fig:YYYYMMDD; every script that changes a ticket takes
// its old fields away and adds its new ones in the same step, so the counters always
// match the tickets (RecountFigures checks that, and rebuilds them).
//
// Fields starting with "?" count only while the ticket is overdue on its current
// deadline: the scanner's red warning writes late_due on the ticket and adds them.

// tallyLua is shared by the scripts that change tickets.
//
//	tally(day hash, ticket hash, due, sign, fields, from, to) adds sign to
//	fields[from..to], the "?" ones only if the ticket's late_due is due.
//	Counters that fall to zero are removed, so a day's hash holds only what happened.
const tallyLua = `
local function add(day, f, sign)
  if redis.call('HINCRBY', day, f, sign) == 0 then redis.call('HDEL', day, f) end
end
local function tally(day, ticket, due, sign, fields, from, to)
  local late = due ~= '' and redis.call('HGET', ticket, 'late_due') == due
  for i = from, to do
    local f = fields[i]
    if string.sub(f, 1, 1) == '?' then
      if late then add(day, string.sub(f, 2), sign) end
    else
      add(day, f, sign)
    end
  end
end
`

// tally lists the counter fields a ticket adds to its creation day.
func (s *Store) tally(t *Ticket) []string {
	known := func(v string) string {
		if v == "" {
			return "未知"
		}
		return v
	}
	f := []string{"total", "category:" + known(t.Category), "body:" + known(t.Body), "rank:" + known(t.SubjectRank),
		"channel:" + known(t.Channel), "mode:" + known(t.Mode)}
	if t.Related != "" {
		f = append(f, "repeat")
	}
	if reportedStatuses[t.Status] {
		f = append(f, "finished", "?finished_late")
	}
	concluded := t.Status == StatusConcluded || t.Status == StatusReplied || t.Status == StatusClosed
	if concluded {
		f = append(f, "concluded")
	}
	if concluded && substantiated[t.Finding] {
		f = append(f, "substantiated")
	}
	if concluded && t.Measures != "" {
		for _, m := range strings.Split(t.Measures, ",") {
			f = append(f, "measure:"+m)
		}
	}
	if t.Satisfaction != "" {
		f = append(f, "followed")
		if i := slices.Index(s.outcomes.Satisfaction, t.Satisfaction); i >= 0 && i < s.outcomes.Satisfied {
			f = append(f, "satisfied")
		}
	}
	if t.SubjectUnit != "" {
		f = append(f, "?unit_late:"+t.SubjectUnit)
		if concluded && substantiated[t.Finding] {
			f = append(f, "unit_substantiated:"+t.SubjectUnit)
		}
	}
	return f
}

// lateTally is the part of tally that counts only while the ticket is overdue.
func (s *Store) lateTally(t *Ticket) []string {
	var out []string
	for _, f := range s.tally(t) {
		if name, ok := strings.CutPrefix(f, "?"); ok {
			out = append(out, name)
		}
	}
	return out
}

func (s *Store) dayKey(d Date) string {
	return s.key("fig", fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day))
}

// sumDays adds up the counters of the days from first to last inclusive, in one round trip.
func (s *Store) sumDays(ctx context.Context, first, last Date) (map[string]int, error) {
	return s.sumDayHashes(ctx, first, last, s.dayKey)
}

// sumDayHashes adds up the per-day counter hashes keyOf names (the tickets', the notices').
func (s *Store) sumDayHashes(ctx context.Context, first, last Date, keyOf func(Date) string) (map[string]int, error) {
	pipe := s.rdb.Pipeline()
	var cmds []*redis.MapStringStringCmd
	for d := first; !last.Before(d); d = d.AddDays(1) {
		cmds = append(cmds, pipe.HGetAll(ctx, keyOf(d)))
	}
	if len(cmds) == 0 {
		return map[string]int{}, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, unavailable(err)
	}
	sum := map[string]int{}
	for _, c := range cmds {
		for k, v := range c.Val() {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("figures counter %s: %w", k, err)
			}
			sum[k] += n
		}
	}
	return sum, nil
}

// RecountFigures counts every ticket afresh. With rebuild it replaces the stored
// counters (after an upgrade from a version without them; run it with writers stopped);
// without, it reports the days whose stored counters differ, which should be none.
func (s *Store) RecountFigures(ctx context.Context, rebuild bool) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("all"), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	want := map[Date]map[string]int{}
	for start := 0; start < len(ids); start += scanBatch {
		batch, err := s.GetMany(ctx, ids[start:min(start+scanBatch, len(ids))])
		if err != nil {
			return nil, err
		}
		lates, err := s.lateDues(ctx, batch)
		if err != nil {
			return nil, err
		}
		for i, t := range batch {
			day := DateOf(t.CreatedAt)
			if want[day] == nil {
				want[day] = map[string]int{}
			}
			late := t.Due != (Date{}) && lates[i] == t.Due.String()
			for _, f := range s.tally(t) {
				if name, ok := strings.CutPrefix(f, "?"); !ok {
					want[day][f]++
				} else if late {
					want[day][name]++
				}
			}
		}
	}
	var differ []string
	for day, fields := range want {
		got, err := s.sumDays(ctx, day, day)
		if err != nil {
			return nil, err
		}
		if !maps.Equal(got, fields) {
			differ = append(differ, day.String())
		}
		if rebuild {
			if err := s.rdb.Del(ctx, s.dayKey(day)).Err(); err != nil {
				return nil, unavailable(err)
			}
			for f, n := range fields {
				if err := s.rdb.HIncrBy(ctx, s.dayKey(day), f, int64(n)).Err(); err != nil {
					return nil, unavailable(err)
				}
			}
		}
	}
	slices.Sort(differ)
	return differ, nil
}

// lateDues reads the deadline each ticket was found overdue on ("" when none).
func (s *Store) lateDues(ctx context.Context, ts []*Ticket) ([]string, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(ts))
	for i, t := range ts {
		cmds[i] = pipe.HGet(ctx, s.key("t", t.ID), "late_due")
	}
	if len(ts) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, unavailable(err)
		}
	}
	out := make([]string, len(ts))
	for i, c := range cmds {
		out[i] = c.Val()
	}
	return out, nil
}

package intake

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Figures are the counts and rates staff report for a period (DOMAIN.md).
type Figures struct {
	From, To      time.Time
	Total         int
	ByCategory    map[string]int
	ByBody        map[string]int
	ByRank        map[string]int
	ByChannel     map[string]int
	ByMode        map[string]int
	Finished      int     // tickets reported, concluded, replied or closed
	OnTime        float64 // share of finished tickets never overdue
	Concluded     int
	Substantiated float64        // share of concluded tickets found 属实 or 部分属实
	Repeats       float64        // share of tickets linked to an earlier one
	FollowedUp    int            // tickets whose reporter was asked at a follow-up (回访)
	Satisfaction  float64        // share of those satisfied or basically satisfied (满意率)
	ByMeasure     map[string]int // people held to account, by measure (a ticket may take several)
	// Notices owed to the reporters of these tickets (notices.go): how many were queued,
	// the share that went out (NoticeRate), and of those with a time limit that went out,
	// the share sent within it (OnTimeNotices); DeadNotices were given up on.
	Notices       int
	NoticeRate    float64
	OnTimeNotices float64
	DeadNotices   int
}

// FigureRow is one ticket in the list that goes with the figures.
type FigureRow struct {
	ID, Status, Category, Channel, Mode, Body, Unit, Rank, Finding string
	CreatedAt                                                      time.Time
}

// Figures counts the tickets created in [from, to), whole China days, from the
// counters (tally): a few small reads whatever the number of tickets.
func (s *Store) Figures(ctx context.Context, from, to time.Time) (*Figures, error) {
	f := &Figures{From: from, To: to, ByCategory: map[string]int{}, ByBody: map[string]int{}, ByRank: map[string]int{},
		ByChannel: map[string]int{}, ByMode: map[string]int{}, ByMeasure: map[string]int{}}
	if !to.After(from) {
		return f, nil
	}
	sum, err := s.sumDays(ctx, DateOf(from), DateOf(to.Add(-time.Nanosecond)))
	if err != nil {
		return nil, err
	}
	by := map[string]map[string]int{"category": f.ByCategory, "body": f.ByBody, "rank": f.ByRank, "channel": f.ByChannel, "mode": f.ByMode, "measure": f.ByMeasure}
	for k, n := range sum {
		if dim, v, ok := strings.Cut(k, ":"); ok && by[dim] != nil && n != 0 {
			by[dim][v] += n
		}
	}
	f.Total, f.Finished, f.Concluded = sum["total"], sum["finished"], sum["concluded"]
	f.OnTime = share(f.Finished-sum["finished_late"], f.Finished)
	f.Substantiated, f.Repeats = share(sum["substantiated"], f.Concluded), share(sum["repeat"], f.Total)
	f.FollowedUp = sum["followed"]
	f.Satisfaction = share(sum["satisfied"], f.FollowedUp)
	notices, err := s.sumDayHashes(ctx, DateOf(from), DateOf(to.Add(-time.Nanosecond)), func(d Date) string { return s.noticeDayKey(ymdOf(d)) })
	if err != nil {
		return nil, err
	}
	f.Notices, f.DeadNotices = notices["queued"], notices["dead"]+notices["undelivered"]
	f.NoticeRate, f.OnTimeNotices = share(notices["sent"], f.Notices), share(notices["on_time"], notices["limited_sent"])
	return f, nil
}

// FigureRows lists the tickets created in [from, to), oldest first, for the export.
func (s *Store) FigureRows(ctx context.Context, from, to time.Time) ([]FigureRow, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.key("all"), &redis.ZRangeBy{Min: strconv.FormatInt(from.UnixMilli(), 10), Max: "(" + strconv.FormatInt(to.UnixMilli(), 10)}).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	rows := make([]FigureRow, 0, len(ids))
	fields := []string{"status", "category", "channel", "mode", "body", "subject_unit", "subject_rank", "finding", "created_at"}
	for start := 0; start < len(ids); start += scanBatch {
		batch := ids[start:min(start+scanBatch, len(ids))]
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(batch))
		for i, id := range batch {
			cmds[i] = pipe.HMGet(ctx, s.key("t", id), fields...)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, unavailable(err)
		}
		for i, c := range cmds {
			v := c.Val()
			str := func(k int) string { x, _ := v[k].(string); return x }
			row := FigureRow{ID: batch[i], Status: str(0), Category: str(1), Channel: str(2), Mode: str(3), Body: str(4),
				Unit: str(5), Rank: str(6), Finding: str(7)}
			row.CreatedAt, _ = time.Parse(time.RFC3339Nano, str(8))
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

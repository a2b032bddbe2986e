package intake

import (
	"context"
	"errors"
	"strconv"
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
	Substantiated float64 // share of concluded tickets found 属实 or 部分属实
	Repeats       float64 // share of tickets linked to an earlier one
	Tickets       []FigureRow
}

// FigureRow is one ticket in the list that goes with the figures.
type FigureRow struct {
	ID, Status, Category, Channel, Mode, Body, Unit, Rank, Finding string
	CreatedAt                                                      time.Time
}

// Figures counts the tickets created in [from, to).
func (s *Store) Figures(ctx context.Context, from, to time.Time) (*Figures, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.key("all"), &redis.ZRangeBy{Min: strconv.FormatInt(from.UnixMilli(), 10), Max: "(" + strconv.FormatInt(to.UnixMilli(), 10)}).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	f := &Figures{From: from, To: to, ByCategory: map[string]int{}, ByBody: map[string]int{}, ByRank: map[string]int{},
		ByChannel: map[string]int{}, ByMode: map[string]int{}}
	fields := []string{"status", "category", "channel", "mode", "body", "subject_unit", "subject_rank", "finding", "due", "related", "created_at"}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, s.key("t", id), fields...)
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, unavailable(err)
		}
	}
	// Overdue tickets carry the scanner's red marker for their deadline.
	late := s.rdb.Pipeline()
	lateCmds := map[int]*redis.IntCmd{}
	repeats, substantiatedN, onTime := 0, 0, 0
	for i, c := range cmds {
		v := c.Val()
		str := func(k int) string { x, _ := v[k].(string); return x }
		row := FigureRow{ID: ids[i], Status: str(0), Category: str(1), Channel: str(2), Mode: str(3), Body: str(4),
			Unit: str(5), Rank: str(6), Finding: str(7)}
		row.CreatedAt, _ = time.Parse(time.RFC3339Nano, str(10))
		f.Tickets = append(f.Tickets, row)
		f.Total++
		for _, m := range []struct {
			into map[string]int
			k    string
		}{{f.ByCategory, row.Category}, {f.ByBody, row.Body}, {f.ByRank, row.Rank}, {f.ByChannel, row.Channel}, {f.ByMode, row.Mode}} {
			if m.k == "" {
				m.k = "未知"
			}
			m.into[m.k]++
		}
		if str(9) != "" {
			repeats++
		}
		st := Status(row.Status)
		if reportedStatuses[st] {
			f.Finished++
			if d := str(8); d != "" {
				lateCmds[i] = late.Exists(ctx, s.key("warned", ids[i], string(LevelRed), d))
			} else {
				onTime++
			}
		}
		if st == StatusConcluded || st == StatusReplied || st == StatusClosed {
			f.Concluded++
			if substantiated[row.Finding] {
				substantiatedN++
			}
		}
	}
	if len(lateCmds) > 0 {
		if _, err := late.Exec(ctx); err != nil {
			return nil, unavailable(err)
		}
		for _, c := range lateCmds {
			if c.Val() == 0 {
				onTime++
			}
		}
	}
	f.OnTime, f.Substantiated, f.Repeats = share(onTime, f.Finished), share(substantiatedN, f.Concluded), share(repeats, f.Total)
	return f, nil
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

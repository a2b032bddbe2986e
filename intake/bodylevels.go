package intake

import (
	"context"
	"encoding/json"
	"sort"
	"time"
)

// BodyLevels are one handling body's open tickets at each warning level, as the last
// deadline scan found them: the body's own deadline warnings (its 黄橙红 standing).
type BodyLevels struct {
	Body                string
	Yellow, Orange, Red int
}

func (b *BodyLevels) add(body string, l Level) *BodyLevels {
	if b == nil {
		b = &BodyLevels{Body: body}
	}
	switch l {
	case LevelYellow:
		b.Yellow++
	case LevelOrange:
		b.Orange++
	case LevelRed:
		b.Red++
	}
	return b
}

// saveBodyLevels replaces the scan's summary (hash "levels": body → JSON, "_at" → when).
func (s *Store) saveBodyLevels(ctx context.Context, levels map[string]*BodyLevels) error {
	fields := map[string]any{"_at": s.now().UTC().Format(time.RFC3339)}
	for body, l := range levels {
		if l.Yellow+l.Orange+l.Red > 0 {
			raw, _ := json.Marshal(l)
			fields["b:"+body] = raw
		}
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, s.key("levels"))
	pipe.HSet(ctx, s.key("levels"), fields)
	if _, err := pipe.Exec(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// BodyLevels reads the last scan's summary, the bodies with the most overdue tickets
// first, and when that scan ran (zero before the first).
func (sc *Scanner) BodyLevels(ctx context.Context) ([]BodyLevels, time.Time, error) {
	all, err := sc.store.rdb.HGetAll(ctx, sc.store.key("levels")).Result()
	if err != nil {
		return nil, time.Time{}, unavailable(err)
	}
	at, _ := time.Parse(time.RFC3339, all["_at"])
	out := []BodyLevels{}
	for k, raw := range all {
		var l BodyLevels
		if k == "_at" || json.Unmarshal([]byte(raw), &l) != nil {
			continue
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Red != b.Red {
			return a.Red > b.Red
		}
		if a.Orange != b.Orange {
			return a.Orange > b.Orange
		}
		if a.Yellow != b.Yellow {
			return a.Yellow > b.Yellow
		}
		return a.Body < b.Body
	})
	return out, at, nil
}

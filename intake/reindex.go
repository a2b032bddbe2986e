package intake

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Reindex files every ticket under the indexes its present state belongs to (after an
// upgrade that added an index, such as body_status); it removes nothing, so it may run
// while the service does. It returns how many tickets it read.
func (s *Store) Reindex(ctx context.Context) (int, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("all"), 0, -1).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	for start := 0; start < len(ids); start += scanBatch {
		batch, err := s.GetMany(ctx, ids[start:min(start+scanBatch, len(ids))])
		if err != nil {
			return 0, err
		}
		pipe := s.rdb.Pipeline()
		for _, t := range batch {
			for _, k := range s.indexes(t) {
				pipe.ZAdd(ctx, k, redis.Z{Score: float64(t.CreatedAt.UnixMilli()), Member: t.ID})
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, unavailable(err)
		}
	}
	return len(ids), nil
}

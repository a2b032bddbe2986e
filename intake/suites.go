package intake

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// PinHashSuite returns the suite of keyed hashes (lookup hashes, query codes and their
// hashes) of the deployment in namespace ns. Those hashes name index keys and check the
// codes citizens hold, so they cannot follow a change of QINGFENG_CRYPTO the way seals
// do: the suite is recorded at the namespace's first start and kept. A new namespace
// records want; one an older build already holds tickets in records aes, the only suite
// older builds had.
func PinHashSuite(ctx context.Context, rdb redis.UniversalClient, ns string, want Suite) (Suite, error) {
	s := &Store{rdb: rdb, prefix: prefixOf(ns)}
	pin := s.key("crypto")
	first := want
	n, err := rdb.Exists(ctx, s.key("all")).Result()
	if err != nil {
		return "", unavailable(err)
	}
	if n > 0 {
		first = SuiteAES
	}
	if err := rdb.HSetNX(ctx, pin, "hash", string(first)).Err(); err != nil {
		return "", unavailable(err)
	}
	got, err := rdb.HGet(ctx, pin, "hash").Result()
	if err != nil {
		return "", unavailable(err)
	}
	return ParseSuite(got)
}

// Package redistest gives tests a real Redis: $QINGFENG_TEST_REDIS, or database 15 on
// 127.0.0.1:6379, with a key namespace of the test's own that is removed afterwards.
package redistest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL is the Redis the tests use.
func URL() string {
	if url := os.Getenv("QINGFENG_TEST_REDIS"); url != "" {
		return url
	}
	return "redis://127.0.0.1:6379/15"
}

// Client connects to the test Redis, failing the test if it does not answer.
func Client(tb testing.TB) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		tb.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("tests need Redis at %s (.ci/run starts one): %v", URL(), err)
	}
	return rdb
}

// Namespace returns a namespace for tb whose keys (qf:{ns}:*) are deleted, and rdb
// closed, when the test ends.
func Namespace(tb testing.TB, rdb redis.UniversalClient) string {
	ns := fmt.Sprintf("test-%s-%d", strings.ReplaceAll(tb.Name(), "/", "-"), time.Now().UnixNano())
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, "qf:{"+ns+"}:*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return ns
}

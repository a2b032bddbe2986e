package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
)

// storeFlags say where the tickets are. Each defaults to its environment variable.
type storeFlags struct {
	redisURL, namespace string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.redisURL, "redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (redis://, rediss://); env REDIS_URL")
	fs.StringVar(&f.namespace, "namespace", envOr("QINGFENG_NAMESPACE", "main"), "key namespace, the hash tag of every key; env QINGFENG_NAMESPACE")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// open connects and checks that Redis answers.
func (f *storeFlags) open(ctx context.Context) (*intake.Store, func(), error) {
	opt, err := redis.ParseURL(f.redisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("redis at %s: %w", opt.Addr, err)
	}
	outcomes, err := intake.LoadOutcomes(nil)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return intake.NewStore(rdb, f.namespace, outcomes, time.Now), func() { rdb.Close() }, nil
}

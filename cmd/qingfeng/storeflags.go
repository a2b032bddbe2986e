package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
	keys, err := serviceKeyring()
	if err == nil && keys != nil {
		keys, err = deploymentKeys(ctx, rdb, f.namespace, keys, slog.Default())
	}
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	var opts []intake.StoreOption
	if keys != nil {
		opts = append(opts, intake.WithKeyring(keys))
	}
	return intake.NewStore(rdb, f.namespace, outcomes, time.Now, opts...), func() { rdb.Close() }, nil
}

// serviceKeyring finds the service's keys the way serve does (QINGFENG_SECRET_KEY, else
// QINGFENG_KEY_FILE, else secret.key in QINGFENG_DATA_DIR), but never makes one: a tool
// needs the key the tickets were sealed with. Nil when there is none; reading a sealed
// ticket then fails and says which variables to set.
func serviceKeyring() (*intake.Keyring, error) {
	path := filepath.Join(envOr("QINGFENG_DATA_DIR", "data"), "secret.key")
	if _, err := os.Stat(path); os.Getenv("QINGFENG_SECRET_KEY") == "" && os.Getenv("QINGFENG_KEY_FILE") == "" && err != nil {
		return nil, nil
	}
	return intake.OpenKeyring(intake.KeySource{Secret: os.Getenv("QINGFENG_SECRET_KEY"), KeyFile: os.Getenv("QINGFENG_KEY_FILE"),
		DataDir: envOr("QINGFENG_DATA_DIR", "data")}, slog.Default())
}

// durabilityFlags say when a created ticket is acknowledged (README, "Durability").
type durabilityFlags struct {
	mode    string
	timeout time.Duration
}

func (d *durabilityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.mode, "durability", envOr("QINGFENG_DURABILITY", "none"),
		"acknowledge a new ticket once it is in Redis (none), fsynced to the append-only file (aof: WAITAOF) or on a replica (replica: WAIT); env QINGFENG_DURABILITY")
	timeout, err := time.ParseDuration(envOr("QINGFENG_DURABILITY_TIMEOUT", "1s"))
	if err != nil {
		timeout = -1 // refused by option, with the variable named
	}
	fs.DurationVar(&d.timeout, "durability-timeout", timeout, "how long a create waits for its durability before answering 503; env QINGFENG_DURABILITY_TIMEOUT")
}

// option is the store setting the flags ask for.
func (d *durabilityFlags) option() (intake.Durability, intake.StoreOption, error) {
	mode, err := intake.ParseDurability(d.mode)
	if err != nil {
		return "", nil, fmt.Errorf("QINGFENG_DURABILITY: %w", err)
	}
	if d.timeout <= 0 {
		return "", nil, fmt.Errorf("QINGFENG_DURABILITY_TIMEOUT: want a positive duration such as 1s")
	}
	return mode, intake.WithDurability(mode, d.timeout), nil
}

// check refuses to start when Redis cannot give the guarantee asked for (WAITAOF needs
// Redis 7.2 and appendonly yes), and warns when no replica is connected yet: until one
// is, every create answers 503.
func checkDurability(ctx context.Context, mode intake.Durability, store *intake.Store, log *slog.Logger) error {
	err := store.CheckDurability(ctx)
	switch {
	case err == nil:
		return nil
	case mode == intake.DurableReplica:
		log.Warn("durability replica: no replica acknowledges yet; new tickets answer 503 until one does", "err", err)
		return nil
	}
	return err
}

// deploymentKeys gives keys the suites of the deployment in namespace ns: new seals in
// QINGFENG_CRYPTO's suite, keyed hashes in the suite recorded at the namespace's first
// start (intake.PinHashSuite), which a later change of QINGFENG_CRYPTO does not move.
func deploymentKeys(ctx context.Context, rdb redis.UniversalClient, ns string, keys *intake.Keyring, log *slog.Logger) (*intake.Keyring, error) {
	suite, err := intake.ParseSuite(os.Getenv("QINGFENG_CRYPTO"))
	if err != nil {
		return nil, fmt.Errorf("QINGFENG_CRYPTO: %w", err)
	}
	hash, err := intake.PinHashSuite(ctx, rdb, ns, suite)
	if err != nil {
		return nil, err
	}
	if hash != suite {
		log.Warn("keyed hashes stay in the suite this namespace started with; QINGFENG_CRYPTO changes new seals only", "seal", suite, "hash", hash)
	}
	return keys.WithSuites(suite, hash), nil
}

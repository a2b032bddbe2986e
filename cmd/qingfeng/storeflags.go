package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
)

// storeFlags say where the tickets are, the same way for every command: a Redis URL, or
// Cluster nodes (or Sentinels with a master name), or else the data directory, where serve
// starts a redis-server of its own and records how to reach it (storeaddr.go). Each
// defaults to its environment variable.
type storeFlags struct {
	redisURL, addrs, master, namespace, dataDir string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.redisURL, "redis", os.Getenv("REDIS_URL"),
		"Redis URL (redis://, rediss://, unix://); empty: the addresses below, else the Redis serve started in the data directory; env REDIS_URL")
	fs.StringVar(&f.addrs, "redis-addrs", os.Getenv("QINGFENG_REDIS_ADDRS"),
		"comma-separated Cluster nodes, or Sentinels with -redis-master; env QINGFENG_REDIS_ADDRS")
	fs.StringVar(&f.master, "redis-master", os.Getenv("QINGFENG_REDIS_MASTER"), "Sentinel master name; env QINGFENG_REDIS_MASTER")
	fs.StringVar(&f.namespace, "namespace", envOr("QINGFENG_NAMESPACE", "main"), "key namespace, the hash tag of every key; env QINGFENG_NAMESPACE")
	fs.StringVar(&f.dataDir, "data", envOr("QINGFENG_DATA_DIR", "data"),
		"data directory: the child redis-server's files and socket, the generated key; env QINGFENG_DATA_DIR")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// backend is where the flags point, for intake.OpenBackend. With neither a URL nor
// addresses, serve starts a redis-server in the data directory.
func (f *storeFlags) backend() (intake.BackendConfig, error) {
	cfg := intake.BackendConfig{URL: f.redisURL, Addrs: splitList(f.addrs), MasterName: f.master, DataDir: f.dataDir}
	if cfg.MasterName != "" && len(cfg.Addrs) == 0 {
		return cfg, errors.New("QINGFENG_REDIS_MASTER names a Sentinel master: QINGFENG_REDIS_ADDRS must list the Sentinels")
	}
	return cfg, nil
}

// client connects a tool (admin, audit, reseal) to the store serve uses: the Redis the
// flags name, else the one serve started in the data directory and recorded there, never
// a guess (an account made in some other Redis cannot log in).
func (f *storeFlags) client(ctx context.Context) (redis.UniversalClient, error) {
	cfg, err := f.backend()
	if err != nil {
		return nil, err
	}
	hint := ""
	if cfg.URL == "" && len(cfg.Addrs) == 0 {
		if cfg.URL, err = recordedStore(f.dataDir); err != nil {
			return nil, err
		}
		hint = fmt.Sprintf(" (the Redis that serve recorded in %s: is qingfeng serve running on that data directory?)", filepath.Join(f.dataDir, storeRecord))
	}
	b, err := intake.OpenBackend(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, hint)
	}
	return b.Client, nil
}

// open connects and gives the ticket store, with the service's keys when there are any.
func (f *storeFlags) open(ctx context.Context) (*intake.Store, func(), error) {
	rdb, err := f.client(ctx)
	if err != nil {
		return nil, nil, err
	}
	outcomes, err := intake.LoadOutcomes(nil)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	keys, err := f.serviceKeyring()
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
// QINGFENG_KEY_FILE, else secret.key in the data directory), but never makes one: a tool
// needs the key the tickets were sealed with. Nil when there is none; reading a sealed
// ticket then fails and says which variables to set.
func (f *storeFlags) serviceKeyring() (*intake.Keyring, error) {
	if _, err := os.Stat(filepath.Join(f.dataDir, "secret.key")); os.Getenv("QINGFENG_SECRET_KEY") == "" && os.Getenv("QINGFENG_KEY_FILE") == "" && err != nil {
		return nil, nil
	}
	return intake.OpenKeyring(intake.KeySource{Secret: os.Getenv("QINGFENG_SECRET_KEY"), KeyFile: os.Getenv("QINGFENG_KEY_FILE"),
		DataDir: f.dataDir}, slog.Default())
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

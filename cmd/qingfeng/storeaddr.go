package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
)

// storeRecord is the file in the data directory that names the Redis serve started
// there (a unix socket beside it, or the demo store's port), so that admin, audit and
// reseal given only QINGFENG_DATA_DIR reach the very store serve uses.
const storeRecord = "redis.url"

// recordStore writes the record for the store serve has just opened and returns what
// removes it when serve stops. An external store is not recorded (its URL may hold a
// password; tools are given it as serve was), and an older record is removed so that it
// cannot send them to a Redis no longer in use.
func recordStore(dataDir string, b *intake.Backend) (func(), error) {
	path := filepath.Join(dataDir, storeRecord)
	forget := func() { _ = os.Remove(path) }
	if b.Kind == "external" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove the stale %s: %w", path, err)
		}
		return func() {}, nil
	}
	c, ok := b.Client.(*redis.Client)
	if !ok {
		return nil, fmt.Errorf("record the %s store: a %T has no single address", b.Kind, b.Client)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	// Written whole then renamed: a tool never reads half a record.
	tmp, err := os.CreateTemp(dataDir, storeRecord+".*")
	if err != nil {
		return nil, fmt.Errorf("record the store: %w", err)
	}
	_, err = fmt.Fprintln(tmp, storeURL(c.Options()))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("record the store: %w", err)
	}
	return forget, nil
}

// storeURL is the URL redis.ParseURL reads back into the same address.
func storeURL(o *redis.Options) string {
	if o.Network == "unix" {
		return fmt.Sprintf("unix://%s?db=%d", o.Addr, o.DB)
	}
	return fmt.Sprintf("redis://%s/%d", o.Addr, o.DB)
}

// recordedStore is the URL serve recorded in the data directory.
func recordedStore(dataDir string) (string, error) {
	path := filepath.Join(dataDir, storeRecord)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(dataDir)
		return "", fmt.Errorf("no Redis given, and none recorded in %s: start qingfeng serve with QINGFENG_DATA_DIR=%s "+
			"(it starts its own Redis there and records it), or set REDIS_URL or QINGFENG_REDIS_ADDRS as for serve", path, abs)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	url := strings.TrimSpace(string(b))
	if _, err := redis.ParseURL(url); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return url, nil
}

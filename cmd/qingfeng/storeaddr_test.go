package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/staff"
)

// What serve records is read back as the same address; an external store is never
// recorded, and an older record of one is removed.
func TestStoreRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind string
		opt  *redis.Options
		want string // "" when nothing may be recorded
	}{
		{"child on its socket", "child", &redis.Options{Network: "unix", Addr: "/srv/qf/data/redis.sock"}, "unix:///srv/qf/data/redis.sock?db=0"},
		{"child on TCP (a data directory too deep for a socket)", "child", &redis.Options{Addr: "127.0.0.1:40001"}, "redis://127.0.0.1:40001/0"},
		{"demo store", "embedded", &redis.Options{Addr: "127.0.0.1:40002"}, "redis://127.0.0.1:40002/0"},
		{"external", "external", &redis.Options{Addr: "10.0.0.5:6379", Password: "secret"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, storeRecord), []byte("unix:///old/redis.sock\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			client := redis.NewClient(tc.opt)
			defer client.Close()
			forget, err := recordStore(dir, &intake.Backend{Client: client, Kind: tc.kind})
			if err != nil {
				t.Fatal(err)
			}
			got, err := recordedStore(dir)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("an external store left a record: %q", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("recorded %q (%v), want %q", got, err, tc.want)
			}
			back, err := redis.ParseURL(got)
			if err != nil || back.Network != client.Options().Network || back.Addr != tc.opt.Addr {
				t.Errorf("%q reads back as %s %s (%v)", got, back.Network, back.Addr, err)
			}
			if info, err := os.Stat(filepath.Join(dir, storeRecord)); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("record: %v, mode %v", err, info.Mode())
			}
			forget()
			if _, err := os.Stat(filepath.Join(dir, storeRecord)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the record outlived serve: %v", err)
			}
		})
	}
}

// A tool connects to what the flags name, else to what serve recorded, and otherwise
// says what to do: it never guesses a Redis.
func TestToolsFindTheStore(t *testing.T) {
	live := redistest.URL()
	for _, tc := range []struct {
		name    string
		flags   storeFlags
		record  string // "" writes none
		wantErr string // "" connects
	}{
		{"the Redis serve recorded", storeFlags{}, live, ""},
		{"REDIS_URL before the record", storeFlags{redisURL: live}, "unix:///nowhere/redis.sock", ""},
		{"no Redis and no record", storeFlags{}, "", "start qingfeng serve with QINGFENG_DATA_DIR="},
		{"serve recorded it but has gone", storeFlags{}, "unix:///nowhere/redis.sock", "is qingfeng serve running on that data directory?"},
		{"a record that is not a URL", storeFlags{}, "127.0.0.1:6379", storeRecord},
		{"a master name without Sentinels", storeFlags{master: "mymaster"}, live, "QINGFENG_REDIS_ADDRS must list the Sentinels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.flags.dataDir = t.TempDir()
			if tc.record != "" {
				if err := os.WriteFile(filepath.Join(tc.flags.dataDir, storeRecord), []byte(tc.record+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			rdb, err := tc.flags.client(context.Background())
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer rdb.Close()
				if err := rdb.Ping(context.Background()).Err(); err != nil {
					t.Error(err)
				}
				return
			}
			if err == nil {
				rdb.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
}

// admin and audit reach a Cluster (QINGFENG_REDIS_ADDRS) and a master watched by
// Sentinels (with QINGFENG_REDIS_MASTER) as serve does: the account lands where the
// service reads it, in a namespace whose keys live on another node than the first address.
func TestToolsReachClusterAndSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-servers")
	}
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (addrs, master, ns string, rdb redis.UniversalClient)
	}{{"cluster", startCluster}, {"sentinel", startSentinel}} {
		t.Run(tc.name, func(t *testing.T) {
			addrs, master, ns, rdb := tc.start(t)
			defer rdb.Close()
			for name, v := range map[string]string{"REDIS_URL": "", "QINGFENG_REDIS_ADDRS": addrs, "QINGFENG_REDIS_MASTER": master,
				"QINGFENG_NAMESPACE": ns, "QINGFENG_DATA_DIR": t.TempDir(), "QINGFENG_SECRET_KEY": "", "QINGFENG_KEY_FILE": ""} {
				t.Setenv(name, v)
			}
			ctx := context.Background()
			var out, errOut bytes.Buffer
			if code := run(ctx, []string{"admin", "add-user", "-user", "chief", "-role", "admin"}, strings.NewReader("a long admin password\n"), &out, &errOut); code != 0 {
				t.Fatalf("admin add-user: exit %d: %s", code, errOut.String())
			}
			if a, err := staff.NewDirectory(rdb, ns, nil).Account(ctx, "chief"); err != nil || a.Role != staff.RoleAdmin {
				t.Fatalf("the account is not where the service reads it: %+v %v", a, err)
			}
			out.Reset()
			if code := run(ctx, []string{"audit", "verify-admin"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 entries, chain intact") {
				t.Errorf("audit verify-admin: exit %d: %s %s", code, out.String(), errOut.String())
			}
		})
	}
}

// startCluster starts three masters sharing the slots and gives a namespace whose hash
// tag falls on the second or third: a client of the first address alone would be MOVED.
func startCluster(t *testing.T) (string, string, string, redis.UniversalClient) {
	ctx := context.Background()
	var addrs []string
	for range 3 {
		addrs = append(addrs, redistest.Server(t, "", "--cluster-enabled", "yes"))
	}
	first := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer first.Close()
	for i, addr := range addrs {
		node := redis.NewClient(&redis.Options{Addr: addr})
		err := node.ClusterAddSlotsRange(ctx, i*16384/3, (i+1)*16384/3-1).Err()
		node.Close()
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			host, port, _ := strings.Cut(addr, ":")
			if err := first.ClusterMeet(ctx, host, port).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	waitCluster(t, addrs)
	for i := 0; ; i++ {
		ns := fmt.Sprintf("tools-%d", i)
		slot, err := first.ClusterKeySlot(ctx, "qf:{"+ns+"}:staff:accounts").Result()
		if err != nil {
			t.Fatal(err)
		}
		if slot >= 16384/3 {
			return strings.Join(addrs, ","), "", ns, rdb
		}
	}
}

// waitCluster waits until every node sees the cluster whole.
func waitCluster(t *testing.T, addrs []string) {
	ctx := context.Background()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		ok := 0
		for _, addr := range addrs {
			node := redis.NewClient(&redis.Options{Addr: addr})
			info, _ := node.ClusterInfo(ctx).Result()
			node.Close()
			if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
				ok++
			}
		}
		if ok == len(addrs) {
			return
		}
	}
	t.Fatal("the cluster did not come up within 15 s")
}

// startSentinel starts a master and a Sentinel watching it.
func startSentinel(t *testing.T) (string, string, string, redis.UniversalClient) {
	master := redistest.Server(t, "")
	host, port, _ := strings.Cut(master, ":")
	sentinel := redistest.Server(t, fmt.Sprintf("sentinel monitor qfmaster %s %s 1\n", host, port), "--sentinel")
	return sentinel, "qfmaster", "tools", redis.NewClient(&redis.Options{Addr: master})
}

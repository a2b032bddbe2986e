package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"qingfeng/intake"
	"qingfeng/nlp"
	"qingfeng/staff"
)

// runStaffLoad measures the staff console against a store the size the issue names: it
// seeds tickets into a fresh namespace (seedTickets), starts `qingfeng serve` on
// loopback, logs in as each role and times the queue and figures pages end to end
// (HTTP, session check, Redis, JSON), then removes everything it stored.
func runStaffLoad(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("staffload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/15"), "Redis to load (a fresh namespace is used and removed)")
	tickets := fs.Int("tickets", 100_000, "tickets to seed")
	workers := fs.Int("workers", 8, "seeding workers")
	requests := fs.Int("requests", 200, "requests per page measured")
	keep := fs.Bool("keep", false, "keep the seeded namespace (to try the console on it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ns := "staffload-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if !*keep {
		defer cleanNamespace(*redisURL, ns)
	}
	secret := randomKey()
	keys, err := intake.OpenKeyring(intake.KeySource{Secret: secret}, nil)
	if err != nil {
		return err
	}
	analyzer, err := nlp.New(nlp.Options{})
	if err != nil {
		return err
	}
	began := time.Now()
	if err := seedTickets(ctx, rdb, ns, analyzer, keys, *tickets, *workers, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d tickets into namespace %s in %s\n", *tickets, ns, time.Since(began).Round(time.Second))
	dir := staff.NewDirectory(rdb, ns, keys)
	dir.Cost = bcrypt.MinCost // logging in is not what is measured
	password := randomHex(12)
	for _, a := range []struct {
		user string
		role intake.Role
		body string
	}{{"load-intake", staff.RoleIntake, ""}, {"load-leader", staff.RoleLeader, ""}, {"load-handler", staff.RoleHandler, "county-a"}} {
		if err := dir.AddAccount(ctx, "staffload", a.user, a.role, a.body, password); err != nil {
			return err
		}
	}

	srv, addr, err := startChildServer(ctx, *redisURL, ns, "QINGFENG_SECRET_KEY="+secret)
	if err != nil {
		return err
	}
	defer stopChildServer(srv)
	base := "http://" + addr
	month := time.Now().Format("2006-01") + "-01"
	quarterStart := time.Now().AddDate(0, -2, 0).Format("2006-01") + "-01"
	nextMonth := time.Now().AddDate(0, 1, 0).Format("2006-01") + "-01"
	pages := []struct{ user, name, path string }{
		{"load-intake", "queue page (HTML)", "/staff/"},
		{"load-intake", "intake queue: received, 200 rows", "/staff/api/tickets?limit=200"},
		{"load-intake", "intake queue: routed + red filter", "/staff/api/tickets?status=routed&level=red&limit=200"},
		{"load-handler", "handler queue: county-a subtree", "/staff/api/tickets?status=routed&limit=200"},
		{"load-leader", "leader queue: reported", "/staff/api/tickets?limit=200"},
		{"load-leader", "figures page (HTML)", "/staff/figures"},
		{"load-leader", "figures: this month", "/staff/api/figures?from=" + month + "&to=" + nextMonth},
		{"load-leader", "figures: three months", "/staff/api/figures?from=" + quarterStart + "&to=" + nextMonth},
	}
	fmt.Fprintf(stdout, "%-36s %8s %8s %8s %8s\n", "page", "p50", "p95", "p99", "bytes")
	for _, p := range pages {
		client, err := staffClient(base, p.user, password)
		if err != nil {
			return err
		}
		lat := make([]time.Duration, 0, *requests)
		size := 0
		for range *requests {
			t0 := time.Now()
			resp, err := client.Get(base + p.path)
			if err != nil {
				return err
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s", p.path, resp.Status)
			}
			lat = append(lat, time.Since(t0))
			size = int(n)
		}
		fmt.Fprintf(stdout, "%-36s %8s %8s %8s %8d\n", p.name, pct(lat, 50), pct(lat, 95), pct(lat, 99), size)
	}
	if *keep {
		fmt.Fprintf(stdout, "kept namespace %s; accounts load-intake, load-leader, load-handler, password %s\n", ns, password)
	}
	return nil
}

// staffClient logs in and keeps the session cookie.
func staffClient(base, user, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := client.Post(base+"/staff/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login as %s: %s", user, resp.Status)
	}
	return client, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/nlp"
	"qingfeng/staff"
	"qingfeng/web"
)

// runServe starts the service: everything a citizen, a caller or a phone system talks to.
func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, nf := newFlagSet("serve", stderr)
	addr := fs.String("addr", envOr("QINGFENG_ADDR", ":8080"), "listen address; env QINGFENG_ADDR")
	var sf storeFlags // no address: a redis-server in the data directory, or an in-memory demo store
	sf.register(fs)
	dataDir, namespace := &sf.dataDir, &sf.namespace
	sessionTTL := fs.Duration("session-ttl", 24*time.Hour, "how long a conversation waits for its next message")
	scanEvery := fs.Duration("scan-every", time.Minute, "how often deadlines are checked for warnings and escalation")
	trustedProxies := fs.String("trusted-proxies", os.Getenv("QINGFENG_TRUSTED_PROXIES"),
		"comma-separated CIDRs of the proxies whose X-Forwarded-For is believed; none by default; env QINGFENG_TRUSTED_PROXIES")
	metricsAddr := fs.String("metrics-addr", os.Getenv("QINGFENG_METRICS_ADDR"), "listen address of /metrics; empty serves none; env QINGFENG_METRICS_ADDR")
	var of outboxFlags
	of.register(fs)
	var df durabilityFlags
	df.register(fs)
	var wf wechatFlags
	wf.register(fs)
	var ef evidenceFlags
	ef.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	durability, durable, err := df.option()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	proxies, err := web.ParseTrustedProxies(*trustedProxies)
	if err != nil {
		return err
	}

	start := time.Now()
	opts, err := nf.options()
	if err != nil {
		return err
	}
	analyzer, err := nlp.New(opts)
	if err != nil {
		return err
	}
	debug.FreeOSMemory() // hand the loading garbage back before serving
	log.Info("dictionaries and model loaded", "took", time.Since(start).Round(time.Millisecond).String())

	backendCfg, err := sf.backend()
	if err != nil {
		return err
	}
	backend, err := intake.OpenBackend(ctx, backendCfg, log)
	if err != nil {
		return err
	}
	defer backend.Close()
	forget, err := recordStore(*dataDir, backend) // how admin and audit find this store
	if err != nil {
		return err
	}
	defer forget()
	keys, err := intake.OpenKeyring(intake.KeySource{Secret: os.Getenv("QINGFENG_SECRET_KEY"),
		KeyFile: os.Getenv("QINGFENG_KEY_FILE"), DataDir: *dataDir}, log)
	if err != nil {
		return err
	}
	if keys, err = deploymentKeys(ctx, backend.Client, *namespace, keys, log); err != nil {
		return err
	}
	outcomes, err := intake.LoadOutcomes(nil)
	if err != nil {
		return err
	}
	store := intake.NewStore(backend.Client, *namespace, outcomes, time.Now, durable, intake.WithKeyring(keys))
	if err := checkDurability(ctx, durability, store, log); err != nil {
		return err
	}
	cal, err := intake.NewCalendar()
	if err != nil {
		return err
	}
	limits, err := intake.LoadLimits(nil)
	if err != nil {
		return err
	}
	scanner := intake.NewScanner(store, cal, limits)
	if err := scanner.LoadCalendars(ctx); err != nil {
		log.Warn("could not load the saved holiday calendars", "err", err)
	}
	if st := scanner.CalendarStatus(); !st.ThisPublished {
		log.Warn("no official holiday arrangement for this year: deadlines count plain weekends until an admin loads it", "year", st.ThisYear)
	}
	go scanDeadlines(ctx, scanner, *scanEvery, log)
	tickets := intake.NewIntake(store, analyzer, keys)
	blobs, evidenceLimits, err := ef.open(ctx, *dataDir, *namespace, log)
	if err != nil {
		return err
	}
	dialogue := bot.New(tickets, analyzer, bot.NewRedisSessions(backend.Client, *namespace, *sessionTTL, keys))

	cfg := web.DefaultConfig()
	cfg.Namespace, cfg.TrustedProxies, cfg.Keys = *namespace, proxies, keys
	cfg.WebhookSecret = []byte(os.Getenv("QINGFENG_WEBHOOK_SECRET"))
	cfg.TwilioToken, cfg.PublicURL = os.Getenv("QINGFENG_TWILIO_TOKEN"), os.Getenv("QINGFENG_PUBLIC_URL")
	if err := wf.apply(&cfg, log); err != nil {
		return err
	}
	if len(cfg.WebhookSecret) == 0 {
		log.Warn("QINGFENG_WEBHOOK_SECRET is not set: the SMS and hotline webhooks answer 503 until it is")
	}
	site := web.New(tickets, dialogue, backend.Client, log, cfg).
		WithStaff(web.StaffDeps{Directory: staff.NewDirectory(backend.Client, *namespace, keys), Tickets: store, Reveal: tickets, Figures: store, Warnings: scanner, Live: store,
			Deadlines: scanner, Calendar: scanner, Categories: analyzer.Categories(), Ranks: analyzer.Ranks(), Outcomes: outcomes}).
		WithEvidence(intake.NewEvidence(tickets, blobs, evidenceLimits))
	srv := &http.Server{Addr: *addr, Handler: site.Handler(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	box, err := of.outbox(store, scanner, log)
	if err != nil {
		return err
	}
	site.WithOutbox(box)
	waitOutbox := of.start(ctx, box, log)

	servers := []*http.Server{srv}
	if *metricsAddr != "" {
		servers = append(servers, &http.Server{Addr: *metricsAddr, Handler: site.MetricsHandler(),
			ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second})
	}

	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errc <- s.ListenAndServe() }()
	}
	log.Info("serving", "addr", *addr, "metrics_addr", *metricsAddr, "store", backend.Kind, "demo", backend.Demo(), "console", consoleURL(*addr))
	if err := greet(ctx, stdout, *addr, &sf, backend); err != nil {
		log.Warn("could not count the staff accounts", "err", err)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("listen: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	site.Drain() // open chats are told to reconnect: their pages resume on the next instance
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	waitOutbox() // a notice being sent is finished and recorded first
	return nil
}

// scanDeadlines warns and escalates on deadlines until ctx ends; every instance may run
// it, since each warning and escalation is recorded once.
func scanDeadlines(ctx context.Context, sc *intake.Scanner, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		res, err := sc.Scan(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("deadline scan failed", "err", err)
		} else if res.Warned+res.Escalated > 0 {
			log.Info("deadline scan", "warned", res.Warned, "escalated", res.Escalated)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"qingfeng/intake"
)

// The outbox sends the notices intake queues (intake/notices.go): any number of
// instances read the events stream through the consumer group "outbox", so each notice
// is handled by one of them, and one that dies mid-send leaves its entries pending for
// another to take over (XAUTOCLAIM). A notice is sent at most once as far as Redis can
// tell: a worker claims it under a lease before sending, and records the send in the
// notice record, with its audit entry, before acknowledging the stream entry; a worker
// stopped after the gateway took the message still records it, so the one that takes
// over finds it sent and only acknowledges. Should an instance crash between the send
// and that record, the next try carries the same notice id, which the gateway takes as
// its idempotency key. Failed tries wait (doubling) in notices:later and come back on
// the stream; after the last, the notice is a dead letter staff see on the ticket.
// Non-urgent SMS notices wait out quiet hours.

// OutboxConfig is how the outbox works; DefaultOutboxConfig has the defaults.
type OutboxConfig struct {
	Name        string        // this worker's name in the consumer group, unique per instance
	Tries       int           // QINGFENG_NOTICE_TRIES: tries before a notice is given up on
	Backoff     time.Duration // the wait after the first failed try, doubled after each next one…
	MaxBackoff  time.Duration // …up to this
	Quiet       QuietHours    // QINGFENG_QUIET_HOURS: non-urgent SMS wait for the window's end
	Lease       time.Duration // how long one send may hold a notice before another worker may try it
	TakeOver    time.Duration // how long an entry stays pending with a silent worker before another takes it
	SendTimeout time.Duration // one send, with its record
	Batch       int           // events read at a time
	Block       time.Duration // how long a read waits for new events
	TrimEvery   time.Duration // how often the events stream is trimmed
	Now         func() time.Time
}

// DefaultOutboxConfig: 8 tries, 30 s apart at first and twice as far each time (the
// last about an hour after the first), quiet hours 22:00–08:00.
func DefaultOutboxConfig() OutboxConfig {
	q, _ := ParseQuietHours(DefaultQuietHours)
	return OutboxConfig{Name: workerName(), Tries: 8, Backoff: 30 * time.Second, MaxBackoff: time.Hour, Quiet: q,
		Lease: 2 * time.Minute, TakeOver: time.Minute, SendTimeout: 30 * time.Second, Batch: 32, Block: time.Second,
		TrimEvery: 10 * time.Second, Now: time.Now}
}

// workerName is unique per process, so two instances on one host are two consumers.
func workerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// NoticeStore is what the outbox needs of the ticket store.
type NoticeStore interface {
	Consumer(ctx context.Context, group, name string) (*intake.Consumer, error)
	Notice(ctx context.Context, id string) (*intake.Notice, error)
	Notices(ctx context.Context, ticket string) ([]*intake.Notice, error)
	ClaimNotice(ctx context.Context, id, worker string, lease time.Duration) (intake.Claim, intake.Claimed, error)
	PostponeNotice(ctx context.Context, id, worker string, until time.Time, why string) (bool, error)
	PromoteNotices(ctx context.Context, limit int) (int, error)
	SettleNotice(ctx context.Context, id string, out intake.Outcome) (bool, error)
	SettleClaimed(ctx context.Context, c intake.Claimed, out intake.Outcome) (bool, error)
	TrimEvents(ctx context.Context) (int64, error)
}

// Outbox sends notices; see the top of this file.
type Outbox struct {
	store   NoticeStore
	senders map[string]NoticeSender // by notice channel: sms, wechat
	due     func(*intake.Notice) time.Time
	cfg     OutboxConfig
	log     *slog.Logger
}

// NewOutbox sends the store's notices; due tells when a notice with a time limit must
// have gone out (intake.Scanner.NoticeDue), for the on-time figures. SMS go through
// sms (nil: SMS notices fail as not configured); WeChat through the server's
// customer-service sender once Server.WithOutbox joins them.
func NewOutbox(store NoticeStore, sms NoticeSender, due func(*intake.Notice) time.Time, cfg OutboxConfig, log *slog.Logger) *Outbox {
	o := &Outbox{store: store, senders: map[string]NoticeSender{}, due: due, cfg: cfg, log: log}
	if sms != nil {
		o.senders[intake.NoticeSMS] = sms
	}
	return o
}

// SMSSender names the SMS sender, "" when none is configured.
func (o *Outbox) SMSSender() string {
	if s := o.senders[intake.NoticeSMS]; s != nil {
		return s.Name()
	}
	return ""
}

// WithOutbox sends WeChat notices through this server's customer-service sender, takes
// the SMS gateway's receipts, and shows dead notices on the staff ticket page.
func (s *Server) WithOutbox(o *Outbox) *Server {
	o.senders[intake.NoticeWechat] = wechatNotices{s}
	s.outbox = o
	return s
}

// outboxActor is who records sends in the audit trail.
const outboxActor = "outbox"

// Run sends until ctx ends. A send under way when it ends is finished and recorded, but
// its stream entry is left for another worker to acknowledge.
func (o *Outbox) Run(ctx context.Context) {
	var c *intake.Consumer
	for c == nil {
		var err error
		if c, err = o.store.Consumer(ctx, intake.OutboxGroup, o.cfg.Name); err != nil {
			o.log.Error("outbox: cannot join the consumer group", "err", err)
			if !sleep(ctx, time.Second) {
				return
			}
		}
	}
	c.MinIdle = o.cfg.TakeOver
	var trimmed time.Time
	for ctx.Err() == nil {
		if _, err := o.store.PromoteNotices(ctx, 100); err != nil && ctx.Err() == nil {
			o.log.Error("outbox: cannot bring back waiting notices", "err", err)
		}
		events, err := c.Next(ctx, int64(o.cfg.Batch), o.cfg.Block)
		if err != nil {
			if ctx.Err() == nil {
				o.log.Error("outbox: cannot read events", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		if done := o.handleAll(ctx, events); len(done) > 0 && ctx.Err() == nil {
			if err := c.Ack(ctx, done...); err != nil {
				o.log.Error("outbox: cannot acknowledge events", "err", err)
			}
		}
		if now := o.cfg.Now(); now.Sub(trimmed) >= o.cfg.TrimEvery && ctx.Err() == nil {
			trimmed = now
			if _, err := o.store.TrimEvents(ctx); err != nil {
				o.log.Error("outbox: cannot trim the events stream", "err", err)
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// handleAll handles a batch, notices side by side, and answers the events that are
// done with. Events other than notices are for other groups' work.
func (o *Outbox) handleAll(ctx context.Context, events []intake.Event) []intake.Event {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var done []intake.Event
	for _, e := range events {
		if e.Type != "notice" {
			mu.Lock() // the notices' goroutines append too
			done = append(done, e)
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o.handle(ctx, e) {
				mu.Lock()
				done = append(done, e)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}

// handle sends the notice of e if it is still to be sent, and answers whether e may
// be acknowledged.
func (o *Outbox) handle(ctx context.Context, e intake.Event) bool {
	id := e.Notice
	if e.Channel == intake.NoticeSMS && !e.Urgent {
		if until, quiet := o.cfg.Quiet.Until(o.cfg.Now()); quiet {
			held, err := o.store.PostponeNotice(ctx, id, o.cfg.Name, until, "")
			if err != nil {
				o.log.Error("outbox: cannot hold a notice for quiet hours", "notice", id, "err", err)
				return false
			}
			if held {
				o.log.Info("outbox: a notice waits for quiet hours to end", "notice", id, "until", until)
				return true
			}
			// Not to be held (sent already, or another worker's): the claim says what it is.
		}
	}
	// The claim is the one place that decides: only a queued notice, or one whose
	// sender's lease ran out, is sent; one sent, given up on or waiting is done with here.
	claim, c, err := o.store.ClaimNotice(ctx, id, o.cfg.Name, o.cfg.Lease)
	switch {
	case claim == intake.ClaimOK && c.Notice != nil:
		// Taken, even when its contact would not open (err): that try fails for good.
	case err != nil:
		o.log.Error("outbox: cannot claim a notice", "notice", id, "err", err)
		return false
	case claim == intake.ClaimBusy:
		return false // another worker is sending it; looked at again after TakeOver
	default:
		return true
	}
	if ctx.Err() != nil {
		return false // stopping: the lease runs out and another worker sends it
	}
	o.send(ctx, c, err)
	return ctx.Err() == nil
}

// send makes one try of a claimed notice (contactErr: its contact would not open) and
// records its outcome. It runs to the end even when ctx ends meanwhile: a message the
// gateway took must be recorded as sent.
func (o *Outbox) send(ctx context.Context, c intake.Claimed, contactErr error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.SendTimeout)
	defer cancel()
	n := c.Notice
	sender := o.senders[n.Channel]
	providerID, err := o.try(ctx, sender, n, c.To, contactErr)
	if err == nil {
		onTime := o.due == nil || n.Limit == "" || !o.cfg.Now().After(o.due(n))
		out := intake.Outcome{State: intake.NoticeSent, Actor: outboxActor, Sender: sender.Name(), ProviderID: providerID, OnTime: onTime,
			Note: fmt.Sprintf(messages["audit_notice_sent"], noticeKindName(n.Kind), noticeChannelName(n.Channel))}
		if _, err := o.store.SettleClaimed(ctx, c, out); err != nil {
			// Left as it is, another worker tries again when the lease runs out, with the
			// same id, which the gateway knows.
			o.log.Error("outbox: a notice went out but could not be recorded", "notice", n.ID, "err", err)
		}
		return
	}
	o.log.Warn("outbox: a notice was not sent", "notice", n.ID, "channel", n.Channel, "try", n.Tries, "err", err)
	var p permanent
	if errors.As(err, &p) || n.Tries >= o.cfg.Tries {
		out := intake.Outcome{State: intake.NoticeDead, Actor: outboxActor, Error: err.Error(),
			Note: fmt.Sprintf(messages["audit_notice_dead"], noticeKindName(n.Kind), noticeChannelName(n.Channel), n.Tries)}
		if _, err := o.store.SettleClaimed(ctx, c, out); err != nil {
			o.log.Error("outbox: cannot give up on a notice", "notice", n.ID, "err", err)
		}
		return
	}
	if _, err := o.store.PostponeNotice(ctx, n.ID, o.cfg.Name, o.cfg.Now().Add(o.backoff(n.Tries)), err.Error()); err != nil {
		o.log.Error("outbox: cannot put a notice aside for its next try", "notice", n.ID, "err", err)
	}
}

// try sends n to to once.
func (o *Outbox) try(ctx context.Context, sender NoticeSender, n *intake.Notice, to string, contactErr error) (string, error) {
	switch {
	case sender == nil:
		return "", permanent{fmt.Errorf("no %s sender is configured", n.Channel)}
	case contactErr != nil:
		return "", permanent{contactErr}
	case to == "":
		return "", permanent{fmt.Errorf("ticket %s keeps no contact for its reporter", n.Ticket)}
	}
	return sender.Send(ctx, OutMessage{ID: n.ID, To: to, Text: noticeText(n)})
}

// backoff is the wait after the tries-th failed try.
func (o *Outbox) backoff(tries int) time.Duration {
	d := o.cfg.Backoff
	for i := 1; i < tries && d < o.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, o.cfg.MaxBackoff)
}

// Receipt records the gateway's word on a notice it took: delivered or not. A second
// receipt changes nothing (recorded=false); one for a notice not yet recorded as sent
// answers intake.ErrNoticePending.
func (o *Outbox) Receipt(ctx context.Context, id string, delivered bool, at time.Time, from string) (bool, error) {
	n, err := o.store.Notice(ctx, id)
	if err != nil {
		return false, err
	}
	out := intake.Outcome{State: intake.NoticeDelivered, Actor: from, At: at,
		Note: fmt.Sprintf(messages["audit_notice_delivered"], noticeKindName(n.Kind), noticeChannelName(n.Channel))}
	if !delivered {
		out.State = intake.NoticeUndelivered
		out.Note = fmt.Sprintf(messages["audit_notice_undelivered"], noticeKindName(n.Kind), noticeChannelName(n.Channel))
	}
	return o.store.SettleNotice(ctx, id, out)
}

// noticeText is what the reporter reads.
func noticeText(n *intake.Notice) string {
	key := "notice_" + string(n.Kind)
	if n.Detail == "" && n.Kind == intake.NoticeRejected {
		key += "_plain"
	}
	if n.Kind == intake.NoticeAccepted || key == "notice_rejected_plain" {
		return fmt.Sprintf(messages[key], n.Ticket)
	}
	return fmt.Sprintf(messages[key], n.Ticket, n.Detail)
}

func noticeKindName(k intake.NoticeKind) string { return messages["notice_kind_"+string(k)] }
func noticeChannelName(c string) string         { return messages["notice_channel_"+c] }

// deadNoticeView is a notice given up on, as staff see it on the ticket: never where it
// was to go.
type deadNoticeView struct {
	ID       string             `json:"id"`
	Kind     intake.NoticeKind  `json:"kind"`
	KindName string             `json:"kind_name"`
	Channel  string             `json:"channel"`
	State    intake.NoticeState `json:"state"` // dead, or undelivered (the gateway's receipt)
	Tries    int                `json:"tries"`
	Error    string             `json:"error,omitempty"`
	QueuedAt time.Time          `json:"queued_at"`
}

// deadNotices lists the ticket's notices that did not reach the reporter.
func (s *Server) deadNotices(ctx context.Context, ticket string) ([]deadNoticeView, error) {
	out := []deadNoticeView{}
	if s.outbox == nil {
		return out, nil
	}
	ns, err := s.outbox.store.Notices(ctx, ticket)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if n.State == intake.NoticeDead || n.State == intake.NoticeUndelivered {
			out = append(out, deadNoticeView{ID: n.ID, Kind: n.Kind, KindName: noticeKindName(n.Kind), Channel: n.Channel,
				State: n.State, Tries: n.Tries, Error: n.Error, QueuedAt: n.QueuedAt})
		}
	}
	return out, nil
}

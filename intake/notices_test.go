package intake

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a test clock that can be moved on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// noticeKit is intake on a backend with a clock the test moves (Monday 2 March 2026, 09:30).
func noticeKit(t *testing.T, c conn) (*Intake, *Store, *Keyring, *clock) {
	t.Helper()
	in, _, k := testIntake(t, c)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, chinaTime)}
	o, err := LoadOutcomes(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(c.rdb, c.ns, o, clk.now, WithKeyring(k))
	return NewIntake(s, in.analyzer, k), s, k, clk
}

const noticeText = "城关派出所户籍民警张某办户口时暗示要两条烟，不给就一直拖着不办。"

// Each channel's reporter is told on their own channel, and only what DOMAIN.md owes
// them: acceptance and rejection only to real-name reporters, messages to anyone who
// can be reached; anonymous web reporters nothing. The contact is sealed with the
// ticket and opens only for the sender.
func TestNoticesGoToWhoCanBeReached(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _, _ := noticeKit(t, c)
		ctx := context.Background()
		cases := []struct {
			name   string
			report Report
			move   Move
			kind   NoticeKind // "" when nothing is owed
			ch, to string
			detail string
		}{
			{"sms anonymous, accepted", Report{Channel: "sms", Anonymous: true, Phone: "13800000001"}, Move{Action: ActAccept}, "", "", "", ""},
			{"sms anonymous, message", Report{Channel: "sms", Anonymous: true, Phone: "13800000002"}, Move{Action: ActMessage, Note: "请补充时间地点"}, NoticeMessage, NoticeSMS, "13800000002", "请补充时间地点"},
			{"sms real name, accepted", Report{Channel: "sms", Name: "王建国", Phone: "13800000003"}, Move{Action: ActAccept}, NoticeAccepted, NoticeSMS, "13800000003", ""},
			{"hotline caller, accepted", Report{Channel: "hotline", Phone: "13800000004"}, Move{Action: ActAccept}, NoticeAccepted, NoticeSMS, "13800000004", ""},
			{"hotline without a number, message", Report{Channel: "hotline", Anonymous: true}, Move{Action: ActMessage, Note: "您好"}, "", "", "", ""},
			{"web real name with phone, rejected", Report{Channel: "web", Name: "李四", Phone: "13800000005"}, Move{Action: ActReject, Reason: "无具体事实", Note: "内部备注"}, NoticeRejected, NoticeSMS, "13800000005", "无具体事实"},
			{"web real name without phone, accepted", Report{Channel: "web", Name: "李四"}, Move{Action: ActAccept}, "", "", "", ""},
			{"web anonymous, message", Report{Channel: "web", Anonymous: true}, Move{Action: ActMessage, Note: "您好"}, "", "", "", ""},
			{"wechat anonymous, accepted", Report{Channel: "wechat", Anonymous: true, Conversation: "conv-1"}, Move{Action: ActAccept}, "", "", "", ""},
			{"wechat anonymous, message", Report{Channel: "wechat", Anonymous: true, Conversation: "conv-2"}, Move{Action: ActMessage, Note: "您好"}, NoticeMessage, NoticeWechat, "conv-2", "您好"},
			{"wechat real name, accepted", Report{Channel: "wechat", Name: "赵六", Phone: "13800000006", Conversation: "conv-3"}, Move{Action: ActAccept}, NoticeAccepted, NoticeWechat, "conv-3", ""},
		}
		for i, tc := range cases {
			r := tc.report
			r.SenderID, r.Text = fmt.Sprintf("who-%d", i), noticeText
			rc, err := in.Submit(ctx, r)
			if err != nil {
				t.Fatalf("%s: submit: %v", tc.name, err)
			}
			if r.Phone != "" && strings.Contains(rc.Ticket.Reach, r.Phone) {
				t.Errorf("%s: the number is kept in the clear", tc.name)
			}
			m := tc.move
			m.Actor, m.Role = "intake1", RoleIntake
			if _, err := s.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, m); err != nil {
				t.Fatalf("%s: %s: %v", tc.name, m.Action, err)
			}
			ns, err := s.Notices(ctx, rc.Ticket.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.kind == "" {
				if len(ns) != 0 {
					t.Errorf("%s: queued %+v, want nothing", tc.name, ns[0])
				}
				continue
			}
			if len(ns) != 1 {
				t.Fatalf("%s: %d notices, want 1", tc.name, len(ns))
			}
			n := ns[0]
			if n.Kind != tc.kind || n.Channel != tc.ch || n.State != NoticeQueued || n.Detail != tc.detail || n.Ticket != rc.Ticket.ID {
				t.Errorf("%s: notice %+v", tc.name, n)
			}
			if cl, c, err := s.ClaimNotice(ctx, n.ID, "w", time.Minute); err != nil || cl != ClaimOK || c.To != tc.to {
				t.Errorf("%s: claim %s, address %q, %v; want %q", tc.name, cl, c.To, err, tc.to)
			}
		}
	})
}

// The notice is queued by the move's own script: with the move, a "notice" event on
// the stream and a counter; a move that loses its race queues nothing.
func TestNoticeIsQueuedWithItsMove(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _, _ := noticeKit(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "hotline", SenderID: "call-1", Phone: "13800000001", Text: noticeText})
		if err != nil {
			t.Fatal(err)
		}
		accept := Move{Action: ActAccept, Actor: "intake1", Role: RoleIntake}
		if _, err := s.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version+1, accept); CodeOf(err) != CodeConflict {
			t.Fatalf("stale move: %v", err)
		}
		if ns, _ := s.Notices(ctx, rc.Ticket.ID); len(ns) != 0 {
			t.Fatalf("a refused move queued %d notices", len(ns))
		}
		tk, err := s.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, accept)
		if err != nil {
			t.Fatal(err)
		}
		id := rc.Ticket.ID + "-2" // the accept is the ticket's second audit entry
		n, err := s.Notice(ctx, id)
		if err != nil || n.Kind != NoticeAccepted || n.Limit != "accept_notice" || n.From != DateOf(tk.CreatedAt) || !n.QueuedAt.Equal(tk.UpdatedAt.Truncate(time.Millisecond)) {
			t.Fatalf("notice %+v, %v", n, err)
		}
		cons, err := s.Consumer(ctx, OutboxGroup, "w")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := cons.Next(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range evs {
			types = append(types, e.Type+":"+e.Notice)
		}
		if got := strings.Join(types, " "); got != "created: moved: notice:"+id || !strings.HasPrefix(evs[2].Channel, NoticeSMS) || evs[2].Urgent {
			t.Errorf("events %q", got)
		}
		f, err := s.Figures(ctx, tk.CreatedAt.Add(-time.Hour), tk.CreatedAt.Add(time.Hour))
		if err != nil || f.Notices != 1 || f.NoticeRate != 0 {
			t.Errorf("figures: %+v, %v", f, err)
		}
	})
}

// A notice goes through its states: one worker at a time sends it, a failed try waits
// and comes back on the stream when its time comes, a send is recorded once with its
// audit entry, a receipt once more, and one given up on joins the dead letters. The
// history still verifies, and the figures count what went out on time.
func TestNoticeStates(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _, clk := noticeKit(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "sms", SenderID: "m-1", Name: "王建国", Phone: "13800000001", Text: noticeText})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := s.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, Move{Action: ActAccept, Actor: "intake1", Role: RoleIntake})
		if err != nil {
			t.Fatal(err)
		}
		tk, err = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActMessage, Actor: "intake1", Role: RoleIntake, Note: "请补充材料"})
		if err != nil {
			t.Fatal(err)
		}
		accepted, message := tk.ID+"-2", tk.ID+"-3"

		if cl, c, err := s.ClaimNotice(ctx, accepted, "a", time.Minute); err != nil || cl != ClaimOK || c.Notice.Tries != 1 || c.To != "13800000001" {
			t.Fatalf("claim: %s %+v %v", cl, c, err)
		}
		if cl, _, _ := s.ClaimNotice(ctx, accepted, "b", time.Minute); cl != ClaimBusy {
			t.Errorf("second worker's claim while the first sends: %s", cl)
		}
		if ok, _ := s.PostponeNotice(ctx, accepted, "b", clk.now().Add(time.Minute), "not mine"); ok {
			t.Error("a worker postponed a notice another holds")
		}
		if ok, err := s.PostponeNotice(ctx, accepted, "a", clk.now().Add(time.Minute), "gateway: HTTP 503"); !ok || err != nil {
			t.Fatalf("postpone: %v %v", ok, err)
		}
		if n, _ := s.PromoteNotices(ctx, 10); n != 0 {
			t.Errorf("promoted %d before its time", n)
		}
		clk.add(time.Minute)
		if n, _ := s.PromoteNotices(ctx, 10); n != 1 {
			t.Errorf("promoted %d when its time came", n)
		}
		if n, _ := s.Notice(ctx, accepted); n.State != NoticeQueued || n.Error != "gateway: HTTP 503" {
			t.Errorf("after promotion: %+v", n)
		}
		// The lease of a worker that died runs out: another may send.
		if cl, c, _ := s.ClaimNotice(ctx, accepted, "a", time.Second); cl != ClaimOK || c.Notice.Tries != 2 {
			t.Fatalf("claim again: %s %d", cl, c.Notice.Tries)
		}
		clk.add(2 * time.Second)
		cl, claimed, _ := s.ClaimNotice(ctx, accepted, "b", time.Minute)
		if cl != ClaimOK || claimed.Notice.Tries != 3 {
			t.Fatalf("claim after the lease: %s %d", cl, claimed.Notice.Tries)
		}
		// Someone looks at the reporter's identity meanwhile: the send is recorded
		// against the ticket as it is now, not as the claim read it.
		if _, err := in.RevealIdentity(ctx, tk.ID, "intake1", RoleIntake, "核实"); err != nil {
			t.Fatal(err)
		}
		sent := Outcome{State: NoticeSent, Actor: "outbox", Note: "已告知", Sender: "gateway", OnTime: true}
		if ok, err := s.SettleClaimed(ctx, claimed, sent); !ok || err != nil {
			t.Fatalf("sent: %v %v", ok, err)
		}
		if ok, err := s.SettleNotice(ctx, accepted, sent); ok || err != nil {
			t.Errorf("recorded twice: %v %v", ok, err)
		}
		if cl, _, _ := s.ClaimNotice(ctx, accepted, "c", time.Minute); cl != Claim(NoticeSent) {
			t.Errorf("claim of a sent notice: %s", cl)
		}
		if _, err := s.SettleNotice(ctx, message, Outcome{State: NoticeDelivered, Actor: "gw"}); err != ErrNoticePending {
			t.Errorf("receipt before the send: %v", err)
		}
		delivered := Outcome{State: NoticeDelivered, Actor: "gw", Note: "已告知：已送达"}
		if ok, err := s.SettleNotice(ctx, accepted, delivered); !ok || err != nil {
			t.Errorf("receipt: %v %v", ok, err)
		}
		if ok, err := s.SettleNotice(ctx, accepted, delivered); ok || err != nil {
			t.Errorf("second receipt: %v %v", ok, err)
		}
		if _, err := s.SettleNotice(ctx, tk.ID+"-99", delivered); CodeOf(err) != CodeNotFound {
			t.Errorf("unknown notice: %v", err)
		}
		// The message is given up on, then sent after all by a worker whose lease ran out.
		if ok, err := s.SettleNotice(ctx, message, Outcome{State: NoticeDead, Actor: "outbox", Note: "未能告知", Error: "gateway: HTTP 400"}); !ok || err != nil {
			t.Fatalf("dead: %v %v", ok, err)
		}
		if dead, _ := s.DeadNotices(ctx, 10); len(dead) != 1 || dead[0] != message {
			t.Errorf("dead letters %v", dead)
		}
		f, _ := s.Figures(ctx, tk.CreatedAt.Add(-time.Hour), tk.CreatedAt.Add(time.Hour))
		if f.Notices != 2 || f.NoticeRate != 0.5 || f.OnTimeNotices != 1 || f.DeadNotices != 1 {
			t.Errorf("figures %d %.2f %.2f %d", f.Notices, f.NoticeRate, f.OnTimeNotices, f.DeadNotices)
		}
		if ok, err := s.SettleNotice(ctx, message, sent); !ok || err != nil {
			t.Fatalf("late send: %v %v", ok, err)
		}
		if dead, _ := s.DeadNotices(ctx, 10); len(dead) != 0 {
			t.Errorf("a notice sent after all stays a dead letter: %v", dead)
		}
		ns, _ := s.Notices(ctx, tk.ID)
		if len(ns) != 2 || ns[0].State != NoticeDelivered || ns[1].State != NoticeSent || ns[0].Tries != 3 || ns[0].Sender != "gateway" {
			t.Errorf("notices %+v %+v", ns[0], ns[1])
		}
		entries, _ := s.Audit(ctx, tk.ID)
		var notified []string
		for _, e := range entries {
			if e.Action == ActNotified {
				notified = append(notified, e.Note)
			}
		}
		if strings.Join(notified, "|") != "已告知|已告知：已送达|未能告知|已告知" {
			t.Errorf("audit notes %q", notified)
		}
		if bad, err := s.VerifyAudit(ctx, tk.ID); bad != -1 || err != nil {
			t.Errorf("history breaks at %d: %v", bad, err)
		}
	})
}

// The stream is trimmed of what every group has acknowledged, and of nothing a group
// still holds or has not read.
func TestTrimEventsKeepsWhatIsUnacknowledged(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			if _, _, err := s.Create(ctx, sampleTicket(fmt.Sprintf("sms:trim-%d", i)), "gw", RoleSystem); err != nil {
				t.Fatal(err)
			}
		}
		length := func() int64 { n, _ := c.rdb.XLen(ctx, s.key("events")).Result(); return n }
		if n, err := s.TrimEvents(ctx); n != 0 || err != nil || length() != 5 {
			t.Fatalf("no group: trimmed %d, %v; %d left", n, err, length())
		}
		a, _ := s.Consumer(ctx, "a", "w")
		b, _ := s.Consumer(ctx, "b", "w")
		all, _ := b.Next(ctx, 10, 0)
		_ = b.Ack(ctx, all...)
		if n, _ := s.TrimEvents(ctx); n != 0 {
			t.Errorf("trimmed %d that group a has not read", n)
		}
		got, _ := a.Next(ctx, 3, 0)
		_ = a.Ack(ctx, got[0], got[2]) // the second stays pending
		steps := []struct {
			ack  func()
			left int64
		}{
			{func() {}, 4},                         // from the pending one on
			{func() { _ = a.Ack(ctx, got[1]) }, 2}, // past what a read
			{func() { more, _ := a.Next(ctx, 10, 0); _ = a.Ack(ctx, more...) }, 0},
		}
		for i, st := range steps {
			st.ack()
			if _, err := s.TrimEvents(ctx); err != nil {
				t.Fatal(err)
			}
			if length() != st.left {
				t.Errorf("step %d: %d entries left, want %d", i, length(), st.left)
			}
		}
	})
}

package intake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"qingfeng/internal/redistest"
)

// conn is one Redis to test against, with a namespace of the test's own.
type conn struct {
	rdb redis.UniversalClient
	ns  string
}

// backends are the stores every storage test runs on: the real Redis the service uses
// in production ($QINGFENG_TEST_REDIS, or database 15 on 127.0.0.1:6379) and the
// embedded one it falls back to (miniredis).
var backends = []struct {
	name string
	open func(testing.TB) redis.UniversalClient
}{
	{"redis", openRealRedis},
	{"miniredis", func(tb testing.TB) redis.UniversalClient {
		m := miniredis.RunT(tb)
		return redis.NewClient(&redis.Options{Addr: m.Addr()})
	}},
}

func openRealRedis(tb testing.TB) redis.UniversalClient { return redistest.Client(tb) }

// connect opens rdb for a test under a namespace of its own, removed afterwards.
func connect(tb testing.TB, rdb redis.UniversalClient) conn {
	return conn{rdb, redistest.Namespace(tb, rdb)}
}

// eachBackend runs a storage test on every backend.
func eachBackend(t *testing.T, fn func(t *testing.T, c conn)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, connect(t, b.open(t))) })
	}
}

// testStore is a store on c whose clock stands at Monday 2 March 2026, 09:30.
func testStore(tb testing.TB, c conn, opts ...StoreOption) *Store {
	o, err := LoadOutcomes(nil)
	if err != nil {
		tb.Fatal(err)
	}
	clock := time.Date(2026, 3, 2, 9, 30, 0, 0, chinaTime)
	return NewStore(c.rdb, c.ns, o, func() time.Time { return clock }, opts...)
}

func sampleTicket(source string) Ticket {
	return Ticket{Source: source, Channel: "sms", Category: "extortion", Text: "派出所民警要两条烟才给落户",
		SubjectUnit: "派出所", SubjectPosition: "民警", SubjectRank: "staff", Mode: ModeAssigned}
}

func TestCreateStoresTicketIndexesAuditAndEvent(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s, rdb := testStore(t, c), c.rdb
		ctx := context.Background()
		tk, created, err := s.Create(ctx, sampleTicket("sms:m-1"), "sms-gateway", RoleSystem)
		if err != nil || !created {
			t.Fatalf("Create: %v, created=%v", err, created)
		}
		if tk.ID != "QF-20260302-000001" || tk.Status != StatusReceived || tk.Version != 1 {
			t.Errorf("ticket = %s %s v%d", tk.ID, tk.Status, tk.Version)
		}
		got, err := s.Get(ctx, tk.ID)
		if err != nil || got.Text != tk.Text || got.SubjectUnit != "派出所" || !got.CreatedAt.Equal(tk.CreatedAt) {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		for _, f := range [][2]string{{"status", "received"}, {"channel", "sms"}, {"category", "extortion"}, {"mode", "assigned"}} {
			ids, err := s.Find(ctx, f[0], f[1], 10)
			if err != nil || len(ids) != 1 || ids[0] != tk.ID {
				t.Errorf("index %s=%s: %v, %v", f[0], f[1], ids, err)
			}
		}
		if i, err := s.VerifyAudit(ctx, tk.ID); i != -1 || err != nil {
			t.Errorf("audit: %d, %v", i, err)
		}
		events, err := rdb.XRange(ctx, s.key("events"), "-", "+").Result()
		if err != nil || len(events) != 1 || events[0].Values["id"] != tk.ID || events[0].Values["type"] != "created" {
			t.Errorf("events = %v, %v", events, err)
		}
		second, created, err := s.Create(ctx, sampleTicket("sms:m-2"), "sms-gateway", RoleSystem)
		if err != nil || !created || second.ID != "QF-20260302-000002" {
			t.Errorf("second ticket: %v, %v", second, err)
		}
	})
}

func TestGetManyKeepsOrderAndLeavesOutUnknownIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		var ids []string
		for _, src := range []string{"sms:g-1", "sms:g-2", "sms:g-3"} {
			tk, _, err := s.Create(ctx, sampleTicket(src), "sms-gateway", RoleSystem)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		got, err := s.GetMany(ctx, []string{ids[2], "QF-20260302-999999", ids[0], ids[1]})
		if err != nil || len(got) != 3 {
			t.Fatalf("GetMany = %d tickets, %v", len(got), err)
		}
		for i, want := range []string{ids[2], ids[0], ids[1]} {
			if got[i].ID != want || got[i].Text != sampleTicket("").Text {
				t.Errorf("ticket %d = %s %q, want %s", i, got[i].ID, got[i].Text, want)
			}
		}
		if none, err := s.GetMany(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("GetMany(nil) = %v, %v", none, err)
		}
	})
}

func TestFindWithinListsOnlyTheBodiesTicketsNewestFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		o, err := LoadOutcomes(nil)
		if err != nil {
			t.Fatal(err)
		}
		clock := time.Date(2026, 3, 2, 9, 30, 0, 0, chinaTime)
		s := NewStore(c.rdb, c.ns, o, func() time.Time { clock = clock.Add(time.Minute); return clock })
		ctx := context.Background()
		ids := map[string]string{}
		for i, body := range []string{"county", "other", "town", "other", "county"} {
			tk := sampleTicket(fmt.Sprintf("sms:w-%d", i))
			tk.Body = body
			made, _, err := s.Create(ctx, tk, "sms-gateway", RoleSystem)
			if err != nil {
				t.Fatal(err)
			}
			ids[fmt.Sprint(body, i)] = made.ID
		}
		for _, tt := range []struct {
			field, value string
			bodies       []string
			limit        int64
			want         []string
		}{
			{"status", "received", []string{"county", "town"}, 10, []string{ids["county4"], ids["town2"], ids["county0"]}},
			{"status", "received", []string{"county", "town"}, 2, []string{ids["county4"], ids["town2"]}},
			{"body", "other", []string{"county", "town"}, 10, []string{}},
			{"status", "concluded", []string{"county"}, 10, []string{}},
		} {
			got, err := s.FindWithin(ctx, tt.field, tt.value, tt.bodies, tt.limit)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("FindWithin(%s=%s, %v) = %v, %v; want %v", tt.field, tt.value, tt.bodies, got, err, tt.want)
			}
		}
	})
}

// A retried webhook never makes a second ticket, even when the retries race.
func TestCreateIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		call := sampleTicket("hotline:call-9")
		call.Channel = "hotline"
		first, created, err := s.Create(ctx, call, "op-1", RoleOperator)
		if err != nil || !created {
			t.Fatal(err)
		}
		again, created, err := s.Create(ctx, call, "op-1", RoleOperator)
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("retry: %v created=%v id=%v", err, created, again)
		}
		var made atomic.Int32
		ids := make(chan string, 20)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk, created, err := s.Create(ctx, sampleTicket("sms:race"), "gw", RoleSystem)
				if err != nil {
					t.Error(err)
					return
				}
				if created {
					made.Add(1)
				}
				ids <- tk.ID
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if made.Load() != 1 || len(seen) != 1 {
			t.Errorf("20 racing deliveries made %d tickets, answered %d ids", made.Load(), len(seen))
		}
		if got, _ := s.Find(ctx, "channel", "sms", 100); len(got) != 1 {
			t.Errorf("sms index holds %d tickets, want 1", len(got))
		}
	})
}

func TestLifecycleThroughTheStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		tk, _, err := s.Create(ctx, sampleTicket("web:s-1"), "web", RoleSystem)
		if err != nil {
			t.Fatal(err)
		}
		due := Date{2026, 4, 14}
		steps := []Move{
			{Action: ActAccept, Role: RoleIntake, Actor: "intake-1"},
			{Action: ActRoute, Role: RoleIntake, Actor: "intake-1", Mode: ModeAssigned, Body: "城关镇纪委", Due: due},
			{Action: ActStart, Role: RoleHandler, Actor: "handler-2"},
			{Action: ActReport, Role: RoleHandler, Actor: "handler-2", Finding: "属实", Disposal: "初步核实"},
			{Action: ActConclude, Role: RoleLeader, Actor: "leader-1", Finding: "属实", Disposal: "初步核实", Held: true, Measures: []string{"诫勉谈话"}},
			{Action: ActReply, Role: RoleIntake, Actor: "intake-1", Reply: "经核查属实，已对相关人员诫勉谈话。"},
			{Action: ActClose, Role: RoleIntake, Actor: "intake-1"},
		}
		for _, m := range steps {
			next, err := s.Apply(ctx, tk.ID, tk.Version, m)
			if err != nil {
				t.Fatalf("%s: %v", m.Action, err)
			}
			tk = next
			if m.Action == ActRoute {
				ids, _ := s.DueBefore(ctx, due.AddDays(1).EndOf(), 10)
				if len(ids) != 1 || ids[0] != tk.ID {
					t.Errorf("after routing the due index holds %v", ids)
				}
				if ids, _ := s.Find(ctx, "body", "城关镇纪委", 10); len(ids) != 1 {
					t.Errorf("body index holds %v", ids)
				}
			}
		}
		got, err := s.Get(ctx, tk.ID)
		if err != nil || got.Status != StatusClosed || got.Version != 8 || got.Measures != "诫勉谈话" || got.Reply == "" {
			t.Fatalf("closed ticket = %+v, %v", got, err)
		}
		if ids, _ := s.Find(ctx, "status", "received", 10); len(ids) != 0 {
			t.Errorf("closed ticket still indexed as received: %v", ids)
		}
		if ids, _ := s.Find(ctx, "status", "closed", 10); len(ids) != 1 {
			t.Errorf("closed index holds %v", ids)
		}
		if ids, _ := s.DueBefore(ctx, due.AddDays(100).EndOf(), 10); len(ids) != 0 {
			t.Errorf("a closed ticket still has a deadline: %v", ids)
		}
		entries, err := s.Audit(ctx, tk.ID)
		if err != nil || len(entries) != 8 {
			t.Fatalf("audit has %d entries, %v", len(entries), err)
		}
		if i, err := s.VerifyAudit(ctx, tk.ID); i != -1 || err != nil {
			t.Errorf("audit chain: %d, %v", i, err)
		}
	})
}

// Editing history in Redis directly is caught.
func TestVerifyAuditDetectsAnEditedEntry(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s, rdb := testStore(t, c), c.rdb
		ctx := context.Background()
		tk, _, _ := s.Create(ctx, sampleTicket("web:s-2"), "web", RoleSystem)
		tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "intake-1"})
		if _, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActReject, Role: RoleIntake, Actor: "intake-1", Reason: "无具体事实"}); CodeOf(err) != CodeIllegalMove {
			t.Fatalf("reject after accept: %v", err)
		}
		raw, _ := rdb.LIndex(ctx, s.key("t", tk.ID, "audit"), 1).Result()
		rdb.LSet(ctx, s.key("t", tk.ID, "audit"), 1, strings.Replace(raw, "intake-1", "intake-9", 1))
		if i, err := s.VerifyAudit(ctx, tk.ID); i != 1 || err == nil {
			t.Errorf("VerifyAudit after an edit = %d, %v", i, err)
		}
	})
}

// Two staff acting on one ticket at once: one wins, the other gets a conflict and the
// ticket shows exactly one of their moves.
func TestConcurrentMovesNeverLoseAnUpdate(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		for round := 0; round < 10; round++ {
			tk, _, err := s.Create(ctx, sampleTicket(fmt.Sprintf("web:c-%d", round)), "web", RoleSystem)
			if err != nil {
				t.Fatal(err)
			}
			moves := []Move{
				{Action: ActAccept, Role: RoleIntake, Actor: "intake-1"},
				{Action: ActReject, Role: RoleIntake, Actor: "intake-2", Reason: "无具体事实"},
			}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, m := range moves {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.Apply(ctx, tk.ID, tk.Version, m)
				}()
			}
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case CodeOf(err) == CodeConflict:
					conflicts++
				default:
					t.Fatalf("unexpected error %v", err)
				}
			}
			got, _ := s.Get(ctx, tk.ID)
			entries, _ := s.Audit(ctx, tk.ID)
			if ok != 1 || conflicts != 1 || got.Version != 2 || len(entries) != 2 {
				t.Fatalf("round %d: %d applied, %d conflicts, version %d, %d audit entries", round, ok, conflicts, got.Version, len(entries))
			}
		}
	})
}

// The reporter's phone number never reaches Redis in the clear.
func TestStoredBytesDoNotContainThePhoneNumber(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s, rdb := testStore(t, c), c.rdb
		ctx := context.Background()
		k, err := NewKeyring([][]byte{key(7)})
		if err != nil {
			t.Fatal(err)
		}
		phone := "13987654321"
		tk := sampleTicket("sms:" + k.LookupHash("msg", "m-77"))
		tk.RealName = true
		tk.PhoneHash = k.LookupHash("phone", phone)
		created, _, err := s.Create(ctx, tk, "gw", RoleSystem)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := k.Seal([]byte(`{"name":"王建国","phone":"`+phone+`"}`), created.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.rdb.HSet(ctx, s.key("t", created.ID), "identity", sealed)
		iter := rdb.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			stored := storedText(t, rdb, iter.Val())
			if strings.Contains(stored, phone) || strings.Contains(iter.Val(), phone) || strings.Contains(stored, "王建国") {
				t.Errorf("key %s holds the reporter's identity in the clear", iter.Val())
			}
		}
		if ids, _ := s.Find(ctx, "phone", k.LookupHash("phone", phone), 10); len(ids) != 1 {
			t.Errorf("caller history by phone: %v", ids)
		}
	})
}

func TestStoreUnavailable(t *testing.T) {
	o, _ := LoadOutcomes(nil)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	s := NewStore(rdb, "down", o, time.Now)
	if _, _, err := s.Create(context.Background(), sampleTicket("sms:x"), "gw", RoleSystem); CodeOf(err) != CodeUnavailable {
		t.Errorf("Create against no Redis: %v, want unavailable", err)
	}
	if _, err := s.Get(context.Background(), "QF-1"); CodeOf(err) != CodeUnavailable {
		t.Errorf("Get against no Redis: %v, want unavailable", err)
	}
}

// storedText is everything a key holds, as text, whatever its type.
func storedText(t *testing.T, rdb redis.UniversalClient, key string) string {
	ctx := context.Background()
	typ, err := rdb.Type(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	switch typ {
	case "string":
		parts = append(parts, rdb.Get(ctx, key).Val())
	case "hash":
		for k, v := range rdb.HGetAll(ctx, key).Val() {
			parts = append(parts, k, v)
		}
	case "list":
		parts = rdb.LRange(ctx, key, 0, -1).Val()
	case "zset":
		parts = rdb.ZRange(ctx, key, 0, -1).Val()
	case "stream":
		for _, m := range rdb.XRange(ctx, key, "-", "+").Val() {
			parts = append(parts, fmt.Sprint(m.Values))
		}
	default:
		t.Fatalf("key %s has unexpected type %s", key, typ)
	}
	return strings.Join(parts, "\n")
}

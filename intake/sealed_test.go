package intake

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"qingfeng/nlp"
)

// personal is what a real-name reporter gives and also types into the complaint.
var personal = []string{"王建国", "13812345678", "110101199003071234"}

const personalText = "我叫王建国，电话13812345678，身份证号110101199003071234。我实名举报城关镇财政所所长刘某截留低保金，克扣了全村的补贴。"

// sweep fails the test for every key of the namespace whose name or content holds one
// of the values.
func sweep(t *testing.T, c conn, values []string) {
	t.Helper()
	ctx := context.Background()
	iter := c.rdb.Scan(ctx, 0, "qf:{"+c.ns+"}:*", 1000).Iterator()
	n := 0
	for iter.Next(ctx) {
		n++
		key := iter.Val()
		stored := storedText(t, c.rdb, key)
		for _, v := range values {
			if strings.Contains(key, v) || strings.Contains(stored, v) {
				t.Errorf("key %s holds %q in the clear", key, v)
			}
		}
	}
	if n == 0 {
		t.Fatal("the sweep found no key at all")
	}
}

// Nothing a reporter typed (name, phone, ID number, in the form and in the text, in a
// supplement, through moves) is in Redis in the clear, key names included; search by a
// word still finds the ticket, and reading gives the text back.
func TestNothingTheReporterTypedIsStoredInTheClear(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _ := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "sms", SenderID: "m-sweep", Name: "王建国", Phone: "13812345678",
			IDNumber: "110101199003071234", Contact: "城关镇幸福路1号", Text: personalText,
			Subject: nlp.Subject{Name: "刘某", Position: "所长", Unit: "城关镇财政所"}})
		if err != nil {
			t.Fatal(err)
		}
		tk := rc.Ticket
		if _, err := in.Supplement(ctx, tk.ID, rc.QueryCode, "补充：王建国，手机13812345678，身份证110101199003071234，有转账记录。"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx, tk.ID, got.Version, Move{Action: ActAccept, Actor: "intake-1", Role: RoleIntake}); err != nil {
			t.Fatal(err)
		}
		sweep(t, c, personal)

		got, err = s.Get(ctx, tk.ID)
		if err != nil || got.Text != personalText || !strings.Contains(got.Analysis, `"category"`) || got.SubjectName != "刘某" {
			t.Errorf("Get = %q / %q / %q, %v", got.Text, got.Analysis, got.SubjectName, err)
		}
		sups, err := s.Supplements(ctx, tk.ID)
		if err != nil || len(sups) != 1 || !strings.Contains(sups[0], "转账记录") {
			t.Errorf("Supplements = %q, %v", sups, err)
		}
		for _, q := range []string{"低保金 财政所", "王建国", "克扣"} {
			ids, err := in.Search(ctx, q, 10)
			if err != nil || !slices.Equal(ids, []string{tk.ID}) {
				t.Errorf("Search(%q) = %v, %v; want %s", q, ids, err, tk.ID)
			}
		}
	})
}

// A sealed value is bound to its ticket and field: copied elsewhere, it does not open.
func TestSealedValuesAreBoundToTicketAndField(t *testing.T) {
	c := connect(t, openRealRedis(t))
	in, s, _ := testIntake(t, c)
	ctx := context.Background()
	var ids []string
	for _, id := range []string{"a", "b"} {
		rc, err := in.Submit(ctx, Report{Channel: "web", SenderID: id, Anonymous: true, Text: "村支书截留低保金。" + id})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.Ticket.ID)
	}
	textA := c.rdb.HGet(ctx, s.key("t", ids[0]), "text").Val()
	for _, tt := range []struct{ id, field string }{{ids[1], "text"}, {ids[0], "analysis"}} {
		before := c.rdb.HGet(ctx, s.key("t", tt.id), tt.field).Val()
		c.rdb.HSet(ctx, s.key("t", tt.id), tt.field, textA)
		if _, err := s.Get(ctx, tt.id); err == nil {
			t.Errorf("%s's text opened as %s's %s", ids[0], tt.id, tt.field)
		}
		c.rdb.HSet(ctx, s.key("t", tt.id), tt.field, before)
	}
	for _, id := range ids {
		if _, err := s.Get(ctx, id); err != nil {
			t.Errorf("Get(%s) after restoring: %v", id, err)
		}
	}
}

// Tickets an older build stored in the clear, with word indexes named by the words,
// stay readable, and Reseal seals them, moves the indexes under keyed hashes, and finds
// nothing to do the second time; after a key rotation it reseals under the new key.
func TestResealSealsOlderTicketsAndMovesTheirWordIndexes(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		ctx := context.Background()
		old := testStore(t, c) // an older build: no keyring
		tk := sampleTicket("sms:old-1")
		tk.Text, tk.Analysis, tk.SubjectName = personalText, `{"category":"harming_public","note":"王建国"}`, "王建国"
		created, _, err := old.Create(ctx, tk, "gw", RoleSystem)
		if err != nil {
			t.Fatal(err)
		}
		terms := []string{"王建国", "低保金", "财政所"}
		for _, term := range terms {
			c.rdb.ZAdd(ctx, old.key("idx", "term", term), redis.Z{Score: float64(created.CreatedAt.UnixMilli()), Member: created.ID})
		}
		c.rdb.RPush(ctx, old.key("t", created.ID, "supplements"), "补充：我是王建国，13812345678")

		k, err := NewKeyring([][]byte{key(3)})
		if err != nil {
			t.Fatal(err)
		}
		s := testStore(t, c, WithKeyring(k))
		if got, err := s.Get(ctx, created.ID); err != nil || got.Text != personalText {
			t.Fatalf("an older ticket read by this build: %+v, %v", got, err)
		}
		rep, err := s.Reseal(ctx)
		if err != nil || rep.Tickets != 1 || rep.Resealed != 1 || rep.Words != len(terms) {
			t.Fatalf("Reseal = %+v, %v", rep, err)
		}
		sweep(t, c, personal)
		if left, _ := c.rdb.Keys(ctx, old.key("idx", "term", "*")).Result(); len(left) != 0 {
			t.Errorf("word indexes named by the words are left: %v", left)
		}
		got, err := s.Get(ctx, created.ID)
		if err != nil || got.Text != personalText || got.SubjectName != "王建国" || got.Version != created.Version {
			t.Errorf("after Reseal: %+v, %v", got, err)
		}
		if sups, err := s.Supplements(ctx, created.ID); err != nil || len(sups) != 1 || !strings.Contains(sups[0], "13812345678") {
			t.Errorf("supplements after Reseal: %q, %v", sups, err)
		}
		if ids, err := s.Search(ctx, []string{"王建国", "低保金"}, 10); err != nil || !slices.Equal(ids, []string{created.ID}) {
			t.Errorf("search after Reseal = %v, %v", ids, err)
		}
		if again, err := s.Reseal(ctx); err != nil || again != (ResealReport{Tickets: 1}) {
			t.Errorf("second Reseal = %+v, %v; want nothing to do", again, err)
		}

		rotated, err := NewKeyring([][]byte{key(4), key(3)})
		if err != nil {
			t.Fatal(err)
		}
		r := testStore(t, c, WithKeyring(rotated))
		if rep, err := r.Reseal(ctx); err != nil || rep.Resealed != 1 {
			t.Fatalf("Reseal after rotation = %+v, %v", rep, err)
		}
		if _, err := s.Get(ctx, created.ID); err == nil {
			t.Error("after resealing under the new key, the old key alone still opens the ticket")
		}
		if got, err := r.Get(ctx, created.ID); err != nil || got.Text != personalText {
			t.Errorf("under the new key: %+v, %v", got, err)
		}
	})
}

// Under the sm suite tickets are sealed with SM4; after a switch of the seal suite they
// still open, search and query codes still work (the hash suite stays), and Reseal moves
// them to the new suite.
func TestTicketsSealedInEitherSuiteOpenAfterASwitch(t *testing.T) {
	c := connect(t, openRealRedis(t))
	testIntake(t, c) // loads the analyzer
	ctx := context.Background()
	base, err := NewKeyring([][]byte{key(3)})
	if err != nil {
		t.Fatal(err)
	}
	sm := base.WithSuites(SuiteSM, SuiteSM)
	s := testStore(t, c, WithKeyring(sm))
	rc, err := NewIntake(s, nlpA, sm).Submit(ctx, Report{Channel: "web", SenderID: "gm-1", Anonymous: true, Text: personalText})
	if err != nil {
		t.Fatal(err)
	}
	id := rc.Ticket.ID
	if raw := c.rdb.HGet(ctx, s.key("t", id), "text").Val(); !strings.HasPrefix(raw, "v2:sm4:") {
		t.Fatalf("text under the sm suite is stored as %.20q…", raw)
	}
	switched := base.WithSuites(SuiteAES, SuiteSM)
	s2 := testStore(t, c, WithKeyring(switched))
	in2 := NewIntake(s2, nlpA, switched)
	if got, err := s2.Get(ctx, id); err != nil || got.Text != personalText {
		t.Fatalf("after the switch: %+v, %v", got, err)
	}
	if ids, err := in2.Search(ctx, "低保金", 10); err != nil || !slices.Equal(ids, []string{id}) {
		t.Errorf("search after the switch = %v, %v", ids, err)
	}
	if _, err := in2.Status(ctx, id, rc.QueryCode); err != nil {
		t.Errorf("the reporter's code after the switch: %v", err)
	}
	if rep, err := s2.Reseal(ctx); err != nil || rep.Resealed != 1 {
		t.Fatalf("Reseal after the switch = %+v, %v", rep, err)
	}
	if raw := c.rdb.HGet(ctx, s.key("t", id), "text").Val(); !strings.HasPrefix(raw, "v2:aes:") {
		t.Errorf("after Reseal the text is stored as %.20q…", raw)
	}
	if got, err := s2.Get(ctx, id); err != nil || got.Text != personalText {
		t.Errorf("after Reseal: %+v, %v", got, err)
	}
}

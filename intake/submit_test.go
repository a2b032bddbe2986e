package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"qingfeng/nlp"
)

var (
	nlpOnce sync.Once
	nlpA    *nlp.Analyzer
	nlpErr  error
)

func testIntake(t *testing.T, c conn) (*Intake, *Store, *Keyring) {
	t.Helper()
	nlpOnce.Do(func() { nlpA, nlpErr = nlp.New(nlp.Options{}) })
	if nlpErr != nil {
		t.Fatal(nlpErr)
	}
	k, err := NewKeyring([][]byte{key(3)})
	if err != nil {
		t.Fatal(err)
	}
	s := testStore(t, c, WithKeyring(k))
	return NewIntake(s, nlpA, k), s, k
}

func TestSubmitAnonymousReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, k := testIntake(t, c)
		ctx := context.Background()
		r := Report{Channel: "web", SenderID: "sess-1/msg-4", Anonymous: true,
			Text: "城关派出所户籍民警张某办户口时暗示要两条烟，不给就一直拖着不办。"}
		rc, err := in.Submit(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		tk := rc.Ticket
		if !rc.Created || tk.Category != "extortion" || tk.Mode != ModeAssigned || tk.Rule != "default_assigned" {
			t.Errorf("ticket %+v", tk)
		}
		if tk.SubjectName != "张某" || !strings.Contains(tk.SubjectUnit, "派出所") || tk.Identity != "" || tk.RealName {
			t.Errorf("subject/identity: %q %q %q real=%v", tk.SubjectName, tk.SubjectUnit, tk.Identity, tk.RealName)
		}
		if len(rc.QueryCode) != 12 || k.QueryHash(rc.QueryCode) != tk.QueryHash || strings.Contains(tk.QueryHash, rc.QueryCode) {
			t.Errorf("query code %q / hash %q", rc.QueryCode, tk.QueryHash)
		}
		if k.QueryHash(strings.ToLower(rc.QueryCode)+" ") != tk.QueryHash {
			t.Error("a code typed in lower case with a trailing space does not match")
		}
		var analysis nlp.Result
		if err := json.Unmarshal([]byte(tk.Analysis), &analysis); err != nil || analysis.Category != "extortion" {
			t.Errorf("stored analysis: %v", err)
		}
		// The retried delivery: same ticket, same code, nothing new.
		again, err := in.Submit(ctx, r)
		if err != nil || again.Created || again.Ticket.ID != tk.ID || again.QueryCode != rc.QueryCode {
			t.Errorf("retry: %+v, %v", again, err)
		}
		if ids, _ := s.Find(ctx, "channel", "web", 10); len(ids) != 1 {
			t.Errorf("%d tickets after a retry", len(ids))
		}
		_ = k
	})
}

func TestSubmitRealNameSealsIdentity(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, k := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "sms", SenderID: "m-100", Name: "王建国", Phone: "+86 139-1234-5678",
			Text: "我实名举报村支书李某把低保名额给了亲戚"})
		if err != nil {
			t.Fatal(err)
		}
		tk := rc.Ticket
		if !tk.RealName || tk.Identity == "" || strings.Contains(tk.Identity, "13912345678") {
			t.Fatalf("identity not sealed: %q", tk.Identity)
		}
		plain, err := k.Open(tk.Identity, tk.Source)
		if err != nil || !strings.Contains(string(plain), "王建国") {
			t.Fatalf("open identity: %s, %v", plain, err)
		}
		// The caller rings again from the same number: their history is found.
		ids, err := s.Find(ctx, "phone", k.LookupHash("phone", normalizePhone("13912345678")), 10)
		if err != nil || len(ids) != 1 || ids[0] != tk.ID {
			t.Errorf("caller history = %v, %v", ids, err)
		}
	})
}

// A second report about the same official within 90 days is linked to the first and,
// by the default rules, supervised.
func TestSubmitLinksRepeatsAndSupervisesThem(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, _, _ := testIntake(t, c)
		ctx := context.Background()
		first, err := in.Submit(ctx, Report{Channel: "web", SenderID: "a", Anonymous: true,
			Text: "县住建局副局长王某某经常用公车接送孩子，周末开公车钓鱼。"})
		if err != nil {
			t.Fatal(err)
		}
		if first.Ticket.Mode != ModeAssigned || len(first.Related) != 0 {
			t.Fatalf("first report: mode %s, related %v", first.Ticket.Mode, first.Related)
		}
		second, err := in.Submit(ctx, Report{Channel: "sms", SenderID: "b", Anonymous: true,
			Text: "县住建局副局长王某某上班时间带人去茶楼打牌。"})
		if err != nil {
			t.Fatal(err)
		}
		if second.Ticket.Mode != ModeSupervised || second.Ticket.Rule != "repeat_mass_threat" || second.Ticket.Related != first.Ticket.ID {
			t.Errorf("repeat: mode %s rule %s related %q", second.Ticket.Mode, second.Ticket.Rule, second.Ticket.Related)
		}
		// The same text again from someone else is a near-duplicate even without a subject.
		dup, err := in.Submit(ctx, Report{Channel: "web", SenderID: "c", Anonymous: true,
			Text: "县住建局副局长王某某经常用公车接送孩子，周末还开公车钓鱼！"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(dup.Related, first.Ticket.ID) {
			t.Errorf("near-duplicate not linked: %v", dup.Related)
		}
	})
}

func TestSubmitRefusesBadReports(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, _, _ := testIntake(t, c)
		ctx := context.Background()
		for name, r := range map[string]Report{
			"unknown channel":          {Channel: "fax", SenderID: "1", Anonymous: true, Text: "局长受贿"},
			"no sender id":             {Channel: "sms", Anonymous: true, Text: "局长受贿"},
			"real name without a name": {Channel: "sms", SenderID: "1", Text: "局长受贿"},
			"empty text":               {Channel: "sms", SenderID: "1", Anonymous: true, Text: "   "},
			"oversized text":           {Channel: "web", SenderID: "1", Anonymous: true, Text: strings.Repeat("长", nlp.MaxTextBytes)},
		} {
			if _, err := in.Submit(ctx, r); CodeOf(err) != CodeInvalid {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
	})
}

// 回避: a ticket is never routed to the unit of the official it is about.
func TestRouteAvoidsTheSubjectsOwnUnit(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _ := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "web", SenderID: "x", Anonymous: true, Text: "城关镇政府副镇长刘某收了砂石老板的钱。"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := s.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"})
		if err != nil {
			t.Fatal(err)
		}
		route := Move{Action: ActRoute, Role: RoleIntake, Actor: "i", Mode: ModeAssigned, Due: Date{2026, 4, 1}}
		route.Body = "城关镇政府"
		if _, err := s.Apply(ctx, tk.ID, tk.Version, route); CodeOf(err) != CodeInvalid || !strings.Contains(err.Error(), "回避") {
			t.Errorf("routing to the subject's own unit: %v", err)
		}
		route.Body = "县纪委监委第三监督检查室"
		if _, err := s.Apply(ctx, tk.ID, tk.Version, route); err != nil {
			t.Errorf("routing to a supervising body: %v", err)
		}
	})
}

func TestSearchByWords(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, _, _ := testIntake(t, c)
		ctx := context.Background()
		var ids []string
		for i, text := range []string{"村支书王某截留低保金。", "镇长公车私用。", "村支书李某优亲厚友，低保名额给了亲戚。"} {
			rc, err := in.Submit(ctx, Report{Channel: "web", SenderID: fmt.Sprint(i), Anonymous: true, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rc.Ticket.ID)
		}
		got, err := in.Search(ctx, "村支书 低保", 10)
		if err != nil || len(got) != 1 || got[0] != ids[2] {
			// 低保 alone is in the third; the first has 低保金.
			t.Errorf("search 村支书 低保 = %v, %v", got, err)
		}
		got, err = in.Search(ctx, "村支書", 10)
		if err != nil || len(got) != 2 || got[0] != ids[2] || got[1] != ids[0] {
			t.Errorf("search 村支書 (traditional) = %v, %v; want newest first", got, err)
		}
		if _, err := in.Search(ctx, "，。", 10); CodeOf(err) != CodeInvalid {
			t.Errorf("empty query: %v", err)
		}
		keys, _ := c.rdb.Keys(ctx, "qf:{"+c.ns+"}:tmp:*").Result()
		if len(keys) != 0 {
			t.Errorf("search left %v behind", keys)
		}
	})
}

// What the reporter names outright wins over the text, and routing follows it.
func TestSubmitNamedSubjectAndAttachments(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _ := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "web", SenderID: "n1", Anonymous: true,
			Text:        "他们局的领导天天开公车回老家。",
			Subject:     nlp.Subject{Name: "周某", Position: "局长", Unit: "市交通局"},
			Attachments: []string{"upload/7f3a.jpg", "upload/91bc.mp4"}})
		if err != nil {
			t.Fatal(err)
		}
		tk, _ := s.Get(ctx, rc.Ticket.ID)
		if tk.SubjectName != "周某" || tk.SubjectUnit != "市交通局" || tk.SubjectRank != "county" {
			t.Errorf("subject %q %q %q", tk.SubjectName, tk.SubjectUnit, tk.SubjectRank)
		}
		if tk.Mode != ModeDirect || tk.Rule != "corruption_or_senior" {
			t.Errorf("a 县处级 subject is routed %s by %s", tk.Mode, tk.Rule)
		}
		if tk.Attachments != `["upload/7f3a.jpg","upload/91bc.mp4"]` {
			t.Errorf("attachments %s", tk.Attachments)
		}
		many := make([]string, maxAttachments+1)
		for i := range many {
			many[i] = "x"
		}
		if _, err := in.Submit(ctx, Report{Channel: "web", SenderID: "n2", Anonymous: true, Text: "局长受贿", Attachments: many}); CodeOf(err) != CodeInvalid {
			t.Errorf("too many attachments: %v", err)
		}
	})
}

// However many earlier reports there are, a ticket links the newest few and all count.
func TestRepeatsAreCountedButLinksBounded(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, _, _ := testIntake(t, c)
		ctx := context.Background()
		var last *Receipt
		for i := 0; i < maxRelated+5; i++ {
			rc, err := in.Submit(ctx, Report{Channel: "sms", SenderID: fmt.Sprint("r", i), Anonymous: true,
				Text: fmt.Sprintf("县林业局局长周某第%d次在工作日钓鱼。", i+1)})
			if err != nil {
				t.Fatal(err)
			}
			last = rc
		}
		if len(last.Related) != maxRelated || last.Ticket.Mode != ModeSupervised {
			t.Errorf("links %d (want %d), mode %s", len(last.Related), maxRelated, last.Ticket.Mode)
		}
	})
}

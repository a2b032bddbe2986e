package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/internal/testkit"
)

type fixture struct {
	engine *Engine
	store  *intake.Store
	kit    *testkit.Kit
}

// newFixture wires the engine to real Redis (a namespace of the test's own) and the real
// language pipeline.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	k := testkit.New(t)
	return &fixture{engine: New(k.Intake, k.Analyzer, NewRedisSessions(k.Redis, k.NS, time.Hour, k.Keys)), store: k.Store, kit: k}
}

// talk sends messages in turn and returns the bot's last reply.
func (f *fixture) talk(t *testing.T, key string, lines ...string) *Reply {
	t.Helper()
	var r *Reply
	for _, l := range lines {
		var err error
		if r, err = f.engine.Handle(context.Background(), "web", key, l); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	return r
}

func last(r *Reply) string { return r.Messages[len(r.Messages)-1].Text }

func TestDialogueAnonymousReportToStatus(t *testing.T) {
	f := newFixture(t)
	r := f.talk(t, "s1", "你好")
	if !strings.Contains(last(r), "请描述") {
		t.Fatalf("greeting: %q", last(r))
	}
	// The account already names unit and post: the bot asks only for the rest.
	r = f.talk(t, "s1", "县不动产登记中心的窗口人员说不给好处费就不给我办房产证。")
	if !strings.Contains(last(r), "什么时候") {
		t.Fatalf("after the account: %q", last(r))
	}
	r = f.talk(t, "s1", "上个月")
	if !strings.Contains(last(r), "证据") {
		t.Fatalf("after when: %q", last(r))
	}
	r = f.talk(t, "s1", "有聊天记录")
	if !strings.Contains(last(r), "实名还是匿名") || len(r.Messages[0].Options) != 2 {
		t.Fatalf("after evidence: %+v", r)
	}
	r = f.talk(t, "s1", "匿名")
	for _, want := range []string{"请核对", "县不动产登记中心", "窗口人员", "上个月", "聊天记录", "匿名"} {
		if !strings.Contains(last(r), want) {
			t.Errorf("summary lacks %q: %q", want, last(r))
		}
	}
	r = f.talk(t, "s1", "确认")
	if r.Ticket == "" || len(r.QueryCode) != 12 || !strings.Contains(last(r), r.Ticket) {
		t.Fatalf("submit: %+v", r)
	}
	tk, err := f.store.Get(context.Background(), r.Ticket)
	if err != nil || tk.Category != "extortion" || tk.RealName || tk.SubjectUnit != "县不动产登记中心" {
		t.Fatalf("ticket: %+v, %v", tk, err)
	}
	// The same session later: the report is done; a status query works anywhere.
	if again := f.talk(t, "s1", "还有一件事"); !strings.Contains(last(again), r.Ticket) {
		t.Errorf("after done: %q", last(again))
	}
	st := f.talk(t, "other-session", "查询 "+r.Ticket+" "+r.QueryCode)
	if !strings.Contains(last(st), "待受理") {
		t.Errorf("status: %q", last(st))
	}
	if bad := f.talk(t, "other-session", "查询 "+r.Ticket+" AAAAAAAAAAAA"); !strings.Contains(last(bad), "未查到") {
		t.Errorf("wrong code: %q", last(bad))
	}
	sup := f.talk(t, "other-session", "补充 "+r.Ticket+" "+r.QueryCode+" 我还有转账截图。")
	if !strings.Contains(last(sup), "补充材料") {
		t.Errorf("supplement: %q", last(sup))
	}
}

func TestDialogueRealNameCorrectionAndChange(t *testing.T) {
	f := newFixture(t)
	f.talk(t, "s2", "我们村的低保名额都给了有关系的人，真正困难的人评不上。")
	r := f.talk(t, "s2", "村委会") // unit
	if !strings.Contains(last(r), "姓名或职务") {
		t.Fatalf("after unit: %q", last(r))
	}
	f.talk(t, "s2", "村支书王某", "去年十月")
	r = f.talk(t, "s2", "不是，是今年三月")
	if !strings.Contains(r.Messages[0].Text, "已更正") || !strings.Contains(last(r), "证据") {
		t.Fatalf("correction: %+v", r)
	}
	f.talk(t, "s2", "没有", "实名", "李秀英")
	if r = f.talk(t, "s2", "打电话给我"); !strings.Contains(last(r), "联系电话") {
		t.Fatalf("a phone that is no phone: %q", last(r))
	}
	r = f.talk(t, "s2", "139 1234 5678")
	if !strings.Contains(last(r), "今年三月") || !strings.Contains(last(r), "实名（李秀英）") {
		t.Fatalf("summary: %q", last(r))
	}
	r = f.talk(t, "s2", "修改")
	if len(r.Messages[0].Options) == 0 {
		t.Fatalf("change options: %+v", r)
	}
	r = f.talk(t, "s2", "时间", "今年二月")
	if !strings.Contains(last(r), "今年二月") || !strings.Contains(last(r), "请核对") {
		t.Fatalf("after a change: %q", last(r))
	}
	r = f.talk(t, "s2", "确认")
	tk, err := f.store.Get(context.Background(), r.Ticket)
	if err != nil || !tk.RealName || tk.Identity == "" || strings.Contains(tk.Identity, "李秀英") {
		t.Fatalf("real-name ticket: %+v, %v", tk, err)
	}
}

func TestDialogueDangerRestartHandoffOutOfScope(t *testing.T) {
	f := newFixture(t)
	r := f.talk(t, "s3", "镇政府强拆我家房子，再不给说法我就跳楼。")
	if !r.Urgent || !strings.Contains(r.Messages[0].Text, "110") {
		t.Errorf("danger: %+v", r)
	}
	if r = f.talk(t, "s3", "转人工"); !r.Handoff || !strings.Contains(last(r), "人工") {
		t.Errorf("handoff: %+v", r)
	}
	if r = f.talk(t, "s3", "重新开始"); !strings.Contains(r.Messages[0].Text, "重新开始") || r.Urgent {
		t.Errorf("restart: %+v", r)
	}
	r = f.talk(t, "s4", "楼上邻居装修噪音太大，天天吵到半夜，说了也不听。")
	if !strings.Contains(last(r), "12345") {
		t.Fatalf("out of scope: %q", last(r))
	}
	if r = f.talk(t, "s4", "仍要提交"); strings.Contains(last(r), "12345") {
		t.Errorf("after insisting: %q", last(r))
	}
}

func TestDialogueRefusesEmptyAndLongMessages(t *testing.T) {
	f := newFixture(t)
	if r := f.talk(t, "s5", "  "); !strings.Contains(last(r), "没有收到") {
		t.Errorf("empty: %q", last(r))
	}
	if r := f.talk(t, "s5", strings.Repeat("长", MaxMessageRunes+1)); !strings.Contains(last(r), "太长") {
		t.Errorf("long: %q", last(r))
	}
}

// With Redis down the citizen is told to try again, and nothing is lost or advanced.
func TestDialogueWhenTheStoreIsDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	k := testkit.Build(t, testkit.Analyzer(t), rdb, "x")
	e := New(k.Intake, k.Analyzer, NewRedisSessions(rdb, "x", time.Hour, k.Keys))
	if _, err := e.Handle(context.Background(), "web", "k", "局长受贿"); err == nil || !strings.Contains(err.Error(), ErrUnavailable.Error()) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}

// An out-of-scope matter is told where it belongs, by the department its words point to.
func TestOutOfScopeNamesWhereToGo(t *testing.T) {
	f := newFixture(t)
	r := f.talk(t, "s-wage", "包工头拖欠我们十几个人三个月工资，打电话也不接。")
	if msg := last(r); !strings.Contains(msg, "人社局") || !strings.Contains(msg, "12333") || !strings.Contains(msg, "仍要提交") {
		t.Errorf("out of scope reply %q does not name 人社局 (12333)", msg)
	}
}

// conv is one conversation on a channel; from is what the channel knows of the sender.
type conv struct {
	f       *fixture
	channel string
	key     string
	from    Sender
}

// says sends lines in turn and returns the bot's last reply.
func (c conv) says(t *testing.T, lines ...string) *Reply {
	t.Helper()
	var r *Reply
	for _, l := range lines {
		var err error
		if r, err = c.f.engine.HandleFrom(context.Background(), c.channel, c.key, c.from, l); err != nil {
			t.Fatalf("%s %q: %v", c.channel, l, err)
		}
	}
	return r
}

// all is every message of a reply as one text, as an SMS carries it.
func all(r *Reply) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Text + "\n")
	}
	return b.String()
}

// channels are the ways a citizen writes in; SMS gateways always tell the number.
var channels = []struct {
	name string
	from Sender
}{{"web", Sender{}}, {"sms", Sender{Phone: "13800138000"}}}

// The dialogue up to the point where a real-name reporter has given their name.
var toRealName = []string{"我们村的低保名额都给了有关系的人，真正困难的人评不上。", "村委会", "村支书王某", "去年十月", "没有", "实名", "李秀英"}

// An SMS reporter is not asked for the number the message came from: a real-name
// report takes it, and the session does not keep it.
func TestSMSDoesNotAskForTheSendersNumber(t *testing.T) {
	f := newFixture(t)
	for _, ch := range channels {
		t.Run(ch.name, func(t *testing.T) {
			c := conv{f, ch.name, "known-" + ch.name, ch.from}
			r := c.says(t, toRealName...)
			if asked := strings.Contains(last(r), "联系电话"); asked != (ch.from.Phone == "") {
				t.Fatalf("after the name, phone asked = %v: %q", asked, last(r))
			}
			if ch.from.Phone == "" {
				r = c.says(t, "13900001111")
			}
			want := map[bool]string{true: "电话：本机号码", false: "电话：13900001111"}[ch.from.Phone != ""]
			if !strings.Contains(last(r), "请核对") || !strings.Contains(last(r), want) {
				t.Fatalf("summary lacks %q: %q", want, last(r))
			}
			raw, err := f.kit.Redis.HGet(context.Background(), "qf:{"+f.kit.NS+"}:session:"+ch.name+":"+c.key, "data").Result()
			if err != nil {
				t.Fatal(err)
			}
			plain, err := f.kit.Keys.Open(raw, "session:"+ch.name+":"+c.key)
			if err != nil || (ch.from.Phone != "" && strings.Contains(string(plain), ch.from.Phone)) {
				t.Errorf("the session keeps the sender's number (%v): %s", err, plain)
			}
			r = c.says(t, "确认")
			tk, err := f.store.Get(context.Background(), r.Ticket)
			phone := map[bool]string{true: ch.from.Phone, false: "13900001111"}[ch.from.Phone != ""]
			if err != nil || !tk.RealName || tk.PhoneHash != f.kit.Keys.LookupHash("phone", phone) {
				t.Errorf("ticket %+v (%v) is not reachable on %s", tk, err, phone)
			}
		})
	}
}

// At the phone question a wrong answer is told why, and the commands still work.
func TestPhoneQuestionGivesReasonsAndTakesCommands(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		answer string
		want   []string // in the reply, in this order
	}{
		{"打电话给我", []string{"只填数字", "联系电话"}},
		{"1391234567", []string{"手机号应为11位数字，您填了10位", "联系电话"}},
		{"87654321", []string{"区号", "联系电话"}},
		{"139 1234 5678", []string{"请核对", "电话：13912345678"}},
		{"１３９１２３４５６７８。", []string{"请核对", "电话：13912345678"}},
		{"我的手机是139-1234-5678", []string{"请核对", "电话：13912345678"}},
		{"0571-87654321", []string{"请核对", "电话：057187654321"}},
		{"不留", []string{"请核对", "电话：未留"}},
		{"确认", []string{"请核对", "电话：未留"}},
		{"修改", []string{"要修改哪一项"}},
		{"你好", []string{"接着来", "联系电话"}},
		{"重新开始", []string{"重新开始", "请描述"}},
		{"转人工", []string{"人工"}},
	}
	// SMS here as a gateway that hides the sender: the phone question is then asked.
	for _, ch := range []string{"web", "sms"} {
		for i, tc := range tests {
			t.Run(ch+"/"+tc.answer, func(t *testing.T) {
				c := conv{f: f, channel: ch, key: fmt.Sprintf("phone-%s-%d", ch, i)}
				if r := c.says(t, toRealName...); !strings.Contains(last(r), "联系电话") {
					t.Fatalf("not at the phone question: %q", last(r))
				}
				got := all(c.says(t, tc.answer))
				at := 0
				for _, w := range tc.want {
					i := strings.Index(got[at:], w)
					if i < 0 {
						t.Fatalf("%q: reply lacks %q (in order): %q", tc.answer, w, got)
					}
					at += i + len(w)
				}
			})
		}
	}
}

// 请问要修改哪一项？ shows its choices on every channel: buttons on the web, numbered in
// the text over SMS; a number or a word picks one.
func TestChangeMenuOnEveryChannel(t *testing.T) {
	f := newFixture(t)
	for _, ch := range channels {
		for _, pick := range []string{"4", "时间", "第4项"} {
			t.Run(ch.name+"/"+pick, func(t *testing.T) {
				c := conv{f, ch.name, "menu-" + ch.name + pick, ch.from}
				c.says(t, "我们村的低保名额都给了有关系的人，真正困难的人评不上。", "村委会", "村支书王某", "去年十月", "没有", "匿名")
				r := c.says(t, "修改")
				m := r.Messages[len(r.Messages)-1]
				numbered := strings.Contains(m.Text, "1 问题 2 被反映人 3 单位 4 时间 5 证据 6 实名或匿名")
				if numbered == (ch.name == "web") || len(m.Options) != 6 {
					t.Fatalf("menu on %s: %+v", ch.name, m)
				}
				if r = c.says(t, pick); !strings.Contains(last(r), "什么时候") {
					t.Fatalf("%q picks %q", pick, last(r))
				}
				if r = c.says(t, "今年二月"); !strings.Contains(last(r), "时间：今年二月") {
					t.Fatalf("after the change: %q", last(r))
				}
			})
		}
	}
}

// A change that opens a question (实名 chosen after 匿名) asks it before the summary.
func TestChangeAsksWhatItLeavesOpen(t *testing.T) {
	f := newFixture(t)
	c := conv{f: f, channel: "web", key: "change-open"}
	c.says(t, "我们村的低保名额都给了有关系的人，真正困难的人评不上。", "村委会", "村支书王某", "去年十月", "没有", "匿名")
	if r := c.says(t, "修改实名或匿名", "实名"); !strings.Contains(last(r), "姓名") {
		t.Fatalf("after choosing 实名: %q", last(r))
	}
	if r := c.says(t, "李秀英", "13912345678"); !strings.Contains(last(r), "实名（李秀英）") {
		t.Fatalf("summary: %q", last(r))
	}
}

// An answer that belongs to another question is caught: a unit given for the time is
// refused with a reason, or kept as the unit when that is still unknown; a time given
// for the unit likewise.
func TestMisplacedAnswersAreCaught(t *testing.T) {
	f := newFixture(t)
	account := "我们村的低保名额都给了有关系的人，真正困难的人评不上。"
	tests := []struct {
		name   string
		before []string
		answer string
		want   []string // in the reply, in this order
		then   string   // answered next
		sum    []string // in the summary at the end
	}{
		{"unit for the time, unit known", []string{account, "村委会", "村支书王某"}, "城关镇政府民政办",
			[]string{"“城关镇政府民政办”看起来是单位，不是时间", "什么时候"}, "去年十月", []string{"单位：村委会", "时间：去年十月"}},
		{"unit for the time, unit unknown", []string{account, "不知道", "村支书王某"}, "城关镇政府民政办",
			[]string{"已把“城关镇政府民政办”记为单位", "什么时候"}, "去年十月", []string{"单位：城关镇政府民政办", "时间：去年十月"}},
		{"a correction of the time to a unit", []string{account, "村委会", "村支书王某", "去年十月"}, "不是，是城关镇政府民政办",
			[]string{"看起来是单位，不是时间", "什么时候"}, "今年三月", []string{"单位：村委会", "时间：今年三月"}},
		{"time for the unit", []string{account}, "上个月",
			[]string{"已把“上个月”记为时间", "哪个单位"}, "村委会", []string{"单位：村委会", "时间：上个月"}},
		{"a time of day is a time", []string{account, "村委会", "村支书王某"}, "去年十月在村委会",
			[]string{"证据"}, "没有", []string{"时间：去年十月在村委会"}},
		{"unknown is an answer", []string{account, "村委会", "村支书王某"}, "不记得",
			[]string{"证据"}, "没有", []string{"时间：不详"}},
	}
	for _, ch := range channels {
		for i, tc := range tests {
			t.Run(ch.name+"/"+tc.name, func(t *testing.T) {
				c := conv{f, ch.name, fmt.Sprintf("misplaced-%s-%d", ch.name, i), ch.from}
				c.says(t, tc.before...)
				got := all(c.says(t, tc.answer))
				at := 0
				for _, w := range tc.want {
					i := strings.Index(got[at:], w)
					if i < 0 {
						t.Fatalf("%q: reply lacks %q (in order): %q", tc.answer, w, got)
					}
					at += i + len(w)
				}
				r := c.says(t, tc.then)
				for !strings.Contains(last(r), "请核对") && strings.Contains(last(r), "？") {
					r = c.says(t, map[bool]string{true: "匿名", false: "没有"}[strings.Contains(last(r), "实名还是匿名")])
				}
				for _, w := range tc.sum {
					if !strings.Contains(last(r), w) {
						t.Errorf("summary lacks %q: %q", w, last(r))
					}
				}
			})
		}
	}
}

// Lookups read as phones type them: trailing full stops, full-width letters and spaces,
// the word 查询码 between number and code, a lower-case number.
func TestLookupsTolerateWhatPhonesType(t *testing.T) {
	f := newFixture(t)
	rc, err := f.kit.Intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "lookup", Text: "县不动产登记中心的窗口人员说不给好处费就不给我办房产证。", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	n, q := rc.Ticket.ID, rc.QueryCode
	width := func(s string) string { // as a full-width keyboard types it
		return strings.Map(func(r rune) rune {
			if r > ' ' && r <= '~' {
				return r + 0xFEE0
			}
			return r
		}, s)
	}
	queries := []string{
		"查询 " + n + " " + q,
		"查询 " + n + " " + q + "。",
		"查询 " + n + " " + q + " 。",
		"查询 " + n + " " + q + "！",
		"查询　" + width(n) + "　" + width(q) + "。",
		"查询：" + n + "，查询码：" + q,
		"查询" + strings.ToLower(n[:2]) + n[2:] + " 码 " + q + ".",
		" 查询 " + n + " " + q + " ",
	}
	for _, ch := range channels {
		for i, query := range queries {
			c := conv{f, ch.name, fmt.Sprintf("lookup-%s-%d", ch.name, i), ch.from}
			if r := c.says(t, query); !strings.Contains(last(r), n) || !strings.Contains(last(r), "待受理") {
				t.Errorf("%s %q: %q", ch.name, query, last(r))
			}
		}
		c := conv{f, ch.name, "supplement-" + ch.name, ch.from}
		if r := c.says(t, "补充 "+width(n)+" "+q+"，我还有转账截图。"); !strings.Contains(last(r), "补充材料") {
			t.Errorf("%s supplement: %q", ch.name, last(r))
		}
	}
	if r := (conv{f: f, channel: "web", key: "lookup-wrong"}).says(t, "查询 "+n+" "+strings.Repeat("A", 12)+"。"); !strings.Contains(last(r), "未查到") {
		t.Errorf("wrong code: %q", last(r))
	}
}

// Threats and danger to life draw the emergency reply on every channel, wherever the
// dialogue is, and the report is filed as urgent.
func TestThreatsDrawTheEmergencyReply(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		before []string
		text   string
	}{
		{"threat first", nil, "他说要找人打断我的腿"},
		{"danger first", nil, "再不解决我就跳楼"},
		{"threat in the account", nil, "村支书王某克扣我家低保，还说再告就找人打断我的腿。"},
		{"threat at a question", []string{"我们村的低保名额都给了有关系的人，真正困难的人评不上。"}, "他说要找人打断我的腿"},
		{"danger at the summary", []string{"我们村的低保名额都给了有关系的人，真正困难的人评不上。", "村委会", "村支书王某", "去年十月", "没有", "匿名"}, "再不解决我就跳楼"},
	}
	for _, ch := range channels {
		for i, tc := range tests {
			t.Run(ch.name+"/"+tc.name, func(t *testing.T) {
				c := conv{f, ch.name, fmt.Sprintf("danger-%s-%d", ch.name, i), ch.from}
				c.says(t, tc.before...)
				r := c.says(t, tc.text)
				if !r.Urgent || !strings.Contains(r.Messages[0].Text, "110") {
					t.Fatalf("no emergency reply: %+v", r)
				}
			})
		}
	}
	rc, err := f.kit.Intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "danger-supplement", Text: "村支书王某克扣我家低保。", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range channels {
		c := conv{f, ch.name, "danger-supplement-" + ch.name, ch.from}
		if r := c.says(t, "补充 "+rc.Ticket.ID+" "+rc.QueryCode+" 他说要找人打断我的腿。"); !strings.Contains(r.Messages[0].Text, "110") || !strings.Contains(last(r), "补充材料") {
			t.Errorf("%s supplement with a threat: %+v", ch.name, r)
		}
	}
	c := conv{f, "sms", "danger-filed", channels[1].from}
	c.says(t, "他说要找人打断我的腿", "村支书王某克扣我家低保。", "村委会", "去年十月", "没有", "匿名")
	r := c.says(t, "确认")
	if tk, err := f.store.Get(context.Background(), r.Ticket); err != nil || !tk.Urgent {
		t.Errorf("ticket after a threat: %+v, %v", tk, err)
	}
}

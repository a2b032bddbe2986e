package bot

import (
	"context"
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

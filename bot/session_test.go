package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// The reporter's answers in one real-name report, typed as citizens type them.
const (
	testName  = "张晓梅 身份证110101199003071234"
	testPhone = "13812345678"
	testStory = "城关派出所的户籍民警给我办落户，暗示要送两条烟，不送就一直拖着。"
)

// sessionData is what Redis holds of a conversation, as anyone reading the AOF sees it.
func (f *fixture) sessionData(t *testing.T, key string) map[string]string {
	t.Helper()
	h, err := f.kit.Redis.HGetAll(context.Background(), "qf:{"+f.kit.NS+"}:session:web:"+key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A conversation is sealed in Redis: the name, the phone and the account never appear
// there in the clear, and after filing the session no longer holds them at all.
func TestSessionsAreSealedAndForgetIdentityWhenFiled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.talk(t, "s1", testStory, "上个月", "没有", "实名", testName, testPhone)
	h := f.sessionData(t, "s1")
	if h["data"] == "" {
		t.Fatalf("no session stored: %v", h)
	}
	for _, clear := range []string{"张晓梅", "110101199003071234", testPhone, "户籍民警", `"name"`, `"phone"`} {
		if strings.Contains(h["data"], clear) {
			t.Errorf("the stored session shows %q in the clear", clear)
		}
	}
	s, err := f.engine.sessions.Load(ctx, "web", "s1")
	if err != nil || s.Name != testName || s.Phone != testPhone || s.Stage != stageConfirm {
		t.Fatalf("the sealed session does not read back: %+v, %v", s, err)
	}
	r := f.talk(t, "s1", "确认")
	if r.Ticket == "" {
		t.Fatalf("not filed: %+v", r)
	}
	s, err = f.engine.sessions.Load(ctx, "web", "s1")
	if err != nil || s.Ticket != r.Ticket || s.Stage != stageDone || s.Name != "" || s.Phone != "" || s.Description != "" {
		t.Errorf("after filing the session still holds the report: %+v, %v", s, err)
	}
	if again := f.talk(t, "s1", "还在吗"); !strings.Contains(last(again), r.Ticket) {
		t.Errorf("after filing: %q", last(again))
	}
}

// A sealed session copied under another conversation's key does not open there; that
// conversation starts over and carries on (no endless version conflict).
func TestSessionMovedToAnotherKeyDoesNotOpen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.talk(t, "victim", testStory, "上个月", "没有", "实名", testName)
	h := f.sessionData(t, "victim")
	thief := "qf:{" + f.kit.NS + "}:session:web:thief"
	if err := f.kit.Redis.HSet(ctx, thief, "v", h["v"], "data", h["data"]).Err(); err != nil {
		t.Fatal(err)
	}
	s, err := f.engine.sessions.Load(ctx, "web", "thief")
	if err != nil || s.Name != "" || s.Description != "" || s.Stage != "" {
		t.Fatalf("a moved session opened: %+v, %v", s, err)
	}
	if r := f.talk(t, "thief", "你好"); !strings.Contains(last(r), "请描述") {
		t.Errorf("the conversation under the moved session does not start over: %q", last(r))
	}
}

// A session an older build stored as plain JSON is read and continued, and sealed when
// it is next saved.
func TestSessionFromAnOlderBuildIsReadThenSealed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, _ := json.Marshal(Session{Channel: "web", Key: "old", ReportID: "r1", Version: 4, Stage: stageWhen,
		Description: testStory, Unit: "城关派出所", Who: "户籍民警", Category: "extortion"})
	if err := f.kit.Redis.HSet(ctx, "qf:{"+f.kit.NS+"}:session:web:old", "v", 4, "data", old).Err(); err != nil {
		t.Fatal(err)
	}
	if r := f.talk(t, "old", "上个月"); !strings.Contains(last(r), "证据") {
		t.Fatalf("the old session did not continue: %q", last(r))
	}
	h := f.sessionData(t, "old")
	if h["v"] != "5" || strings.HasPrefix(h["data"], "{") || strings.Contains(h["data"], "户籍民警") {
		t.Errorf("not sealed at its next save: %v", h)
	}
}

// The bot says which of the citizen's messages answered an identity question, and which
// of its own repeat the identity, so the chat can drop them once the report is filed.
func TestRepliesFlagIdentityAnswers(t *testing.T) {
	f := newFixture(t)
	for _, step := range []struct {
		text    string
		private bool // the citizen's message
		summary bool // the bot's answer repeats the identity
	}{
		{testStory, false, false},
		{"上个月", false, false},
		{"没有", false, false},
		{"实名", true, false},
		{"我叫" + testName, true, false},
		{"不是，是" + testName, true, false}, // a correction of the name
		{"打电话找我", true, false},           // refused as no phone, still an answer to the question
		{testPhone, true, true},
		{"确认", false, false},
	} {
		r := f.talk(t, "s", step.text)
		if r.Private != step.private {
			t.Errorf("%q: private = %v, want %v", step.text, r.Private, step.private)
		}
		if got := r.Messages[len(r.Messages)-1].Private; got != step.summary {
			t.Errorf("%q: the answer %q private = %v, want %v", step.text, last(r), got, step.summary)
		}
	}
}

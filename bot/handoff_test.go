package bot

import (
	"context"
	"strings"
	"testing"
)

// Only the message that asks for a person says so: once staff hand the conversation
// back, the citizen's next messages are the dialogue's again.
func TestHandoffIsSaidByTheAskingMessageOnly(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		text    string
		handoff bool
	}{
		{"县住建局的王科长办证时要好处费，不给就不办。", false},
		{"转人工", true},
		{"上个月", false},
		{"人工服务", true},
	} {
		if r := f.talk(t, "h1", c.text); r.Handoff != c.handoff {
			t.Errorf("%q: Handoff %v, want %v", c.text, r.Handoff, c.handoff)
		}
	}
}

// What a member of staff taking a conversation over is shown, what the bot says when it
// is handed back, and a report staff filed from it.
func TestHandoffDraftResumeFiled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		lines  []string
		draft  Draft
		resume string // in the last message the bot says on a hand-back
	}{
		{"nothing said", nil, Draft{}, "请描述"},
		{"only asked", []string{"转人工"}, Draft{}, "请描述"},
		{"mid-report", []string{"县不动产登记中心的窗口人员说不给好处费就不给我办房产证。", "转人工"},
			Draft{Description: "县不动产登记中心的窗口人员说不给好处费就不给我办房产证。", Unit: "县不动产登记中心", Who: "窗口人员"}, "什么时候"},
		{"real name given", []string{"县不动产登记中心的窗口人员说不给好处费就不给我办房产证。", "上个月", "没有", "实名", "李秀英", "转人工"},
			Draft{Description: "县不动产登记中心的窗口人员说不给好处费就不给我办房产证。", Unit: "县不动产登记中心", Who: "窗口人员", When: "上个月",
				Evidence: "无", Identity: "real", Name: "李秀英"}, "联系电话"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "d" + string(rune('0'+i))
			f.talk(t, key, tc.lines...)
			d, err := f.engine.Draft(ctx, "web", key)
			if err != nil || *d != tc.draft {
				t.Errorf("draft: %+v (%v), want %+v", d, err, tc.draft)
			}
			msgs, err := f.engine.Resume(ctx, "web", key)
			if err != nil || len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Text, tc.resume) {
				t.Errorf("resume: %+v (%v), want the last to say %q", msgs, err, tc.resume)
			}
		})
	}

	// Filed: the citizen is told number and code, the conversation is done and keeps
	// nothing that identifies the reporter.
	done, err := f.engine.Filed(ctx, "web", "d3", "QF-20260301-000123", "ABCD1234EFGH")
	if err != nil || !strings.Contains(done.Text, "QF-20260301-000123") || !strings.Contains(done.Text, "ABCD1234EFGH") {
		t.Fatalf("filed: %+v, %v", done, err)
	}
	if d, _ := f.engine.Draft(ctx, "web", "d3"); *d != (Draft{Ticket: "QF-20260301-000123"}) {
		t.Errorf("after filing the conversation keeps %+v", d)
	}
	if r := f.talk(t, "d3", "还有一件事"); !strings.Contains(last(r), "QF-20260301-000123") {
		t.Errorf("after filing the bot answers %q", last(r))
	}
}

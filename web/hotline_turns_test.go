package web

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"qingfeng/nlp"
)

// The phone system's turns are written out with speaker marks, so the operator's script
// sets nothing on the ticket: not the subject, not a real-name signal.
func TestHotlineTurnsReadOnlyTheCaller(t *testing.T) {
	e := newEnv(t)
	hangup := CallEvent{CallID: "call-turns", Event: "hangup", Operator: "op-7", Turns: []CallTurn{
		{Speaker: "operator", Text: "您好，这里是市纪委监委举报电话，实名举报会优先办理，请问被反映人是哪个单位的局长？"},
		{Speaker: "caller", Text: "我反映东坪镇的副镇长刘某，他把修路的钱拿去给自己家盖房子了。"},
		{Speaker: "operator", Text: "好的，您愿意留下姓名吗？"},
		{Speaker: "caller", Text: "先不留名。"},
	}}
	code, out := e.post(t, "/api/v1/webhooks/hotline", hangup, 0)
	if code != http.StatusOK || out["ticket"] == nil {
		t.Fatalf("hangup: %d %v", code, out)
	}
	tk, err := e.store.Get(context.Background(), out["ticket"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if tk.SubjectPosition != "副镇长" || tk.SubjectUnit != "东坪镇" {
		t.Errorf("subject %q %q, want the caller's 东坪镇副镇长", tk.SubjectUnit, tk.SubjectPosition)
	}
	var res nlp.Result
	if err := json.Unmarshal([]byte(tk.Analysis), &res); err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Signals {
		if s.Type == nlp.SignalRealName {
			t.Errorf("the operator's script set %+v", s)
		}
	}
	if !res.Scope.InScope {
		t.Errorf("scope %+v", res.Scope)
	}

	bad := CallEvent{CallID: "call-bad-turn", Event: "hangup", Turns: []CallTurn{{Speaker: "robot", Text: "你好"}}}
	if code, out := e.post(t, "/api/v1/webhooks/hotline", bad, 0); code != http.StatusBadRequest || out["error"] != "bad_turn" {
		t.Errorf("unknown speaker: %d %v", code, out)
	}
}

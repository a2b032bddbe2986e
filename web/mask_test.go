package web

import (
	"context"
	"strings"
	"testing"

	"qingfeng/intake"
)

// A reporter typed their phone, ID and card numbers into the complaint. Staff get them
// masked in the ticket, its evidence segments, the queue and search lists, whatever their
// role; the intake office sees the text as written only through the recorded identity
// view, and only for a real-name report.
func TestHandlerSeesTypedIdentifiersMasked(t *testing.T) {
	e, logins := newStaffEnv(t)
	ctx := context.Background()
	text := "我是本村村民，电话13812345678，身份证110101199003071234，卡号6222020012345678。村会计截留种粮补贴，每亩少发五十块。"
	rc, err := e.intake.Submit(ctx, intake.Report{Channel: "web", SenderID: "masked-1", Anonymous: true, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := e.store.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, intake.Move{Action: intake.ActAccept, Role: intake.RoleIntake, Actor: "intake1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Apply(ctx, tk.ID, tk.Version, intake.Move{Action: intake.ActRoute, Role: intake.RoleIntake, Actor: "intake1",
		Mode: intake.ModeAssigned, Body: "town-a1", Due: intake.Date{Year: 2026, Month: 12, Day: 31}}); err != nil {
		t.Fatal(err)
	}
	typed := []string{"13812345678", "110101199003071234", "6222020012345678"}
	for _, tt := range []struct{ name, path string }{
		{"ticket", "/staff/api/tickets/" + tk.ID},
		{"queue", "/staff/api/tickets?field=status&value=routed"},
		{"search", "/staff/api/search?q=%E7%A7%8D%E7%B2%AE%E8%A1%A5%E8%B4%B4"}, // 种粮补贴
	} {
		code, body := e.do(t, logins["handler-a"], "GET", tt.path, nil)
		if code != 200 || !strings.Contains(body, tk.ID) {
			t.Fatalf("handler %s: %d %s", tt.name, code, body)
		}
		for _, v := range typed {
			if strings.Contains(body, v) {
				t.Errorf("handler %s shows %s: %s", tt.name, v, body)
			}
		}
		if !strings.Contains(body, "138****5678") || !strings.Contains(body, "110***********1234") || !strings.Contains(body, "6222********5678") {
			t.Errorf("handler %s: masked numbers not shown: %s", tt.name, body)
		}
	}
	code, body := e.do(t, logins["intake1"], "GET", "/staff/api/tickets/"+tk.ID, nil)
	if code != 200 || strings.Contains(body, "13812345678") {
		t.Errorf("the intake office sees the typed phone without a recorded view: %d %s", code, body)
	}

	named, err := e.intake.Submit(ctx, intake.Report{Channel: "web", SenderID: "masked-2", Name: "赵敏", Phone: "13700001111", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	code, body = e.do(t, logins["intake1"], "POST", "/staff/api/tickets/"+named.Ticket.ID+"/identity", map[string]any{"reason": "告知受理结果"})
	if code != 200 || !strings.Contains(body, "13812345678") || !strings.Contains(body, "赵敏") {
		t.Errorf("the recorded view: %d %s", code, body)
	}
}

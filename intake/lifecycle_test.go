package intake

import (
	"testing"
)

var allStatuses = []Status{StatusReceived, StatusAccepted, StatusRejected, StatusRouted, StatusInProgress,
	StatusReported, StatusConcluded, StatusReturned, StatusReplied, StatusClosed, StatusMerged, StatusReopened}

var allRoles = []Role{RoleIntake, RoleHandler, RoleLeader, RoleOperator, RoleSystem}

// validMove fills in what each action requires.
func validMove(a Action, r Role) Move {
	m := Move{Action: a, Role: r, Actor: "staff-1"}
	switch a {
	case ActReject:
		m.Reason = "无具体事实"
	case ActSendBack:
		m.Reason = "属地不符"
	case ActReturn, ActReopen:
		m.Reason = "事实未查清"
	case ActRoute:
		m.Mode, m.Body, m.Due = ModeAssigned, "县纪委监委第二监督检查室", Date{2026, 3, 2}
	case ActEscalate:
		m.Mode = ModeSupervised
	case ActReport, ActConclude:
		m.Finding, m.Disposal = "属实", "初步核实"
	case ActReply:
		m.Reply = "经核查，反映问题属实，已对相关人员批评教育。"
	case ActMerge:
		m.MainID = "QF-20260302-000001"
	case ActFollowUp:
		m.Satisfaction = "基本满意"
	case ActMessage:
		m.Note = "请补充反映事项的时间和地点。"
	}
	return m
}

// Every action from every status by every role: allowed exactly where DOMAIN.md's
// lifecycle allows it, refused with the right code elsewhere.
func TestEveryTransition(t *testing.T) {
	o, err := LoadOutcomes(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Action]struct {
		from []Status
		to   Status
		by   []Role
	}{
		ActAccept:   {[]Status{StatusReceived}, StatusAccepted, []Role{RoleIntake}},
		ActReject:   {[]Status{StatusReceived}, StatusRejected, []Role{RoleIntake}},
		ActRoute:    {[]Status{StatusAccepted, StatusReopened}, StatusRouted, []Role{RoleIntake}},
		ActSendBack: {[]Status{StatusRouted, StatusInProgress}, StatusAccepted, []Role{RoleHandler}},
		ActStart:    {[]Status{StatusRouted, StatusReturned}, StatusInProgress, []Role{RoleHandler}},
		ActReport:   {[]Status{StatusInProgress}, StatusReported, []Role{RoleHandler}},
		ActConclude: {[]Status{StatusReported}, StatusConcluded, []Role{RoleLeader}},
		ActReturn:   {[]Status{StatusReported}, StatusReturned, []Role{RoleLeader}},
		ActReply:    {[]Status{StatusConcluded, StatusRejected}, StatusReplied, []Role{RoleIntake}},
		ActClose:    {[]Status{StatusReplied, StatusRejected}, StatusClosed, []Role{RoleIntake}},
		ActMerge:    {[]Status{StatusReceived, StatusAccepted}, StatusMerged, []Role{RoleIntake}},
		ActReopen:   {[]Status{StatusReplied, StatusClosed}, StatusReopened, []Role{RoleLeader}},
		ActEscalate: {[]Status{StatusRouted, StatusInProgress, StatusReturned}, "", []Role{RoleSystem, RoleLeader}},
		ActFollowUp: {[]Status{StatusReplied, StatusClosed}, "", []Role{RoleIntake}},
		ActMessage: {[]Status{StatusReceived, StatusAccepted, StatusRejected, StatusRouted, StatusInProgress, StatusReported,
			StatusConcluded, StatusReturned, StatusReplied, StatusClosed, StatusReopened}, "", []Role{RoleIntake, RoleLeader}},
	}
	if len(want) != len(lifecycle) {
		t.Fatalf("the test knows %d actions, the lifecycle %d", len(want), len(lifecycle))
	}
	in := func(s Status, list []Status) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for a, w := range want {
		for _, from := range allStatuses {
			for _, role := range allRoles {
				got, err := o.Next(from, validMove(a, role))
				roleOK := false
				for _, r := range w.by {
					roleOK = roleOK || r == role
				}
				switch {
				case !roleOK:
					if CodeOf(err) != CodeForbidden {
						t.Errorf("%s from %s by %s: err %v, want forbidden", a, from, role, err)
					}
				case !in(from, w.from):
					if CodeOf(err) != CodeIllegalMove {
						t.Errorf("%s from %s by %s: err %v, want illegal_move", a, from, role, err)
					}
				default:
					wantTo := w.to
					if wantTo == "" {
						wantTo = from
					}
					if err != nil || got != wantTo {
						t.Errorf("%s from %s by %s = %s, %v; want %s", a, from, role, got, err, wantTo)
					}
				}
			}
		}
	}
}

func TestMoveRequirements(t *testing.T) {
	o, err := LoadOutcomes(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		from Status
		edit func(*Move)
		base Move
	}{
		{"reject without a reason", StatusReceived, func(m *Move) { m.Reason = "" }, validMove(ActReject, RoleIntake)},
		{"reject with a made-up reason", StatusReceived, func(m *Move) { m.Reason = "不想办" }, validMove(ActReject, RoleIntake)},
		{"send back without a coded reason", StatusRouted, func(m *Move) { m.Reason = "不归我们管" }, validMove(ActSendBack, RoleHandler)},
		{"return without a reason", StatusReported, func(m *Move) { m.Reason = "" }, validMove(ActReturn, RoleLeader)},
		{"reopen without a reason", StatusClosed, func(m *Move) { m.Reason = "" }, validMove(ActReopen, RoleLeader)},
		{"route without a mode", StatusAccepted, func(m *Move) { m.Mode = "" }, validMove(ActRoute, RoleIntake)},
		{"route with an unknown mode", StatusAccepted, func(m *Move) { m.Mode = "sideways" }, validMove(ActRoute, RoleIntake)},
		{"route without a body", StatusAccepted, func(m *Move) { m.Body = "" }, validMove(ActRoute, RoleIntake)},
		{"route without a deadline", StatusAccepted, func(m *Move) { m.Due = Date{} }, validMove(ActRoute, RoleIntake)},
		{"escalate to another mode", StatusRouted, func(m *Move) { m.Mode = ModeDirect }, validMove(ActEscalate, RoleSystem)},
		{"report without a finding", StatusInProgress, func(m *Move) { m.Finding = "" }, validMove(ActReport, RoleHandler)},
		{"report without a disposal", StatusInProgress, func(m *Move) { m.Disposal = "" }, validMove(ActReport, RoleHandler)},
		{"conclude held to account without measures", StatusReported, func(m *Move) { m.Held = true }, validMove(ActConclude, RoleLeader)},
		{"conclude held to account with a made-up measure", StatusReported, func(m *Move) { m.Held, m.Measures = true, []string{"罚站"} }, validMove(ActConclude, RoleLeader)},
		{"conclude held to account on an unfounded report", StatusReported, func(m *Move) { m.Held, m.Measures, m.Finding = true, []string{"诫勉谈话"}, "不属实" }, validMove(ActConclude, RoleLeader)},
		{"measures without holding to account", StatusReported, func(m *Move) { m.Measures = []string{"诫勉谈话"} }, validMove(ActConclude, RoleLeader)},
		{"clearing a name on a founded report", StatusReported, func(m *Move) { m.Clear = true }, validMove(ActConclude, RoleLeader)},
		{"reply without text", StatusConcluded, func(m *Move) { m.Reply = "" }, validMove(ActReply, RoleIntake)},
		{"merge without the main ticket", StatusReceived, func(m *Move) { m.MainID = "" }, validMove(ActMerge, RoleIntake)},
		{"any move without an actor", StatusReceived, func(m *Move) { m.Actor = "" }, validMove(ActAccept, RoleIntake)},
		{"an unknown action", StatusReceived, func(m *Move) { m.Action = "teleport" }, validMove(ActAccept, RoleIntake)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.base
			tt.edit(&m)
			if _, err := o.Next(tt.from, m); CodeOf(err) != CodeInvalid {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
	ok := []struct {
		name string
		m    Move
	}{
		{"held to account with measures", func() Move {
			m := validMove(ActConclude, RoleLeader)
			m.Held, m.Measures = true, []string{"诫勉谈话", "调离岗位"}
			return m
		}()},
		{"unfounded, name cleared", func() Move {
			m := validMove(ActConclude, RoleLeader)
			m.Finding, m.Disposal, m.Clear = "不属实", "予以了结", true
			return m
		}()},
	}
	for _, tt := range ok {
		if _, err := o.Next(StatusReported, tt.m); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestLoadOutcomesRefusesEmptyLists(t *testing.T) {
	if _, err := LoadOutcomes([]byte("findings: [属实]")); err == nil {
		t.Error("accepted outcomes without disposals")
	}
	if _, err := LoadOutcomes([]byte("findings: [")); err == nil {
		t.Error("accepted broken YAML")
	}
}

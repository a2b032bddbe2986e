package intake

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Status is where a ticket is in the lifecycle of DOMAIN.md.
type Status string

const (
	StatusReceived   Status = "received"    // 待受理
	StatusAccepted   Status = "accepted"    // 已受理, waiting to be routed
	StatusRejected   Status = "rejected"    // 不予受理
	StatusRouted     Status = "routed"      // 已分办: direct, assigned, transferred or supervised
	StatusInProgress Status = "in_progress" // 办理中
	StatusReported   Status = "reported"    // 已报结, waiting for review
	StatusConcluded  Status = "concluded"   // 已办结
	StatusReturned   Status = "returned"    // 退回重办
	StatusReplied    Status = "replied"     // 已反馈
	StatusClosed     Status = "closed"      // 已归档
	StatusMerged     Status = "merged"      // 并案 into another ticket
	StatusReopened   Status = "reopened"    // 重办 after the reporter disputes the result
)

// Role is what a member of staff does; it decides which moves they may make.
type Role string

const (
	RoleIntake   Role = "intake"   // 信访室: screens, routes, replies
	RoleHandler  Role = "handler"  // the body that handles the matter
	RoleLeader   Role = "leader"   // reviews, supervises, reopens
	RoleOperator Role = "operator" // hotline operator: logs calls
	RoleSystem   Role = "system"   // the deadline scanner
	RoleReporter Role = "reporter" // the citizen, through number and query code
)

// Action is one move of the lifecycle.
type Action string

const (
	ActAccept   Action = "accept"
	ActReject   Action = "reject"
	ActRoute    Action = "route"
	ActSendBack Action = "send_back" // 退单 by the assigned body: back to the intake office
	ActStart    Action = "start"
	ActReport   Action = "report" // 报结
	ActConclude Action = "conclude"
	ActReturn   Action = "return" // 退回重办
	ActReply    Action = "reply"
	ActClose    Action = "close"
	ActMerge    Action = "merge"
	ActReopen   Action = "reopen"
	ActEscalate Action = "escalate"  // an overdue assigned ticket becomes supervised
	ActFollowUp Action = "follow_up" // 回访: the reporter's satisfaction, asked after the reply

	// Recorded in the audit trail without changing the ticket.
	ActCreate       Action = "create"
	ActViewIdentity Action = "view_identity"
	ActSupplement   Action = "supplement"
	ActCorrect      Action = "correct" // staff corrected category or subject
)

// Handling modes, as nlp routes them.
const (
	ModeDirect      = "direct"
	ModeAssigned    = "assigned"
	ModeTransferred = "transferred"
	ModeSupervised  = "supervised"
)

// Move is a request to change a ticket, with what that move requires.
type Move struct {
	Action Action
	Actor  string // who, for the audit trail
	Role   Role
	Note   string

	Reason       string   // reject, return, reopen, send_back (a coded reason for the last)
	Mode         string   // route, escalate
	Body         string   // route: the body that will handle it
	Due          Date     // route: the deadline
	Finding      string   // report, conclude
	Disposal     string   // report, conclude
	Measures     []string // conclude, when the subject is held to account
	Held         bool     // conclude: the subject is held to account
	Clear        bool     // conclude: an unfounded report clears the official's name (澄清正名)
	Reply        string   // reply: text sent to the reporter
	MainID       string   // merge: the ticket this one joins
	Satisfaction string   // follow_up: one of Outcomes.Satisfaction
}

type rule struct {
	from  []Status
	to    Status // "" keeps the status (escalate changes the mode only)
	roles []Role
}

var lifecycle = map[Action]rule{
	ActAccept:   {from: []Status{StatusReceived}, to: StatusAccepted, roles: []Role{RoleIntake}},
	ActReject:   {from: []Status{StatusReceived}, to: StatusRejected, roles: []Role{RoleIntake}},
	ActRoute:    {from: []Status{StatusAccepted, StatusReopened}, to: StatusRouted, roles: []Role{RoleIntake}},
	ActSendBack: {from: []Status{StatusRouted, StatusInProgress}, to: StatusAccepted, roles: []Role{RoleHandler}},
	ActStart:    {from: []Status{StatusRouted, StatusReturned}, to: StatusInProgress, roles: []Role{RoleHandler}},
	ActReport:   {from: []Status{StatusInProgress}, to: StatusReported, roles: []Role{RoleHandler}},
	ActConclude: {from: []Status{StatusReported}, to: StatusConcluded, roles: []Role{RoleLeader}},
	ActReturn:   {from: []Status{StatusReported}, to: StatusReturned, roles: []Role{RoleLeader}},
	ActReply:    {from: []Status{StatusConcluded, StatusRejected}, to: StatusReplied, roles: []Role{RoleIntake}},
	ActClose:    {from: []Status{StatusReplied, StatusRejected}, to: StatusClosed, roles: []Role{RoleIntake}},
	ActMerge:    {from: []Status{StatusReceived, StatusAccepted}, to: StatusMerged, roles: []Role{RoleIntake}},
	ActReopen:   {from: []Status{StatusReplied, StatusClosed}, to: StatusReopened, roles: []Role{RoleLeader}},
	ActEscalate: {from: []Status{StatusRouted, StatusInProgress, StatusReturned}, roles: []Role{RoleSystem, RoleLeader}},
	ActFollowUp: {from: []Status{StatusReplied, StatusClosed}, roles: []Role{RoleIntake}},
	// A message to the reporter (notices.go), at any time until the ticket is merged away.
	ActMessage: {from: []Status{StatusReceived, StatusAccepted, StatusRejected, StatusRouted, StatusInProgress, StatusReported,
		StatusConcluded, StatusReturned, StatusReplied, StatusClosed, StatusReopened}, roles: []Role{RoleIntake, RoleLeader}},
}

//go:embed data/outcomes.yaml
var defaultOutcomes []byte

// Outcomes are the vocabularies a move may use.
type Outcomes struct {
	Findings        []string `yaml:"findings"`
	Disposals       []string `yaml:"disposals"`
	Measures        []string `yaml:"measures"`
	SendBackReasons []string `yaml:"send_back_reasons"`
	RejectReasons   []string `yaml:"reject_reasons"`
	// Satisfaction levels a follow-up records, the satisfied ones first (Satisfied).
	Satisfaction []string `yaml:"satisfaction"`
	Satisfied    int      `yaml:"satisfied"`
}

// LoadOutcomes reads an outcomes file; nil or empty data gives the built-in one.
func LoadOutcomes(data []byte) (Outcomes, error) {
	if len(data) == 0 {
		data = defaultOutcomes
	}
	var o Outcomes
	if err := yaml.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("parse outcomes: %w", err)
	}
	if len(o.Findings) == 0 || len(o.Disposals) == 0 || len(o.Measures) == 0 || len(o.SendBackReasons) == 0 || len(o.RejectReasons) == 0 ||
		len(o.Satisfaction) == 0 || o.Satisfied < 1 || o.Satisfied > len(o.Satisfaction) {
		return o, fmt.Errorf("outcomes: every list needs at least one entry")
	}
	return o, nil
}

// unfounded is the finding that allows clearing the official's name.
const unfounded = "不属实"

// Next checks a move against the ticket's status and returns the status after it. It
// changes nothing: the store applies the move atomically.
func (o Outcomes) Next(from Status, m Move) (Status, error) {
	r, ok := lifecycle[m.Action]
	if !ok {
		return "", errorf(CodeInvalid, "unknown action %q", m.Action)
	}
	if !slices.Contains(r.roles, m.Role) {
		return "", errorf(CodeForbidden, "role %q may not %s", m.Role, m.Action)
	}
	if !slices.Contains(r.from, from) {
		return "", errorf(CodeIllegalMove, "cannot %s a ticket that is %s", m.Action, from)
	}
	if m.Actor == "" {
		return "", errorf(CodeInvalid, "%s needs the actor, for the audit trail", m.Action)
	}
	if err := o.requirements(m); err != nil {
		return "", err
	}
	if r.to == "" {
		return from, nil
	}
	return r.to, nil
}

func (o Outcomes) requirements(m Move) error {
	need := func(ok bool, what string) error {
		if !ok {
			return errorf(CodeInvalid, "%s needs %s", m.Action, what)
		}
		return nil
	}
	oneOf := func(v string, list []string, what string) error {
		return need(slices.Contains(list, v), fmt.Sprintf("%s, one of %v", what, list))
	}
	switch m.Action {
	case ActReject:
		return oneOf(m.Reason, o.RejectReasons, "a reason")
	case ActSendBack:
		return oneOf(m.Reason, o.SendBackReasons, "a coded reason")
	case ActReturn, ActReopen:
		return need(m.Reason != "", "a reason")
	case ActRoute:
		if err := need(slices.Contains([]string{ModeDirect, ModeAssigned, ModeTransferred, ModeSupervised}, m.Mode), "a handling mode"); err != nil {
			return err
		}
		if err := need(m.Body != "", "the body that will handle it"); err != nil {
			return err
		}
		return need(m.Due != Date{}, "a deadline")
	case ActEscalate:
		return need(m.Mode == ModeSupervised, "mode supervised")
	case ActReport:
		if err := oneOf(m.Finding, o.Findings, "a finding"); err != nil {
			return err
		}
		return oneOf(m.Disposal, o.Disposals, "a disposal")
	case ActConclude:
		if err := oneOf(m.Finding, o.Findings, "a finding"); err != nil {
			return err
		}
		if err := oneOf(m.Disposal, o.Disposals, "a disposal"); err != nil {
			return err
		}
		if m.Held {
			if err := need(m.Finding != unfounded, "a finding of fact to hold anyone to account"); err != nil {
				return err
			}
			if err := need(len(m.Measures) > 0, "the measures taken"); err != nil {
				return err
			}
			for _, x := range m.Measures {
				if err := oneOf(x, o.Measures, "measures"); err != nil {
					return err
				}
			}
		} else if len(m.Measures) > 0 {
			return errorf(CodeInvalid, "measures are recorded only when someone is held to account")
		}
		if m.Clear {
			return need(m.Finding == unfounded, "an unfounded finding to clear a name")
		}
		return nil
	case ActReply:
		return need(m.Reply != "", "the reply text")
	case ActFollowUp:
		return oneOf(m.Satisfaction, o.Satisfaction, "the reporter's satisfaction")
	case ActMerge:
		return need(m.MainID != "", "the ticket to merge into")
	case ActMessage:
		return need(strings.TrimSpace(m.Note) != "", "the message to the reporter, as its note")
	}
	return nil
}

// Allowed lists the moves role may make on a ticket at status, in lifecycle order
// (escalation is the scanner's, and a leader's from the ticket page).
func Allowed(status Status, role Role) []Action {
	out := []Action{}
	for _, a := range []Action{ActAccept, ActReject, ActMerge, ActRoute, ActSendBack, ActStart, ActReport, ActConclude,
		ActReturn, ActEscalate, ActReply, ActFollowUp, ActClose, ActReopen} {
		r := lifecycle[a]
		if slices.Contains(r.from, status) && slices.Contains(r.roles, role) {
			out = append(out, a)
		}
	}
	return out
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
)

// announceRinging pops the call up on the operator's screen, with the caller's history
// (over Pub/Sub only: nothing of it is stored). Failing to is logged, not fatal: the
// phone system still gets the history in its answer.
func (s *Server) announceRinging(ctx context.Context, e *CallEvent, history []intake.CallerTicket) {
	if s.live == nil {
		return
	}
	body, err := json.Marshal(map[string]any{"event": "ringing", "call_id": e.CallID, "caller": e.Caller, "history": history})
	if err != nil {
		return
	}
	to := e.Operator
	if to == "" {
		to = "-"
	}
	if err := s.live.Announce(ctx, "ringing "+to+" "+string(body)); err != nil {
		s.log.Warn("could not announce a ringing call", "call_id", e.CallID, "err", err)
	}
}

// staffLogCall: an operator logs a call as a ticket. The call id from the ringing event,
// or else the form's own submission id, makes a repeated post return the same ticket,
// and the phone system's hangup event for the same call joins it too.
func (s *Server) staffLogCall(c echo.Context) error {
	var in struct {
		CallID     string `json:"call_id"`
		Submission string `json:"submission"`
		Caller     string `json:"caller"`
		Name       string `json:"name"`
		Anonymous  bool   `json:"anonymous"`
		Text       string `json:"text"`
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	sender := in.CallID
	if sender == "" {
		sender = "console-" + in.Submission
	}
	if in.Submission == "" && in.CallID == "" || len(sender) > 200 || len(in.Caller) > 40 || len(in.Name) > 100 {
		return fail(http.StatusBadRequest, "bad_json")
	}
	if strings.TrimSpace(in.Text) == "" {
		return fail(http.StatusUnprocessableEntity, "empty_call")
	}
	a := account(c)
	r := intake.Report{Channel: "hotline", SenderID: sender, Text: in.Text, Anonymous: in.Anonymous || in.Caller == "" && in.Name == "",
		Operator: a.Username, Actor: a.Username, Role: intake.RoleOperator}
	if !r.Anonymous {
		r.Name, r.Phone = in.Name, in.Caller
	}
	rc, err := s.tickets.Submit(c.Request().Context(), r)
	if err != nil {
		return err
	}
	if rc.Ticket.Operator != a.Username {
		// Someone else's call id: answered like an unknown one, so its ticket number and
		// query code stay with the operator who logged it.
		e := fail(http.StatusNotFound, "not_found")
		e.Err = errors.New("the call was logged by another member of staff")
		return e
	}
	if rc.Created {
		s.metrics.ticketCreated("hotline")
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket": rc.Ticket.ID, "query_code": rc.QueryCode, "created": rc.Created})
}

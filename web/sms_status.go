package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
)

// SMSStatus is a delivery receipt the SMS gateway posts for a notice it took:
// POST /api/v1/webhooks/sms/status, signed like the other webhooks.
type SMSStatus struct {
	ID     string `json:"id"`     // the notice's id, as we sent it
	Status string `json:"status"` // delivered or failed
	At     string `json:"at"`     // when, RFC 3339; the time it arrives when left out
}

// smsStatusAnswer is the receipt's answer: recorded false when it was recorded before.
type smsStatusAnswer struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Recorded bool   `json:"recorded"`
}

// receiptRetry is when a receipt that came before its send was recorded should come again.
const receiptRetry = 5 * time.Second

// smsStatus records a receipt in the notice and, as an audit entry, on its ticket
// (已告知: delivered; a failed delivery joins the dead letters staff see). A repeated
// receipt answers 200 and changes nothing; one for an unknown notice 404; one that
// came before the send was recorded 409 with Retry-After.
func (s *Server) smsStatus(c echo.Context) error {
	body, ae := s.signedBody(c)
	if ae != nil {
		return ae
	}
	var in SMSStatus
	if ae := decode(body, &in); ae != nil {
		return ae
	}
	if in.ID = strings.TrimSpace(in.ID); in.ID == "" || len(in.ID) > 200 {
		return fail(http.StatusBadRequest, "missing_field", "id")
	}
	if in.Status != "delivered" && in.Status != "failed" {
		return fail(http.StatusBadRequest, "bad_receipt")
	}
	at := s.cfg.Now()
	if in.At != "" {
		t, err := time.Parse(time.RFC3339, in.At)
		if err != nil {
			return fail(http.StatusBadRequest, "bad_receipt")
		}
		at = t
	}
	if s.outbox == nil {
		return fail(http.StatusServiceUnavailable, "not_configured")
	}
	recorded, err := s.outbox.Receipt(c.Request().Context(), in.ID, in.Status == "delivered", at, "sms-gateway")
	switch {
	case errors.Is(err, intake.ErrNoticePending):
		e := fail(http.StatusConflict, "in_progress")
		e.Err, e.RetryAfter = err, receiptRetry
		return e
	case intake.CodeOf(err) == intake.CodeNotFound:
		e := fail(http.StatusNotFound, "unknown_notice")
		e.Err = err
		return e
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, smsStatusAnswer{ID: in.ID, Status: in.Status, Recorded: recorded})
}

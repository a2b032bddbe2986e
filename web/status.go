package web

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"qingfeng/bot"
)

// numberForm is what a ticket number looks like (intake's QF-YYYYMMDD-NNNNNN; the
// counter may outgrow six digits).
var numberForm = regexp.MustCompile(`^QF-[0-9]{8}-[0-9]{6,9}$`)

// canonicalNumber is the one spelling of a ticket number that the limits key on, so
// `qf-…`, a leading space or a trailing tab cannot buy a fresh budget. ok is false for
// anything that is no ticket number at all.
func canonicalNumber(raw string) (number string, ok bool) {
	number = strings.ToUpper(strings.TrimSpace(raw))
	return number, numberForm.MatchString(number)
}

// allowGuess spends from the budgets of whoever presents a number and query code (the
// status query, an upload of evidence): guessing is limited per client and per number,
// whether the guess is right or not. The client's address is keyed as a keyed hash: it
// is personal.
func (s *Server) allowGuess(c echo.Context, number string) error {
	return s.allow(c.Request().Context(),
		limit{Key: s.key("rl", "ip", s.tickets.LookupHash("client-ip", c.RealIP())), Count: s.cfg.StatusPerIP, Per: time.Minute},
		limit{Key: s.key("rl", "num", number), Count: s.cfg.StatusPerNumber, Per: time.Minute},
	)
}

// statusAnswer is what a reporter's query gets: nothing personal.
type statusAnswer struct {
	Number     string   `json:"number"`
	Status     string   `json:"status"`
	StatusName string   `json:"status_name"`
	UpdatedAt  string   `json:"updated_at"`
	Replies    []string `json:"replies"`
}

// ticketStatus answers GET /api/v1/tickets/:number with the X-Query-Code header.
func (s *Server) ticketStatus(c echo.Context) error {
	ctx := c.Request().Context()
	number, ok := canonicalNumber(c.Param("number"))
	if !ok {
		// Nothing is checked, so nothing is counted and no key is left behind; the answer
		// is the one a wrong code gets.
		return fail(http.StatusNotFound, "not_found")
	}
	if err := s.allowGuess(c, number); err != nil {
		return err
	}
	st, err := s.tickets.Status(ctx, number, c.Request().Header.Get("X-Query-Code"))
	if err != nil {
		return err
	}
	replies := st.Replies
	if replies == nil {
		replies = []string{}
	}
	return c.JSON(http.StatusOK, statusAnswer{Number: st.Number, Status: string(st.Status), StatusName: bot.StatusName(string(st.Status)),
		UpdatedAt: st.UpdatedAt.UTC().Format(time.RFC3339), Replies: replies})
}

package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/staff"
)

// Deadlines tells how close tickets are to their deadlines, and what deadline a
// ticket routed today gets by default.
type Deadlines interface {
	Level(t *intake.Ticket) intake.Level
	DefaultDue(mode string) intake.Date
}

// consolePages are the staff console's pages; the script behind them talks to /staff/api.
func (s *Server) consolePages() {
	s.echo.GET("/staff", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/staff/") })
	s.echo.GET("/staff/", s.page("staff/queue.html"))
	s.echo.GET("/staff/login", s.page("staff/login.html"))
	s.echo.GET("/staff/ticket", s.page("staff/ticket.html"))
	s.echo.GET("/staff/operator", s.page("staff/operator.html"))
	s.echo.GET("/staff/figures", s.page("staff/figures.html"))
	s.echo.GET("/staff/admin", s.page("staff/admin.html"))
}

// staffMe tells the console who is logged in, and the token its changes must carry.
func (s *Server) staffMe(c echo.Context) error {
	ck, _ := c.Cookie(staffCookie)
	_, sess, err := s.staff.Session(c.Request().Context(), ck.Value)
	if err != nil {
		return err
	}
	a := account(c)
	return c.JSON(http.StatusOK, map[string]any{"username": a.Username, "role": a.Role, "body": a.Body, "csrf": sess.CSRF})
}

// staffVocab gives the console its choices and names: categories, ranks, bodies, the
// names of every other code (names.go), the status tabs of the caller's role, the
// outcomes a move may record, and today's default deadline per mode.
func (s *Server) staffVocab(c echo.Context) error {
	bodies, err := s.staff.Bodies(c.Request().Context())
	if err != nil {
		return err
	}
	due := map[string]string{}
	for _, m := range []string{intake.ModeDirect, intake.ModeAssigned, intake.ModeTransferred, intake.ModeSupervised} {
		due[m] = s.deadlines.DefaultDue(m).String()
	}
	return c.JSON(http.StatusOK, map[string]any{"categories": s.categories, "ranks": s.ranks, "names": consoleNames(),
		"tabs": statusTabs(account(c).Role), "bodies": bodies, "outcomes": s.outcomes, "default_due": due})
}

// labeller names the codes tickets keep (category, rank, mode, channel, body) as staff
// read them, for the export; an unknown code is shown as it is.
func (s *Server) labeller(bodies []staff.Body) func(dim, code string) string {
	names := map[string]map[string]string{"mode": modeNames, "channel": channelNames,
		"category": {}, "rank": {}, "body": {}}
	for _, c := range s.categories {
		names["category"][c.ID] = c.Name
	}
	for _, r := range s.ranks {
		names["rank"][r.ID] = r.Name
	}
	for _, b := range bodies {
		names["body"][b.ID] = b.Name
	}
	return func(dim, code string) string {
		if n := names[dim][code]; n != "" {
			return n
		}
		return code
	}
}

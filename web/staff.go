package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/nlp"
	"qingfeng/staff"
)

// StaffDirectory is what the console needs of staff accounts.
type StaffDirectory interface {
	Login(ctx context.Context, username, password, code, client string) (token, csrf string, err error)
	Session(ctx context.Context, token string) (*staff.Account, *staff.Session, error)
	Logout(ctx context.Context, token string) error
	Subtree(ctx context.Context, root string) ([]string, error)
	Bodies(ctx context.Context) ([]staff.Body, error)
	LoadBodies(ctx context.Context, data []byte) (int, error)
	Accounts(ctx context.Context) ([]staff.Account, error)
	EnableTOTP(ctx context.Context, username string) (string, error)
	DisableTOTP(ctx context.Context, username string) error
	AddAccount(ctx context.Context, username string, role intake.Role, body, password string) error
}

// StaffTickets is what the console needs of the ticket store.
type StaffTickets interface {
	Get(ctx context.Context, id string) (*intake.Ticket, error)
	GetMany(ctx context.Context, ids []string) ([]*intake.Ticket, error)
	Find(ctx context.Context, field, value string, limit int64) ([]string, error)
	FindWithin(ctx context.Context, field, value string, bodies []string, limit int64) ([]string, error)
	CountByStatus(ctx context.Context, bodies []string) (map[intake.Status]int, error)
	Queue(ctx context.Context, status intake.Status, bodies []string, filter intake.QueueFilter, limit int64) ([]string, error)
	Audit(ctx context.Context, id string) ([]intake.AuditEntry, error)
	Apply(ctx context.Context, id string, version int64, m intake.Move) (*intake.Ticket, error)
}

// IdentityRevealer opens a reporter's identity and records who looked, and takes staff
// corrections of what the classifier read.
type IdentityRevealer interface {
	RevealIdentity(ctx context.Context, id, actor string, role intake.Role, why string) (*intake.Identity, error)
	Correct(ctx context.Context, id string, version int64, actor string, role intake.Role, category string, subject nlp.Subject) (*intake.Ticket, error)
	Search(ctx context.Context, query string, limit int64) ([]string, error)
	Analyze(text string) (*nlp.Result, error)
}

const staffCookie = "qf_staff"

// LiveSource is where ticket changes are announced (Redis Pub/Sub).
type LiveSource interface {
	Live(ctx context.Context) *redis.PubSub
	Announce(ctx context.Context, msg string) error
}

// StaffDeps are what the staff console is built on.
type StaffDeps struct {
	Directory StaffDirectory
	Tickets   StaffTickets
	Reveal    IdentityRevealer
	Figures   FigureSource
	Warnings  WarningSource
	Deadlines Deadlines
	Calendar  CalendarAdmin
	Live      LiveSource
	// The console's vocabularies.
	Categories []nlp.Category
	Ranks      []nlp.Rank
	Outcomes   intake.Outcomes
}

// WithStaff adds the staff API. Every route names the roles that may use it.
func (s *Server) WithStaff(d StaffDeps) *Server {
	s.staff, s.staffTickets, s.reveal, s.figures, s.warnings, s.live = d.Directory, d.Tickets, d.Reveal, d.Figures, d.Warnings, d.Live
	s.deadlines, s.calendar, s.categories, s.ranks, s.outcomes = d.Deadlines, d.Calendar, d.Categories, d.Ranks, d.Outcomes
	s.consolePages()
	g := s.echo.Group("/staff/api")
	g.POST("/login", s.staffLogin)
	g.POST("/logout", s.staffLogout, s.staffOnly(staff.Roles...))
	g.GET("/me", s.staffMe, s.staffOnly(staff.Roles...))
	g.GET("/vocab", s.staffVocab, s.staffOnly(staff.Roles...))
	g.GET("/tickets", s.staffQueue, s.staffOnly(staff.RoleOperator, staff.RoleIntake, staff.RoleHandler, staff.RoleLeader))
	g.GET("/tickets/:id", s.staffTicket, s.staffOnly(staff.RoleOperator, staff.RoleIntake, staff.RoleHandler, staff.RoleLeader))
	g.POST("/tickets/:id/moves", s.staffMove, s.staffOnly(staff.RoleIntake, staff.RoleHandler, staff.RoleLeader))
	g.POST("/tickets/:id/identity", s.staffIdentity, s.staffOnly(staff.RoleIntake, staff.RoleLeader))
	g.POST("/tickets/:id/correction", s.staffCorrect, s.staffOnly(staff.RoleIntake, staff.RoleHandler, staff.RoleLeader))
	g.GET("/figures", s.staffFigures, s.staffOnly(staff.RoleIntake, staff.RoleLeader))
	g.GET("/figures.xlsx", s.staffFiguresXLSX, s.staffOnly(staff.RoleIntake, staff.RoleLeader))
	g.POST("/calls", s.staffLogCall, s.staffOnly(staff.RoleOperator, staff.RoleIntake))
	g.POST("/suggest", s.staffSuggest, s.staffOnly(staff.RoleOperator, staff.RoleIntake))
	g.GET("/search", s.staffSearch, s.staffOnly(staff.RoleIntake, staff.RoleHandler, staff.RoleLeader))
	g.GET("/live", s.staffLive, s.staffOnly(staff.RoleOperator, staff.RoleIntake, staff.RoleHandler, staff.RoleLeader))
	s.adminRoutes(g)
	return s
}

// StaffRoutes lists the staff API's routes, for the authorisation test.
func (s *Server) StaffRoutes() [][2]string {
	var out [][2]string
	for _, r := range s.echo.Routes() {
		if len(r.Path) > len("/staff/api") && r.Path[:len("/staff/api")] == "/staff/api" {
			out = append(out, [2]string{r.Method, r.Path})
		}
	}
	return out
}

// staffOnly admits a logged-in member of staff of one of the roles; unsafe methods must
// carry the session's CSRF token.
func (s *Server) staffOnly(roles ...intake.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ck, err := c.Cookie(staffCookie)
			token := ""
			if err == nil {
				token = ck.Value
			}
			acct, sess, err := s.staff.Session(c.Request().Context(), token)
			if errors.Is(err, staff.ErrNoSession) {
				return fail(http.StatusUnauthorized, "login_required")
			}
			if err != nil {
				return err
			}
			if c.Request().Method != http.MethodGet && c.Request().Header.Get("X-CSRF-Token") != sess.CSRF {
				return fail(http.StatusForbidden, "csrf")
			}
			if !slices.Contains(roles, acct.Role) {
				return fail(http.StatusForbidden, "forbidden")
			}
			c.Set("account", acct)
			c.Set("token", token)
			return next(c)
		}
	}
}

func account(c echo.Context) *staff.Account { return c.Get("account").(*staff.Account) }

func (s *Server) staffLogin(c echo.Context) error {
	var in struct{ Username, Password, Code string }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	token, csrf, err := s.staff.Login(c.Request().Context(), in.Username, in.Password, in.Code, c.RealIP())
	switch {
	case errors.Is(err, staff.ErrBadLogin):
		return fail(http.StatusUnauthorized, "bad_login")
	case errors.Is(err, staff.ErrCodeRequired):
		return fail(http.StatusUnauthorized, "code_required")
	case errors.Is(err, staff.ErrThrottled):
		return fail(http.StatusTooManyRequests, "login_throttled")
	case err != nil:
		return err
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https" || c.Request().Header.Get("X-Forwarded-Proto") == "https"})
	return c.JSON(http.StatusOK, map[string]string{"csrf": csrf})
}

func (s *Server) staffLogout(c echo.Context) error {
	if err := s.staff.Logout(c.Request().Context(), c.Get("token").(string)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

// visibleTicket reads the ticket the route names. One outside the caller's reach
// answers 404 like a missing one, so nothing is learnt from the difference.
func (s *Server) visibleTicket(c echo.Context) (*intake.Ticket, error) {
	ctx := c.Request().Context()
	t, err := s.staffTickets.Get(ctx, c.Param("id"))
	if err != nil {
		return nil, err
	}
	r, err := s.reachOf(ctx, account(c))
	if err != nil {
		return nil, err
	}
	if !r.seesTicket(t) {
		return nil, fail(http.StatusNotFound, "not_found")
	}
	return t, nil
}

// view is a ticket as staff see it: never the reporter's identity or contact.
func (s *Server) view(t *intake.Ticket) map[string]any {
	return map[string]any{"level": s.deadlines.Level(t),
		"id": t.ID, "version": t.Version, "status": t.Status, "mode": t.Mode, "rule": t.Rule,
		"category": t.Category, "channel": t.Channel, "body": t.Body, "due": dueText(t.Due),
		"created_at": t.CreatedAt, "updated_at": t.UpdatedAt, "text": t.Text, "urgent": t.Urgent,
		"subject":   map[string]string{"name": t.SubjectName, "position": t.SubjectPosition, "unit": t.SubjectUnit, "rank": t.SubjectRank},
		"real_name": t.RealName, "related": t.Related, "operator": t.Operator, "analysis": t.Analysis,
		"finding": t.Finding, "disposal": t.Disposal, "measures": t.Measures, "reply": t.Reply, "satisfaction": t.Satisfaction,
	}
}

func dueText(d intake.Date) string {
	if d == (intake.Date{}) {
		return ""
	}
	return d.String()
}

// queueLimit bounds one page of a queue.
const queueLimit = 200

// staffQueue answers one page of a queue, filtered and ordered by urgency, with the
// number of tickets in each status the caller's role can see.
func (s *Server) staffQueue(c echo.Context) error {
	ctx := c.Request().Context()
	a := account(c)
	q, err := readQueueQuery(c, a.Role)
	if err != nil {
		return err
	}
	limit, _ := strconv.ParseInt(c.QueryParam("limit"), 10, 64)
	if limit <= 0 || limit > queueLimit {
		limit = 50
	}
	r, err := s.reachOf(ctx, a)
	if err != nil {
		return err
	}
	ids, err := s.queueIDs(ctx, r, q)
	if err != nil {
		return err
	}
	tickets, err := s.staffTickets.GetMany(ctx, ids)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, t := range tickets {
		if int64(len(out)) == limit {
			break
		}
		if r.seesTicket(t) && q.matches(t, s.deadlines.Level(t)) {
			out = append(out, s.row(t))
		}
	}
	slices.SortStableFunc(out, byUrgency)
	counts, err := s.statusCounts(ctx, a, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tickets": out, "counts": counts, "field": q.field, "value": q.value})
}

// statusCounts counts the tickets per status that the caller's role works on: all of
// them, a handler's bodies' only, none for an operator (who sees the calls they logged).
func (s *Server) statusCounts(ctx context.Context, a *staff.Account, r reach) (map[intake.Status]int, error) {
	switch a.Role {
	case staff.RoleOperator:
		return map[intake.Status]int{}, nil
	case staff.RoleHandler:
		return s.staffTickets.CountByStatus(ctx, r.subtree)
	}
	return s.staffTickets.CountByStatus(ctx, nil)
}

// queueIDs reads a queue's first page. A status queue comes in working order (urgent,
// then by deadline) with the other filters applied inside Redis; a handler's comes from
// its own bodies' indexes, so others' tickets never crowd its own out of the page.
func (s *Server) queueIDs(ctx context.Context, r reach, q queueQuery) ([]string, error) {
	bodies := r.subtree
	if st, ok := q.filters["status"]; ok {
		filter := intake.QueueFilter{}
		for f, v := range q.filters {
			if f != "status" {
				filter[f] = v
			}
		}
		return s.staffTickets.Queue(ctx, intake.Status(st), bodies, filter, queueLimit)
	}
	if bodies != nil {
		return s.staffTickets.FindWithin(ctx, q.field, q.value, bodies, queueLimit)
	}
	return s.staffTickets.Find(ctx, q.field, q.value, queueLimit)
}

// visibleList answers the tickets of ids that the caller may see, at most limit of them.
func (s *Server) visibleList(c echo.Context, ids []string, limit int64) error {
	ctx := c.Request().Context()
	r, err := s.reachOf(ctx, account(c))
	if err != nil {
		return err
	}
	tickets, err := s.staffTickets.GetMany(ctx, ids)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, t := range tickets {
		if int64(len(out)) == limit {
			break
		}
		if r.seesTicket(t) {
			out = append(out, s.row(t))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"tickets": out})
}

func (s *Server) staffTicket(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	audit, err := s.staffTickets.Audit(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	v := s.view(t)
	res := analysisOf(t)
	v["audit"], v["segments"], v["signals"], v["scores"] = audit, highlight(t.Text, res.Evidence), res.Signals, res.Scores
	v["actions"] = intake.Allowed(t.Status, account(c).Role)
	return c.JSON(http.StatusOK, v)
}

// staffMoveIn is a lifecycle move as the console posts it.
type staffMoveIn struct {
	Action       intake.Action `json:"action"`
	Version      int64         `json:"version"`
	Note         string        `json:"note"`
	Reason       string        `json:"reason"`
	Mode         string        `json:"mode"`
	Body         string        `json:"body"`
	Due          string        `json:"due"`
	Finding      string        `json:"finding"`
	Disposal     string        `json:"disposal"`
	Measures     []string      `json:"measures"`
	Held         bool          `json:"held"`
	Clear        bool          `json:"clear"`
	Reply        string        `json:"reply"`
	MainID       string        `json:"main_id"`
	Satisfaction string        `json:"satisfaction"`
}

func (s *Server) staffMove(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	var in staffMoveIn
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	a := account(c)
	m := intake.Move{Action: in.Action, Actor: a.Username, Role: a.Role, Note: in.Note, Reason: in.Reason,
		Mode: in.Mode, Body: in.Body, Finding: in.Finding, Disposal: in.Disposal, Measures: in.Measures,
		Held: in.Held, Clear: in.Clear, Reply: in.Reply, MainID: in.MainID, Satisfaction: in.Satisfaction}
	if in.Due != "" {
		if m.Due, err = intake.ParseDate(in.Due); err != nil {
			return fail(http.StatusBadRequest, "bad_json")
		}
	}
	next, err := s.staffTickets.Apply(c.Request().Context(), t.ID, in.Version, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.view(next))
}

func (s *Server) staffIdentity(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	var in struct{ Reason string }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	a := account(c)
	who, err := s.reveal.RevealIdentity(c.Request().Context(), t.ID, a.Username, a.Role, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, who)
}

// staffCorrect: staff set category and subject as they read them; the ticket becomes a
// labelled example for retraining.
func (s *Server) staffCorrect(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	var in struct {
		Version  int64       `json:"version"`
		Category string      `json:"category"`
		Subject  nlp.Subject `json:"subject"`
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	a := account(c)
	next, err := s.reveal.Correct(c.Request().Context(), t.ID, in.Version, a.Username, a.Role, in.Category, in.Subject)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.view(next))
}

// staffSuggest reads what an operator is typing and suggests category and subject.
func (s *Server) staffSuggest(c echo.Context) error {
	var in struct{ Text string }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	res, err := s.reveal.Analyze(in.Text)
	if err != nil {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Msg: messages["invalid"], Err: err}
	}
	return c.JSON(http.StatusOK, map[string]any{"category": res.Category, "scores": res.Scores, "subject": res.Subject,
		"evidence": res.Evidence, "signals": res.Signals, "mode": res.Mode, "rule": res.Rule})
}

// staffSearch finds tickets by their words, or by number, among those one may see.
func (s *Server) staffSearch(c echo.Context) error {
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("q"))
	var ids []string
	if strings.HasPrefix(strings.ToUpper(q), "QF-") {
		ids = []string{strings.ToUpper(q)}
	} else {
		found, err := s.reveal.Search(ctx, q, queueLimit)
		if err != nil {
			return err
		}
		ids = found
	}
	return s.visibleList(c, ids, queueLimit)
}

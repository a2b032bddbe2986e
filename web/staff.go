package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

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
	ChangePassword(ctx context.Context, token, current, next, client string) (newToken, csrf string, err error)
	Subtree(ctx context.Context, root string) ([]string, error)
	Bodies(ctx context.Context) ([]staff.Body, error)
	LoadBodies(ctx context.Context, data []byte) (int, error)
	Accounts(ctx context.Context) ([]staff.Account, error)
	AddAccount(ctx context.Context, actor, username string, role intake.Role, body, password string) error
	SetRole(ctx context.Context, actor, username string, role intake.Role, body string) error
	ResetPassword(ctx context.Context, actor, username string) (string, error)
	Disable(ctx context.Context, actor, username string) error
	Enable(ctx context.Context, actor, username string) error
	EnableTOTP(ctx context.Context, actor, username string) (string, error)
	DisableTOTP(ctx context.Context, actor, username string) error
	Trail(ctx context.Context) ([]staff.TrailEntry, string, error)
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
	Supplements(ctx context.Context, id string) ([]string, error)
	SupplementsSeen(ctx context.Context, id string, latest time.Time) error
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
	g.POST("/logout", s.staffLogout, s.staffPending(staff.Roles...))
	g.POST("/password", s.staffPassword, s.staffPending(staff.Roles...))
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
	s.handoffRoutes(g)
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
// carry the session's CSRF token. A session opened with a one-time password is refused
// until it has set a password of its own.
func (s *Server) staffOnly(roles ...intake.Role) echo.MiddlewareFunc {
	return s.staffGate(false, roles)
}

// staffPending is staffOnly that also admits a session still to set its password: for
// setting it, and for logging out.
func (s *Server) staffPending(roles ...intake.Role) echo.MiddlewareFunc {
	return s.staffGate(true, roles)
}

func (s *Server) staffGate(pending bool, roles []intake.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ck, err := c.Cookie(staffCookie)
			token := ""
			if err == nil {
				token = ck.Value
			}
			acct, sess, err := s.staff.Session(c.Request().Context(), token)
			switch {
			case errors.Is(err, staff.ErrNoSession):
				return fail(http.StatusUnauthorized, "login_required")
			case err != nil:
				// The store not answering is not "no session": 503 (fromDomain), and the
				// page keeps its cookie and its user, who retries.
				return err
			}
			if c.Request().Method != http.MethodGet && c.Request().Header.Get("X-CSRF-Token") != sess.CSRF {
				return fail(http.StatusForbidden, "csrf")
			}
			if acct.MustChange && !pending {
				return fail(http.StatusForbidden, "must_change")
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

// loginResponse: the CSRF token the pages echo, and whether the password was a one-time
// one that must be replaced before anything else (POST /password).
type loginResponse struct {
	CSRF       string `json:"csrf"`
	MustChange bool   `json:"must_change"`
}

func (s *Server) staffLogin(c echo.Context) error {
	var in struct{ Username, Password, Code string }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	ctx := c.Request().Context()
	token, csrf, err := s.staff.Login(ctx, in.Username, in.Password, in.Code, c.RealIP())
	if err != nil {
		return loginError(err)
	}
	acct, _, err := s.staff.Session(ctx, token)
	if err != nil {
		return loginError(err)
	}
	s.setSessionCookie(c, token)
	return c.JSON(http.StatusOK, loginResponse{CSRF: csrf, MustChange: acct.MustChange})
}

// loginError maps what a login or a password check answers.
func loginError(err error) error {
	switch {
	case errors.Is(err, staff.ErrBadLogin):
		return fail(http.StatusUnauthorized, "bad_login")
	case errors.Is(err, staff.ErrCodeRequired):
		return fail(http.StatusUnauthorized, "code_required")
	case errors.Is(err, staff.ErrThrottled):
		return fail(http.StatusTooManyRequests, "login_throttled")
	case errors.Is(err, staff.ErrDisabled):
		return fail(http.StatusForbidden, "disabled")
	case errors.Is(err, staff.ErrNoSession): // ended as soon as it was opened (disabled meanwhile)
		return fail(http.StatusUnauthorized, "login_required")
	}
	return err
}

func (s *Server) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https" || c.Request().Header.Get("X-Forwarded-Proto") == "https"})
}

// staffPassword sets the logged-in member of staff's own password, giving the current
// one. Every session of the account ends; this browser gets a fresh one.
func (s *Server) staffPassword(c echo.Context) error {
	var in struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	token, csrf, err := s.staff.ChangePassword(c.Request().Context(), c.Get("token").(string), in.Current, in.New, c.RealIP())
	switch {
	case errors.Is(err, staff.ErrBadLogin):
		return fail(http.StatusForbidden, "bad_password")
	case errors.Is(err, staff.ErrInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "weak_password", Msg: messages["weak_password"], Err: err}
	case err != nil:
		return loginError(err)
	}
	s.setSessionCookie(c, token)
	return c.JSON(http.StatusOK, loginResponse{CSRF: csrf})
}

func (s *Server) staffLogout(c echo.Context) error {
	if err := s.staff.Logout(c.Request().Context(), c.Get("token").(string)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

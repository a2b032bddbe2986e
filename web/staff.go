package web

import (
	"context"
	"errors"
	"net/http"
	"slices"

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

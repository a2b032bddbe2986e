package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/staff"
)

// CalendarAdmin keeps the holiday arrangements deadlines are counted with.
type CalendarAdmin interface {
	SaveCalendar(ctx context.Context, data []byte) (int, error)
	CalendarStatus() intake.CalendarStatus
}

// adminRoutes: accounts, bodies and calendar, for the admin only; the admin trail for
// admins and leaders.
func (s *Server) adminRoutes(g *echo.Group) {
	only := s.staffOnly(staff.RoleAdmin)
	g.GET("/accounts", s.adminAccounts, only)
	g.POST("/accounts", s.staffAddAccount, only)
	g.POST("/accounts/:username/totp", s.adminTOTP, only)
	g.POST("/accounts/:username/role", s.adminRole, only)
	g.POST("/accounts/:username/password", s.adminResetPassword, only)
	g.POST("/accounts/:username/disable", s.adminDisable, only)
	g.POST("/accounts/:username/enable", s.adminEnable, only)
	g.GET("/admin/trail", s.adminTrail, s.staffOnly(staff.RoleAdmin, staff.RoleLeader))
	g.PUT("/bodies", s.adminBodies, only)
	g.GET("/calendar", s.adminCalendar, only)
	g.PUT("/calendar", s.adminSaveCalendar, only)
}

// accountView is an account as the administration page lists it: never its secrets.
type accountView struct {
	Username   string      `json:"username"`
	Role       intake.Role `json:"role"`
	Body       string      `json:"body"`
	TOTP       bool        `json:"totp"`
	Disabled   bool        `json:"disabled"`
	MustChange bool        `json:"must_change"`
}

type accountsResponse struct {
	Accounts []accountView `json:"accounts"`
}

func (s *Server) adminAccounts(c echo.Context) error {
	all, err := s.staff.Accounts(c.Request().Context())
	if err != nil {
		return err
	}
	out := accountsResponse{Accounts: make([]accountView, 0, len(all))}
	for _, a := range all {
		out.Accounts = append(out.Accounts, accountView{Username: a.Username, Role: a.Role, Body: a.Body, TOTP: a.TOTP != "",
			Disabled: a.Disabled, MustChange: a.MustChange})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) staffAddAccount(c echo.Context) error {
	var in struct {
		Username, Body, Password string
		Role                     intake.Role
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	if err := s.staff.AddAccount(c.Request().Context(), account(c).Username, in.Username, in.Role, in.Body, in.Password); err != nil {
		return accountError(err)
	}
	return c.NoContent(http.StatusCreated)
}

// adminRole gives an account another role (and, for a handler, its body).
func (s *Server) adminRole(c echo.Context) error {
	var in struct {
		Role intake.Role `json:"role"`
		Body string      `json:"body"`
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	if err := s.staff.SetRole(c.Request().Context(), account(c).Username, c.Param("username"), in.Role, in.Body); err != nil {
		return accountError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// passwordResponse carries a one-time password, shown to the admin once.
type passwordResponse struct {
	Password string `json:"password"`
}

// adminResetPassword ends every session of the account and answers a one-time password
// that must be changed at the next login.
func (s *Server) adminResetPassword(c echo.Context) error {
	password, err := s.staff.ResetPassword(c.Request().Context(), account(c).Username, c.Param("username"))
	if err != nil {
		return accountError(err)
	}
	return c.JSON(http.StatusOK, passwordResponse{Password: password})
}

// adminDisable stops an account from logging in and ends its sessions.
func (s *Server) adminDisable(c echo.Context) error {
	if err := s.staff.Disable(c.Request().Context(), account(c).Username, c.Param("username")); err != nil {
		return accountError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) adminEnable(c echo.Context) error {
	if err := s.staff.Enable(c.Request().Context(), account(c).Username, c.Param("username")); err != nil {
		return accountError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

type totpResponse struct {
	Link string `json:"link"`
}

// adminTOTP turns a member of staff's second factor on (answering the enrolment link,
// shown once) or off.
func (s *Server) adminTOTP(c echo.Context) error {
	var in struct{ On bool }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	ctx, actor, user := c.Request().Context(), account(c).Username, c.Param("username")
	if !in.On {
		if err := s.staff.DisableTOTP(ctx, actor, user); err != nil {
			return accountError(err)
		}
		return c.NoContent(http.StatusNoContent)
	}
	link, err := s.staff.EnableTOTP(ctx, actor, user)
	if err != nil {
		return accountError(err)
	}
	return c.JSON(http.StatusOK, totpResponse{Link: link})
}

// accountError maps the directory's refusals of an account change.
func accountError(err error) error {
	switch {
	case errors.Is(err, staff.ErrNoAccount):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Msg: messages["not_found"], Err: err}
	case errors.Is(err, staff.ErrAccountExists):
		return &apiError{Status: http.StatusConflict, Code: "account_exists", Msg: messages["account_exists"], Err: err}
	case errors.Is(err, staff.ErrInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Msg: messages["invalid"], Err: err}
	}
	return err
}

// adminBodies replaces the tree of bodies from the YAML an admin pastes.
func (s *Server) adminBodies(c echo.Context) error {
	var in struct{ YAML string }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	n, err := s.staff.LoadBodies(c.Request().Context(), []byte(in.YAML))
	if err != nil {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Msg: messages["invalid"], Err: err}
	}
	return c.JSON(http.StatusOK, map[string]int{"bodies": n})
}

func (s *Server) adminCalendar(c echo.Context) error {
	return c.JSON(http.StatusOK, s.calendar.CalendarStatus())
}

// adminSaveCalendar loads a year's holiday arrangement for every instance.
func (s *Server) adminSaveCalendar(c echo.Context) error {
	var in struct{ YAML string }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	year, err := s.calendar.SaveCalendar(c.Request().Context(), []byte(in.YAML))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"year": year, "status": s.calendar.CalendarStatus()})
}

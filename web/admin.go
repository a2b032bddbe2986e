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

// adminRoutes: accounts, bodies and calendar, for the admin only.
func (s *Server) adminRoutes(g *echo.Group) {
	only := s.staffOnly(staff.RoleAdmin)
	g.GET("/accounts", s.adminAccounts, only)
	g.POST("/accounts", s.staffAddAccount, only)
	g.POST("/accounts/:username/totp", s.adminTOTP, only)
	g.PUT("/bodies", s.adminBodies, only)
	g.GET("/calendar", s.adminCalendar, only)
	g.PUT("/calendar", s.adminSaveCalendar, only)
}

// adminAccounts lists accounts without their secrets.
func (s *Server) adminAccounts(c echo.Context) error {
	all, err := s.staff.Accounts(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(all))
	for _, a := range all {
		out = append(out, map[string]any{"username": a.Username, "role": a.Role, "body": a.Body, "totp": a.TOTP != ""})
	}
	return c.JSON(http.StatusOK, map[string]any{"accounts": out})
}

func (s *Server) staffAddAccount(c echo.Context) error {
	var in struct {
		Username, Body, Password string
		Role                     intake.Role
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	if err := s.staff.AddAccount(c.Request().Context(), in.Username, in.Role, in.Body, in.Password); err != nil {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Msg: messages["invalid"], Err: err}
	}
	return c.NoContent(http.StatusCreated)
}

// adminTOTP turns a member of staff's second factor on (answering the enrolment link,
// shown once) or off.
func (s *Server) adminTOTP(c echo.Context) error {
	var in struct{ On bool }
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	ctx, user := c.Request().Context(), c.Param("username")
	if !in.On {
		if err := s.staff.DisableTOTP(ctx, user); err != nil {
			return notFoundIfNoAccount(err)
		}
		return c.NoContent(http.StatusNoContent)
	}
	link, err := s.staff.EnableTOTP(ctx, user)
	if err != nil {
		return notFoundIfNoAccount(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"link": link})
}

func notFoundIfNoAccount(err error) error {
	if errors.Is(err, staff.ErrBadLogin) {
		e := fail(http.StatusNotFound, "not_found")
		e.Err = err
		return e
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

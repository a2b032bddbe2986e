package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"qingfeng/bot"
)

// ticketStatus answers GET /api/v1/tickets/:number with the X-Query-Code header.
func (s *Server) ticketStatus(c echo.Context) error {
	number := c.Param("number")
	ctx := c.Request().Context()
	// Guessing is limited per client and per number, whether the guess is right or not.
	minute := s.cfg.Now().Unix() / 60
	for _, lim := range []struct {
		key   string
		limit int64
	}{{s.key("rl", "ip", c.RealIP(), strconv.FormatInt(minute, 10)), s.cfg.StatusPerIP}, {s.key("rl", "num", number, strconv.FormatInt(minute, 10)), s.cfg.StatusPerNumber}} {
		n, err := s.rdb.Incr(ctx, lim.key).Result()
		if err != nil {
			return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: messages["unavailable"], Err: err}
		}
		if n == 1 {
			s.rdb.Expire(ctx, lim.key, 2*time.Minute)
		}
		if n > lim.limit {
			return fail(http.StatusTooManyRequests, "rate_limited")
		}
	}
	st, err := s.tickets.Status(ctx, number, c.Request().Header.Get("X-Query-Code"))
	if err != nil {
		return err
	}
	replies := st.Replies
	if replies == nil {
		replies = []string{}
	}
	return c.JSON(http.StatusOK, map[string]any{
		"number": st.Number, "status": st.Status, "status_name": bot.StatusName(string(st.Status)),
		"updated_at": st.UpdatedAt.UTC().Format(time.RFC3339), "replies": replies,
	})
}

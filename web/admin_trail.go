package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"qingfeng/staff"
)

// trailLimit is how many of the newest trail entries the page shows unless it asks.
const (
	trailLimit    = 200
	maxTrailLimit = 1000
)

// trailResponse is the admin trail as the administration page shows it: the newest
// entries first, how many there are in all, and whether the chain holds.
type trailResponse struct {
	Entries []staff.TrailEntry `json:"entries"`
	Total   int                `json:"total"`
	Intact  bool               `json:"intact"`
	// BrokenAt is the position (from 1) of the first entry that does not hold; one past
	// the last when entries are missing at the end.
	BrokenAt int `json:"broken_at,omitempty"`
}

// adminTrail: who changed which account, how and when, checked against its hash chain
// on every read (the trail is small: one entry per account change).
func (s *Server) adminTrail(c echo.Context) error {
	limit := trailLimit
	if q := c.QueryParam("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > maxTrailLimit {
			return fail(http.StatusBadRequest, "bad_filter")
		}
		limit = n
	}
	entries, head, err := s.staff.Trail(c.Request().Context())
	if err != nil {
		return err
	}
	out := trailResponse{Total: len(entries), Intact: true}
	if bad, err := staff.VerifyTrailChain(entries, head); err != nil {
		out.Intact, out.BrokenAt = false, bad+1
		s.log.Error("admin trail does not hold", "entry", bad+1, "err", err)
	}
	out.Entries = make([]staff.TrailEntry, 0, min(limit, len(entries)))
	for i := len(entries) - 1; i >= 0 && len(out.Entries) < limit; i-- {
		out.Entries = append(out.Entries, entries[i])
	}
	return c.JSON(http.StatusOK, out)
}

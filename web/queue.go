package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/staff"
)

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
	out, err := s.rows(ctx, r, ids, limit, func(t *intake.Ticket) bool { return q.matches(t, s.deadlines.Level(t)) })
	if err != nil {
		return err
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
	a := account(c)
	r, err := s.reachOf(ctx, a)
	if err != nil {
		return err
	}
	out, err := s.rows(ctx, r, ids, limit, func(*intake.Ticket) bool { return true })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tickets": out})
}

// rows reads the tickets of ids in one round trip and lists, in that order, at most
// limit of those within reach that keep accepts.
func (s *Server) rows(ctx context.Context, r reach, ids []string, limit int64, keep func(*intake.Ticket) bool) ([]map[string]any, error) {
	tickets, err := s.staffTickets.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, t := range tickets {
		if int64(len(out)) == limit {
			break
		}
		if r.seesTicket(t) && keep(t) {
			out = append(out, s.row(t))
		}
	}
	return out, nil
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

// queueFields are the filters a queue may be read by, the first given choosing the index.
var queueFields = []string{"status", "category", "mode", "channel", "body", "urgent"}

// defaultQueue is where each role starts.
var defaultQueue = map[intake.Role][2]string{
	staff.RoleIntake: {"status", "received"}, staff.RoleHandler: {"status", "in_progress"},
	staff.RoleLeader: {"status", "reported"}, staff.RoleOperator: {"channel", "hotline"},
}

// queueQuery is what a queue request asks for.
type queueQuery struct {
	field, value string
	filters      map[string]string
	level        intake.Level
}

func readQueueQuery(c echo.Context, role intake.Role) (queueQuery, error) {
	q := queueQuery{filters: map[string]string{}, level: intake.Level(c.QueryParam("level"))}
	if f := c.QueryParam("field"); f != "" {
		if !slices.Contains(queueFields, f) {
			return q, fail(http.StatusBadRequest, "bad_filter")
		}
		q.filters[f] = c.QueryParam("value")
	}
	for _, f := range queueFields {
		if v := c.QueryParam(f); v != "" {
			q.filters[f] = v
		}
	}
	if !slices.Contains([]intake.Level{"", intake.LevelYellow, intake.LevelOrange, intake.LevelRed}, q.level) {
		return q, fail(http.StatusBadRequest, "bad_filter")
	}
	for _, f := range queueFields {
		if v, ok := q.filters[f]; ok {
			q.field, q.value = f, v
			return q, nil
		}
	}
	d := defaultQueue[role]
	q.field, q.value = d[0], d[1]
	q.filters[q.field] = q.value
	return q, nil
}

// matches checks the filters other than the index the queue was read from.
func (q queueQuery) matches(t *intake.Ticket, level intake.Level) bool {
	got := map[string]string{"status": string(t.Status), "category": t.Category, "mode": t.Mode, "channel": t.Channel,
		"body": t.Body, "urgent": map[bool]string{true: "yes"}[t.Urgent]}
	for f, v := range q.filters {
		if got[f] != v {
			return false
		}
	}
	return q.level == "" || q.level == level
}

var levelRank = map[intake.Level]int{intake.LevelRed: 3, intake.LevelOrange: 2, intake.LevelYellow: 1}

// byUrgency orders a page of a queue: danger first, then the deadline level; otherwise
// the store's working order stands (the sort is stable).
func byUrgency(a, b map[string]any) int {
	if c := cmp.Compare(boolRank(b["urgent"].(bool)), boolRank(a["urgent"].(bool))); c != 0 {
		return c
	}
	return cmp.Compare(levelRank[b["level"].(intake.Level)], levelRank[a["level"].(intake.Level)])
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// summaryRunes is how much of a complaint a list row carries.
const summaryRunes = 120

// row is a ticket as a list shows it: the view without the analysis, the text cut short
// (after masking, so a cut never leaves part of a number unmasked).
func (s *Server) row(t *intake.Ticket) map[string]any {
	v := s.view(t)
	delete(v, "analysis")
	if r := []rune(v["text"].(string)); len(r) > summaryRunes {
		v["text"] = string(r[:summaryRunes]) + "…"
	}
	return v
}

package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/nlp"
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

// staffVocab gives the console its choices: categories, statuses, modes, bodies, the
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
	return c.JSON(http.StatusOK, map[string]any{"categories": s.categories, "ranks": s.ranks, "statuses": statusNames, "order": intake.Statuses,
		"modes": modeNames, "channels": channelNames, "bodies": bodies, "outcomes": s.outcomes, "default_due": due})
}

// statusNames are the statuses as staff read them (finer than the public's names).
var statusNames = map[intake.Status]string{
	intake.StatusReceived: "待受理", intake.StatusAccepted: "已受理", intake.StatusRouted: "已分办",
	intake.StatusInProgress: "办理中", intake.StatusReported: "已报结待审核", intake.StatusReturned: "退回重办",
	intake.StatusConcluded: "已办结", intake.StatusReplied: "已答复", intake.StatusReopened: "重新办理",
	intake.StatusRejected: "不予受理", intake.StatusMerged: "已并案", intake.StatusClosed: "已归档",
}

var (
	modeNames    = map[string]string{"direct": "直办", "assigned": "交办", "transferred": "转办", "supervised": "督办"}
	channelNames = map[string]string{"web": "网页", "sms": "短信", "hotline": "热线"}
)

// queueFields are the filters a queue may be read by, the first given choosing the index.
var queueFields = []string{"status", "category", "mode", "channel", "body", "urgent"}

// defaultQueue is where each role starts.
var defaultQueue = map[intake.Role][2]string{
	staff.RoleIntake: {"status", "received"}, staff.RoleHandler: {"status", "routed"},
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

// segment is a piece of a complaint's text, marked with the category it is evidence of.
type segment struct {
	Text     string `json:"text"`
	Category string `json:"category,omitempty"`
}

// highlight cuts text at the classifier's evidence (byte ranges of the original text)
// so the page can mark it without parsing HTML; overlapping or broken ranges are skipped.
func highlight(text string, evidence []nlp.Evidence) []segment {
	ev := slices.Clone(evidence)
	slices.SortFunc(ev, func(a, b nlp.Evidence) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.End, a.End)) })
	var out []segment
	at := 0
	for _, e := range ev {
		if e.Start < at || e.End <= e.Start || e.End > len(text) || !utf8.RuneStart(text[e.Start]) ||
			(e.End < len(text) && !utf8.RuneStart(text[e.End])) {
			continue
		}
		if e.Start > at {
			out = append(out, segment{Text: text[at:e.Start]})
		}
		out = append(out, segment{Text: text[e.Start:e.End], Category: e.Category})
		at = e.End
	}
	if at < len(text) {
		out = append(out, segment{Text: text[at:]})
	}
	return out
}

// analysisOf reads the classifier's result kept with the ticket.
func analysisOf(t *intake.Ticket) nlp.Result {
	var r nlp.Result
	_ = json.Unmarshal([]byte(t.Analysis), &r) // an old or empty analysis shows no evidence
	return r
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

// summaryRunes is how much of a complaint a list row carries.
const summaryRunes = 120

// row is a ticket as a list shows it: the view without the analysis, the text cut short.
func (s *Server) row(t *intake.Ticket) map[string]any {
	v := s.view(t)
	delete(v, "analysis")
	if r := []rune(t.Text); len(r) > summaryRunes {
		v["text"] = string(r[:summaryRunes]) + "…"
	}
	return v
}

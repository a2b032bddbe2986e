package web

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"qingfeng/intake"
	"qingfeng/nlp"
)

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

// view is a ticket as staff see it: never the reporter's identity or contact, and the
// phone, ID and card numbers typed into the text masked (Ticket.Masked); the intake
// office and leaders see them through the recorded identity view.
func (s *Server) view(t *intake.Ticket) map[string]any {
	t = t.Masked()
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

func (s *Server) staffTicket(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	audit, err := s.staffTickets.Audit(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	role := account(c).Role
	v := s.view(t)
	shown := t.Masked()
	res := analysisOf(shown)
	v["audit"], v["segments"], v["signals"], v["scores"] = audit, highlight(shown.Text, res.Evidence), res.Signals, res.Scores
	v["scope"] = res.Scope
	v["actions"] = intake.Allowed(t.Status, account(c).Role)
	if v["supplements"], err = s.supplements(c.Request().Context(), t, audit, role); err != nil {
		return err
	}
	if v["dead_notices"], err = s.deadNotices(c.Request().Context(), t.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// supplement is what the reporter added later (补充), as staff read it.
type supplement struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// supplements reads the reporter's additions, oldest first, each with the time of its
// history entry (written with it, so the n-th addition is the n-th such entry), masked
// as the ticket's text is. A member of staff who works the ticket where it
// stands has now seen them: it drops back to its place in the queue.
func (s *Server) supplements(ctx context.Context, t *intake.Ticket, audit []intake.AuditEntry, role intake.Role) ([]supplement, error) {
	texts, err := s.staffTickets.Supplements(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	var times []time.Time
	for _, e := range audit {
		if e.Action == intake.ActSupplement {
			times = append(times, e.At)
		}
	}
	out := make([]supplement, len(texts))
	for i, text := range texts {
		out[i].Text = intake.MaskIdentifiers(text)
		if i < len(times) {
			out[i].At = times[i]
		}
	}
	if n := len(out); n > 0 && len(intake.Allowed(t.Status, role)) > 0 {
		if err := s.staffTickets.SupplementsSeen(ctx, t.ID, out[n-1].At); err != nil {
			return nil, err
		}
	}
	return out, nil
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

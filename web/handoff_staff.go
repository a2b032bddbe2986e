package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/nlp"
	"qingfeng/staff"
)

// The staff side of a handoff: the intake office's live queue, and the conversation a
// member of it has taken.

// handoffRoutes adds the live queue to the staff API, for the intake office, and its page.
func (s *Server) handoffRoutes(g *echo.Group) {
	s.echo.GET("/staff/live", s.page("staff/live.html"))
	intakeOnly := s.staffOnly(staff.RoleIntake)
	g.GET("/handoffs", s.staffHandoffs, intakeOnly)
	g.GET("/handoffs/:id", s.staffHandoff, intakeOnly)
	g.POST("/handoffs/:id/take", s.staffTakeHandoff, intakeOnly)
	g.POST("/handoffs/:id/messages", s.staffHandoffMessage, intakeOnly)
	g.POST("/handoffs/:id/release", s.staffReleaseHandoff, intakeOnly)
	g.POST("/handoffs/:id/file", s.staffFileHandoff, intakeOnly)
}

// handoffError maps the moves' refusals: a handoff that has ended (or never was) and one
// held by someone else are both conflicts with what the console last showed.
func handoffError(err error) error {
	switch {
	case errors.Is(err, errHandoffGone):
		return &apiError{Status: http.StatusConflict, Code: "handoff_gone", Msg: messages["handoff_gone"], Err: err}
	case errors.Is(err, errHandoffNotYou):
		return &apiError{Status: http.StatusConflict, Code: "handoff_not_yours", Msg: messages["handoff_not_yours"], Err: err}
	}
	return err
}

// handoffList is the live queue.
type handoffList struct {
	Handoffs []*handoff `json:"handoffs"`
}

func (s *Server) staffHandoffs(c echo.Context) error {
	list, err := s.openHandoffs(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, handoffList{Handoffs: list})
}

// handoffView is one conversation as its member of staff reads it: what the bot had
// gathered, and what was said (after the line the console has, ?after=).
type handoffView struct {
	handoff
	Draft *bot.Draft    `json:"draft"`
	Lines []handoffLine `json:"lines"`
}

func (s *Server) staffHandoff(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.handoffRecord(ctx, c.Param("id"))
	if err != nil {
		return handoffError(err)
	}
	var after int64
	if v := c.QueryParam("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return fail(http.StatusBadRequest, "bad_filter")
		}
	}
	return s.writeHandoff(c, h, after)
}

func (s *Server) writeHandoff(c echo.Context, h *handoff, after int64) error {
	ctx := c.Request().Context()
	draft, err := s.dialogue.Draft(ctx, h.Channel, h.conv)
	if err != nil {
		return err
	}
	lines, err := s.handoffLines(ctx, h.ID, after)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, handoffView{handoff: *h, Draft: draft, Lines: lines})
}

// staffTakeHandoff gives the conversation to the member of staff, if nobody has it, and
// tells the citizen a person is there.
func (s *Server) staffTakeHandoff(c echo.Context) error {
	ctx := c.Request().Context()
	who := account(c).Username
	h, err := s.handoffRecord(ctx, c.Param("id"))
	if err != nil {
		return handoffError(err)
	}
	if err := s.takeHandoff(ctx, h.ID, who); err != nil {
		return handoffError(err)
	}
	if h.State == handoffWaiting {
		s.staffSays(ctx, h, who, messages["handoff_taken"])
	}
	if h, err = s.handoffRecord(ctx, h.ID); err != nil {
		return handoffError(err)
	}
	return s.writeHandoff(c, h, 0)
}

// maxStaffMessage bounds one message of staff, as the bot bounds the citizen's.
const maxStaffMessage = bot.MaxMessageRunes

// handoffSent is what a member of staff's message became: its line, and whether it has
// reached the citizen's channel (an SMS goes with the reply to their next message).
type handoffSent struct {
	Seq       int64 `json:"seq"`
	Delivered bool  `json:"delivered"`
}

func (s *Server) staffHandoffMessage(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.handoffRecord(ctx, c.Param("id"))
	if err != nil {
		return handoffError(err)
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	text := strings.TrimSpace(in.Text)
	if text == "" || utf8.RuneCountInString(text) > maxStaffMessage {
		return fail(http.StatusUnprocessableEntity, "handoff_text", maxStaffMessage)
	}
	who := account(c).Username
	seq, err := s.addHandoffLines(ctx, h, who, []handoffLine{{From: saidByStaff, By: who, Text: text, At: s.stamp()}})
	if err != nil {
		return handoffError(err)
	}
	err = s.toCitizen(ctx, h, saidByStaff, []bot.Message{{Text: fmt.Sprintf(messages["handoff_staff_says"], text)}}, "", "")
	if err != nil {
		// Kept in the conversation all the same: the member of staff is told it did not
		// go out (a WeChat citizen silent for 48 h can no longer be written to).
		s.log.Warn("staff message not delivered", "channel", h.Channel, "err", err)
		return &apiError{Status: http.StatusBadGateway, Code: "handoff_undelivered", Msg: messages["handoff_undelivered"], Err: err}
	}
	return c.JSON(http.StatusOK, handoffSent{Seq: seq, Delivered: h.Channel != "sms"})
}

// staffSays tells the citizen something on the member of staff's behalf and keeps it in
// the conversation; a failure is logged, as the move it comes with has been made.
func (s *Server) staffSays(ctx context.Context, h *handoff, who, text string) {
	if _, err := s.addHandoffLines(ctx, h, who, []handoffLine{{From: saidByStaff, By: who, Text: text, At: s.stamp()}}); err != nil {
		s.log.Warn("handoff line not kept", "err", err)
	}
	if err := s.toCitizen(ctx, h, saidByStaff, []bot.Message{{Text: text}}, "", ""); err != nil {
		s.log.Warn("handoff notice not delivered", "channel", h.Channel, "err", err)
	}
}

// staffReleaseHandoff hands the conversation back to the bot, which asks the citizen
// its question again.
func (s *Server) staffReleaseHandoff(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.handoffRecord(ctx, c.Param("id"))
	if err != nil {
		return handoffError(err)
	}
	if err := s.closeHandoff(ctx, h, account(c).Username); err != nil {
		return handoffError(err)
	}
	again, err := s.dialogue.Resume(ctx, h.Channel, h.conv)
	if err != nil {
		s.log.Warn("bot question not read for a handed-back conversation", "err", err)
	}
	msgs := append([]bot.Message{{Text: messages["handoff_released"]}}, again...)
	if err := s.toCitizen(ctx, h, saidByBot, msgs, "", ""); err != nil {
		s.log.Warn("hand-back not delivered", "channel", h.Channel, "err", err)
	}
	return c.NoContent(http.StatusNoContent)
}

// handoffFileIn is the report a member of staff files from a conversation.
type handoffFileIn struct {
	Anonymous bool   `json:"anonymous"`
	Name      string `json:"name"`
	Phone     string `json:"phone"` // over SMS, empty for the number the citizen writes from
	Summary   string `json:"summary"`
}

// handoffFiled is the ticket a conversation became.
type handoffFiled struct {
	Ticket string `json:"ticket"`
}

// staffFileHandoff files the conversation's report: its text is the conversation (the
// citizen's turns as 市民, the bot's and staff's as 客服 and 工作人员, so the reading
// takes the citizen's words only), after the member of staff's summary; lines that
// answered identity questions are left out, the identity going where a report's does.
// The ticket keeps it sealed like any complaint's text. The citizen is told the number
// and query code, and the conversation ends.
func (s *Server) staffFileHandoff(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.handoffRecord(ctx, c.Param("id"))
	if err != nil {
		return handoffError(err)
	}
	a := account(c)
	if h.State != handoffTaken || h.Taker != a.Username {
		return handoffError(errHandoffNotYou)
	}
	var in handoffFileIn
	if err := c.Bind(&in); err != nil {
		return fail(http.StatusBadRequest, "bad_json")
	}
	draft, err := s.dialogue.Draft(ctx, h.Channel, h.conv)
	if err != nil {
		return err
	}
	lines, err := s.handoffLines(ctx, h.ID, 0)
	if err != nil {
		return err
	}
	r := intake.Report{Channel: h.Channel, SenderID: "handoff-" + h.ID, Text: handoffText(in.Summary, draft, h.Channel, lines),
		Anonymous: in.Anonymous, Subject: nlp.Subject{Unit: draft.Unit}, Urgent: h.Urgent || draft.Urgent,
		Actor: a.Username, Role: a.Role}
	if !in.Anonymous {
		r.Name, r.Phone = strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone)
		if r.Phone == "" && h.contact != "" { // the number the SMS came from, which staff never see
			phone, err := s.cfg.Keys.Open(h.contact, s.handoffKey(h.ID))
			if err != nil {
				return fmt.Errorf("handoff contact: %w", err)
			}
			r.Phone = string(phone)
		}
	}
	rc, err := s.tickets.Submit(ctx, r)
	if err != nil {
		return err
	}
	if rc.Created {
		s.metrics.ticketCreated(h.Channel)
	}
	if err := s.closeHandoff(ctx, h, a.Username); err != nil {
		return handoffError(err)
	}
	done, err := s.dialogue.Filed(ctx, h.Channel, h.conv, rc.Ticket.ID, rc.QueryCode)
	if err != nil {
		// The ticket stands; the citizen still gets its number and code, and the bot
		// finds the conversation where it was.
		s.log.Warn("bot session not told of a filed report", "err", err)
		done = bot.Message{Text: fmt.Sprintf(messages["handoff_filed"], rc.Ticket.ID, rc.QueryCode)}
	}
	if err := s.toCitizen(ctx, h, saidByStaff, []bot.Message{done}, rc.Ticket.ID, rc.QueryCode); err != nil {
		s.log.Warn("filed report's receipt not delivered", "channel", h.Channel, "err", err)
	}
	return c.JSON(http.StatusOK, handoffFiled{Ticket: rc.Ticket.ID})
}

// speakerLabels are the turn marks nlp reads (nlp/speakers.go): the citizen's turns are
// what is read, the bot's questions and staff's words are not.
var speakerLabels = map[string]string{saidByCitizen: "市民：", saidByBot: "客服：", saidByStaff: "工作人员："}

// handoffText writes a conversation out as a complaint's text. Over SMS and WeChat the
// conversation before the handoff is not kept: the account the bot gathered stands for
// it, as the citizen's turn.
func handoffText(summary string, draft *bot.Draft, channel string, lines []handoffLine) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(summary))
	turn := func(from, text string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(speakerLabels[from])
		b.WriteString(text)
	}
	if channel != "web" && draft.Description != "" {
		turn(saidByCitizen, draft.Description)
	}
	for _, l := range lines {
		if !l.private {
			turn(l.From, l.Text)
		}
	}
	return b.String()
}

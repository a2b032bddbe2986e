package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"qingfeng/bot"
	"qingfeng/intake"
)

// SMSMessage is the SMS gateway's webhook body.
type SMSMessage struct {
	MessageID  string `json:"message_id"`
	From       string `json:"from"`
	To         string `json:"to"`
	Text       string `json:"text"`
	ReceivedAt string `json:"received_at"`
}

// CallEvent is the phone system's webhook body.
type CallEvent struct {
	CallID       string     `json:"call_id"`
	Event        string     `json:"event"` // ringing, answered, hangup
	Caller       string     `json:"caller"`
	Operator     string     `json:"operator"`
	At           string     `json:"at"`
	Transcript   string     `json:"transcript"`
	Notes        string     `json:"notes"`
	Turns        []CallTurn `json:"turns"` // speaker turns, when the phone system marks them
	RecordingURL string     `json:"recording_url"`
}

// CallTurn is one turn of a call as the phone system's speech recognition heard it.
type CallTurn struct {
	Speaker string `json:"speaker"` // operator or caller
	Text    string `json:"text"`
}

// turnLabels are the speaker marks nlp reads in transcripts, so that only the caller's
// words set the subject and signals.
var turnLabels = map[string]string{"operator": "接线员：", "caller": "来电人："}

// transcript is the call's words: the transcript as sent, or its turns written out.
func (e *CallEvent) transcript() string {
	if len(e.Turns) == 0 {
		return e.Transcript
	}
	var b strings.Builder
	b.WriteString(e.Transcript)
	for _, t := range e.Turns {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(turnLabels[t.Speaker])
		b.WriteString(strings.TrimSpace(t.Text))
	}
	return b.String()
}

// signedBody reads the body and checks its signature and freshness. It sets nothing in
// Redis: a delivery is known by its message or call id (see once), so an identical
// resend gets the first answer instead of a refusal.
func (s *Server) signedBody(c echo.Context) ([]byte, *apiError) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fail(http.StatusRequestEntityTooLarge, "too_large")
		}
		return nil, fail(http.StatusBadRequest, "bad_json")
	}
	h := c.Request().Header
	if ae := verifySignature(s.cfg.WebhookSecret, h.Get("X-Qingfeng-Timestamp"), h.Get("X-Qingfeng-Signature"), body, s.cfg.Now()); ae != nil {
		return nil, ae
	}
	return body, nil
}

// decode parses a webhook body strictly: unknown fields are allowed (gateways add
// some), but the JSON must be one object of valid UTF-8. The bytes are checked before
// decoding, which would quietly turn bad ones into U+FFFD.
func decode(body []byte, into any) *apiError {
	if !utf8.Valid(body) {
		return fail(http.StatusBadRequest, "bad_encoding")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(into); err != nil || dec.More() {
		return fail(http.StatusBadRequest, "bad_json")
	}
	return nil
}

// ParseSMS decodes and checks an SMS webhook body.
func ParseSMS(body []byte) (*SMSMessage, *apiError) {
	var m SMSMessage
	if ae := decode(body, &m); ae != nil {
		return nil, ae
	}
	for _, f := range []struct{ name, v string }{{"message_id", m.MessageID}, {"from", m.From}, {"text", m.Text}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, fail(http.StatusBadRequest, "missing_field", f.name)
		}
	}
	if len(m.MessageID) > 200 || len(m.From) > 40 {
		return nil, fail(http.StatusBadRequest, "bad_json")
	}
	return &m, nil
}

// ParseCall decodes and checks a hotline webhook body.
func ParseCall(body []byte) (*CallEvent, *apiError) {
	var e CallEvent
	if ae := decode(body, &e); ae != nil {
		return nil, ae
	}
	if strings.TrimSpace(e.CallID) == "" {
		return nil, fail(http.StatusBadRequest, "missing_field", "call_id")
	}
	if len(e.CallID) > 200 || len(e.Caller) > 40 || len(e.Operator) > 100 {
		return nil, fail(http.StatusBadRequest, "bad_json")
	}
	switch e.Event {
	case "ringing", "answered", "hangup":
	default:
		return nil, fail(http.StatusBadRequest, "unknown_event")
	}
	for _, t := range e.Turns {
		if turnLabels[t.Speaker] == "" {
			return nil, fail(http.StatusBadRequest, "bad_turn")
		}
	}
	return &e, nil
}

func (s *Server) smsWebhook(c echo.Context) error {
	body, ae := s.signedBody(c)
	if ae != nil {
		return ae
	}
	m, ae := ParseSMS(body)
	if ae != nil {
		return ae
	}
	ans, err := s.answerSMS(c.Request().Context(), m.MessageID, m.From, m.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ans)
}

// smsAnswer is what an SMS gets back: the whole reply and its segments of at most 70
// characters.
type smsAnswer struct {
	Reply    string   `json:"reply"`
	Segments []string `json:"segments"`
}

// answerSMS runs the dialogue once per message id; retries get the stored answer.
func (s *Server) answerSMS(ctx context.Context, messageID, from, text string) (*smsAnswer, error) {
	return once(ctx, s, "sms", messageID, func(ctx context.Context) (*smsAnswer, error) {
		// The number keys the conversation only as a keyed hash; in clear it comes with each
		// message, so the dialogue does not ask for it and the session does not keep it.
		conv := s.tickets.LookupHash("sms-session", from)
		held, err := s.citizenToStaff(ctx, "sms", conv, text)
		if err != nil {
			return nil, err
		}
		var texts []string
		if !held { // while a person has the conversation the bot stays quiet
			reply, err := s.dialogue.HandleFrom(ctx, "sms", conv, bot.Sender{Phone: from}, text)
			if err != nil {
				return nil, err
			}
			if reply.Handoff {
				if err := s.askedForPerson(ctx, "sms", conv, from, text, reply); err != nil {
					return nil, err
				}
			}
			for _, msg := range reply.Messages {
				texts = append(texts, msg.Text)
			}
			if reply.Ticket != "" {
				s.metrics.ticketCreated("sms")
			}
		}
		// What staff wrote since the citizen's last message goes out with this reply.
		staffSaid, err := s.drainSMS(ctx, conv)
		if err != nil {
			return nil, err
		}
		full := strings.Join(append(staffSaid, texts...), "\n")
		return &smsAnswer{Reply: full, Segments: SplitSMS(full, 70)}, nil
	})
}

// hangupAnswer is what a hangup gets back: the call's ticket and its query code, or no
// ticket when the call left nothing to file.
type hangupAnswer struct {
	CallID    string  `json:"call_id"`
	Ticket    *string `json:"ticket"`
	QueryCode string  `json:"query_code,omitempty"`
}

func (s *Server) hotlineWebhook(c echo.Context) error {
	body, ae := s.signedBody(c)
	if ae != nil {
		return ae
	}
	e, ae := ParseCall(body)
	if ae != nil {
		return ae
	}
	ctx := c.Request().Context()
	switch e.Event {
	case "ringing":
		history := []intake.CallerTicket{}
		if e.Caller != "" {
			h, err := s.tickets.CallerHistory(ctx, e.Caller, 20)
			if err != nil {
				return err
			}
			history = h
		}
		s.announceRinging(ctx, e, history)
		return c.JSON(http.StatusOK, map[string]any{"call_id": e.CallID, "history": history})
	case "answered":
		return c.JSON(http.StatusOK, map[string]any{"call_id": e.CallID, "ok": true})
	}
	text := strings.TrimSpace(strings.TrimSpace(e.transcript()) + "\n" + strings.TrimSpace(e.Notes))
	if text == "" {
		return c.JSON(http.StatusOK, hangupAnswer{CallID: e.CallID})
	}
	ans, err := once(ctx, s, "call", e.CallID, func(ctx context.Context) (*hangupAnswer, error) { return s.fileCall(ctx, e, text) })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ans)
}

// fileCall makes the ticket of a call that ended.
func (s *Server) fileCall(ctx context.Context, e *CallEvent, text string) (*hangupAnswer, error) {
	r := intake.Report{Channel: "hotline", SenderID: e.CallID, Text: text, Phone: e.Caller, Anonymous: e.Caller == "",
		Operator: e.Operator, Actor: e.Operator, Role: intake.RoleOperator}
	if r.Actor == "" {
		r.Actor, r.Role = "hotline", intake.RoleSystem
	}
	if e.RecordingURL != "" {
		r.Attachments = []string{e.RecordingURL}
	}
	rc, err := s.tickets.Submit(ctx, r)
	if err != nil {
		return nil, err
	}
	if rc.Created {
		s.metrics.ticketCreated("hotline")
	}
	return &hangupAnswer{CallID: e.CallID, Ticket: &rc.Ticket.ID, QueryCode: rc.QueryCode}, nil
}

// SplitSMS cuts a reply into segments of at most n characters, at a sentence or clause
// end when one is near, so no segment stops mid-word.
func SplitSMS(text string, n int) []string {
	var out []string
	r := []rune(text)
	for len(r) > 0 {
		if len(r) <= n {
			out = append(out, string(r))
			break
		}
		cut := n
		for i := n; i > n/2; i-- {
			if strings.ContainsRune("。！？；，\n、：", r[i-1]) {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimSpace(string(r[:cut])))
		r = []rune(strings.TrimLeft(string(r[cut:]), "\n "))
	}
	return out
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

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

// signedBody reads the body and checks signature, freshness and replay. A replayed
// request (the very same signature) is refused; a sender's retry signs anew.
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
	sig := h.Get("X-Qingfeng-Signature")
	if ae := verifySignature(s.cfg.WebhookSecret, h.Get("X-Qingfeng-Timestamp"), sig, body, s.cfg.Now()); ae != nil {
		return nil, ae
	}
	fresh, err := s.rdb.SetNX(c.Request().Context(), s.key("nonce", sig), 1, 2*maxSkew).Result()
	if err != nil {
		return nil, &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: messages["unavailable"], Err: err}
	}
	if !fresh {
		return nil, fail(http.StatusConflict, "replay")
	}
	return body, nil
}

// decode parses a webhook body strictly: unknown fields are allowed (gateways add
// some), but the JSON must be one object.
func decode(body []byte, into any) *apiError {
	dec := json.NewDecoder(strings.NewReader(string(body)))
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
	if len(m.MessageID) > 200 || len(m.From) > 40 || !utf8.ValidString(m.Text) {
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
	if len(e.CallID) > 200 || len(e.Caller) > 40 || len(e.Operator) > 100 || !utf8.ValidString(e.Transcript+e.Notes) {
		return nil, fail(http.StatusBadRequest, "bad_json")
	}
	switch e.Event {
	case "ringing", "answered", "hangup":
	default:
		return nil, fail(http.StatusBadRequest, "unknown_event")
	}
	for _, t := range e.Turns {
		if turnLabels[t.Speaker] == "" || !utf8.ValidString(t.Text) {
			return nil, fail(http.StatusBadRequest, "bad_turn")
		}
	}
	return &e, nil
}

// smsReplyTTL keeps a message's answer for the sender's retries.
const smsReplyTTL = 24 * time.Hour

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
	cache := s.key("sms", messageID)
	claimed, err := s.rdb.SetNX(ctx, cache, "pending", time.Minute).Result()
	if err != nil {
		return nil, &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: messages["unavailable"], Err: err}
	}
	if !claimed {
		prev, err := s.rdb.Get(ctx, cache).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: messages["unavailable"], Err: err}
		}
		var ans smsAnswer
		if prev == "pending" || prev == "" || json.Unmarshal([]byte(prev), &ans) != nil {
			return nil, fail(http.StatusConflict, "in_progress")
		}
		return &ans, nil
	}
	reply, err := s.dialogue.Handle(ctx, "sms", s.tickets.LookupHash("sms-session", from), text)
	if err != nil {
		s.rdb.Del(context.WithoutCancel(ctx), cache) // let the retry run it
		return nil, err
	}
	var texts []string
	for _, msg := range reply.Messages {
		texts = append(texts, msg.Text)
	}
	full := strings.Join(texts, "\n")
	if reply.Ticket != "" {
		s.metrics.ticketCreated("sms")
	}
	ans := &smsAnswer{Reply: full, Segments: SplitSMS(full, 70)}
	out, err := json.Marshal(ans)
	if err != nil {
		return nil, err
	}
	s.rdb.Set(context.WithoutCancel(ctx), cache, out, smsReplyTTL)
	return ans, nil
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
		return c.JSON(http.StatusOK, map[string]any{"call_id": e.CallID, "ticket": nil})
	}
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
		return err
	}
	if rc.Created {
		s.metrics.ticketCreated("hotline")
	}
	return c.JSON(http.StatusOK, map[string]any{"call_id": e.CallID, "ticket": rc.Ticket.ID, "query_code": rc.QueryCode})
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

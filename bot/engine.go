package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"qingfeng/intake"
	"qingfeng/nlp"
)

// Tickets is what the dialogue needs of intake.
type Tickets interface {
	Submit(ctx context.Context, r intake.Report) (*intake.Receipt, error)
	Status(ctx context.Context, number, code string) (*intake.PublicStatus, error)
	Supplement(ctx context.Context, number, code, text string) (*intake.Ticket, error)
}

// Understander reads a message.
type Understander interface {
	Analyze(text string) (*nlp.Result, error)
}

// Message is one thing the bot says, with quick replies the citizen may tap.
type Message struct {
	Text    string   `json:"text"`
	Options []string `json:"options,omitempty"`
	Private bool     `json:"-"` // it repeats the reporter's identity (the summary of a real-name report)
}

// Reply is the bot's answer to one message.
type Reply struct {
	Messages  []Message
	Ticket    string // set when this message completed a report
	QueryCode string
	Urgent    bool // the citizen spoke of danger or threats: staff must see it first
	Handoff   bool // the citizen asked for a person
	Private   bool // the citizen's message answered an identity question (name, phone)
}

// ErrUnavailable means the store could not be reached: the citizen should try again
// shortly, and a webhook should answer 503 so the sender retries.
var ErrUnavailable = errors.New("tickets temporarily unavailable")

// MaxMessageRunes bounds one message.
const MaxMessageRunes = 2000

// Engine runs the dialogue. It holds no state of its own: sessions live in Sessions.
type Engine struct {
	tickets  Tickets
	nlp      Understander
	sessions Sessions
}

// New builds the engine from its parts.
func New(tickets Tickets, nlp Understander, sessions Sessions) *Engine {
	return &Engine{tickets: tickets, nlp: nlp, sessions: sessions}
}

// Greeting is what a new conversation opens with, before the citizen says anything.
func (e *Engine) Greeting() Message { return Message{Text: msg("welcome")} }

// Handle answers one message of the conversation (channel, key): key is the web
// session id, or a keyed hash of the SMS sender's number.
func (e *Engine) Handle(ctx context.Context, channel, key, text string) (*Reply, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return say(msg("empty")), nil
	}
	if n := utf8.RuneCountInString(text); n > MaxMessageRunes {
		return say(fmt.Sprintf(msg("too_long"), MaxMessageRunes)), nil
	}
	for attempt := 0; ; attempt++ {
		s, err := e.sessions.Load(ctx, channel, key)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		private := answersIdentity(s, text)
		reply, err := e.step(ctx, s, text)
		if err != nil {
			return nil, err
		}
		switch err := e.sessions.Save(ctx, s); {
		case errors.Is(err, errConflict) && attempt < 3:
			continue // another instance answered a message of this conversation meanwhile
		case err != nil:
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		reply.Urgent, reply.Handoff, reply.Private = s.Urgent, s.Handoff, private
		return reply, nil
	}
}

var (
	queryRE      = regexp.MustCompile(`^查询\s*(QF-\d{8}-\d{6})\s+([A-Za-z0-9]{12})\s*$`)
	supplementRE = regexp.MustCompile(`(?s)^补充\s*(QF-\d{8}-\d{6})\s+([A-Za-z0-9]{12})\s+(.+)$`)
)

// step advances the session by one message and says what comes next.
func (e *Engine) step(ctx context.Context, s *Session, text string) (*Reply, error) {
	word := strings.Trim(text, "。！!？?，,. ")
	switch {
	case oneOf(word, wordsRestart):
		*s = Session{Channel: s.Channel, Key: s.Key, Version: s.Version, Stage: stageDescribe, ReportID: newReportID()}
		return say(msg("restart"), msg("welcome")), nil
	case oneOf(word, wordsHandoff):
		s.Handoff = true
		return say(msg("handoff")), nil
	}
	if m := queryRE.FindStringSubmatch(text); m != nil {
		return e.status(ctx, m[1], m[2])
	}
	if m := supplementRE.FindStringSubmatch(text); m != nil {
		_, err := e.tickets.Supplement(ctx, m[1], m[2], m[3])
		if err := storeErr(err); err != nil {
			if intake.CodeOf(err) == "" {
				return nil, err
			}
			return say(msg("not_found")), nil
		}
		return say(fmt.Sprintf(msg("supplemented"), m[1])), nil
	}
	if s.ReportID == "" {
		s.ReportID = newReportID()
	}
	var pre []Message
	if res, err := e.nlp.Analyze(text); err == nil && danger(res) {
		s.Urgent = true
		pre = append(pre, Message{Text: msg("emergency")})
	}
	r, err := e.advance(ctx, s, text, word)
	if err != nil {
		return nil, err
	}
	r.Messages = append(pre, r.Messages...)
	return r, nil
}

func (e *Engine) advance(ctx context.Context, s *Session, text, word string) (*Reply, error) {
	if rest, ok := correction(text); ok && s.Last != "" && s.Stage != stageConfirm && s.Stage != stageDone {
		s.set(s.Last, rest)
		r := e.next(s)
		r.Messages = append([]Message{{Text: msg("corrected")}}, r.Messages...)
		return r, nil
	}
	switch s.Stage {
	case "", stageDescribe:
		return e.describe(s, text), nil
	case stageOutOfScope:
		if oneOf(word, wordsProceed) {
			s.OutOfScope = true
			return e.next(s), nil
		}
		return e.describe(s, text), nil
	case stageUnit, stageWho, stageWhen, stageEvidence, stageName:
		s.set(s.Stage, text)
		return e.next(s), nil
	case stagePhone:
		if !validPhone(text) {
			return ask(msg("ask_phone")), nil
		}
		s.set(stagePhone, text)
		return e.next(s), nil
	case stageIdentity:
		switch {
		case oneOf(word, wordsAnonymous):
			s.set(stageIdentity, "anonymous")
		case oneOf(word, wordsRealName):
			s.set(stageIdentity, "real")
		default:
			return ask(msg("ask_identity"), msg("real_name"), msg("anonymous")), nil
		}
		return e.next(s), nil
	case stageConfirm:
		switch {
		case oneOf(word, wordsConfirm):
			return e.submit(ctx, s)
		case oneOf(word, wordsChange) || strings.HasPrefix(text, "不是") || strings.HasPrefix(text, "修改"):
			s.Stage = stageChange
			return ask(msg("ask_change"), changeLabels()...), nil
		}
		return e.summary(s), nil
	case stageChange:
		for _, o := range changeOptions {
			if strings.Contains(text, o.label) || word == o.label {
				s.Stage, s.ReturnTo = o.stage, stageConfirm
				if o.stage == stageDescribe {
					s.Description = ""
				}
				return e.prompt(s), nil
			}
		}
		return ask(msg("ask_change"), changeLabels()...), nil
	case stageDone:
		return say(fmt.Sprintf(msg("already_done"), s.Ticket)), nil
	}
	return e.next(s), nil
}

// describe reads the citizen's account and fills in what it already tells.
func (e *Engine) describe(s *Session, text string) *Reply {
	if s.Stage == "" && utf8.RuneCountInString(text) < 6 {
		s.Stage = stageDescribe
		return say(msg("welcome"))
	}
	s.Description = strings.TrimSpace(s.Description + "\n" + text)
	if utf8.RuneCountInString(s.Description) < 8 {
		s.Stage = stageDescribe
		return ask(msg("ask_describe_more"))
	}
	res, err := e.nlp.Analyze(s.Description)
	if err != nil {
		s.Stage = stageDescribe
		return ask(msg("ask_describe_more"))
	}
	s.Category = res.Category
	fill := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
		}
	}
	fill(&s.Unit, res.Subject.Unit)
	fill(&s.Who, strings.TrimSpace(res.Subject.Name+" "+res.Subject.Position))
	for _, sig := range res.Signals {
		if sig.Type == nlp.SignalTime && s.When == "" {
			s.When = sig.Text
		}
		if sig.Type == nlp.SignalAnonymous && s.Identity == "" {
			s.Identity = "anonymous"
		}
	}
	if !res.Scope.InScope && !s.OutOfScope {
		s.Stage = stageOutOfScope
		return ask(outOfScope(res.Scope.Transfer), "仍要提交", "重新开始")
	}
	return e.next(s)
}

// next asks for the first thing still missing, or reads the report back.
func (e *Engine) next(s *Session) *Reply {
	if s.ReturnTo != "" {
		s.Stage, s.ReturnTo = s.ReturnTo, ""
		if s.Stage == stageConfirm {
			return e.summary(s)
		}
	}
	for _, st := range []struct {
		stage   string
		missing bool
	}{
		{stageDescribe, s.Description == ""},
		{stageUnit, s.Unit == ""},
		{stageWho, s.Who == ""},
		{stageWhen, s.When == ""},
		{stageEvidence, s.Evidence == ""},
		{stageIdentity, s.Identity == ""},
		{stageName, s.Identity == "real" && s.Name == ""},
		{stagePhone, s.Identity == "real" && s.Phone == ""},
	} {
		if st.missing {
			s.Stage = st.stage
			return e.prompt(s)
		}
	}
	return e.summary(s)
}

func (e *Engine) prompt(s *Session) *Reply {
	switch s.Stage {
	case stageDescribe:
		return ask(msg("ask_describe_more"))
	case stageUnit:
		return ask(msg("ask_unit"), "不知道")
	case stageWho:
		return ask(msg("ask_who"), "不知道")
	case stageWhen:
		return ask(msg("ask_when"), "不记得")
	case stageEvidence:
		return ask(msg("ask_evidence"), "没有")
	case stageIdentity:
		return ask(msg("ask_identity"), msg("real_name"), msg("anonymous"))
	case stageName:
		return ask(msg("ask_name"))
	case stagePhone:
		return ask(msg("ask_phone"))
	}
	return e.summary(s)
}

func (e *Engine) summary(s *Session) *Reply {
	s.Stage = stageConfirm
	way := msg("anonymous")
	if s.Identity == "real" {
		way = msg("real_name") + "（" + s.Name + "）"
	}
	r := ask(fmt.Sprintf(msg("confirm"), clip(s.Description, 60), s.Who, s.Unit, s.When, s.Evidence, way), "确认", "修改")
	r.Messages[0].Private = s.Identity == "real"
	return r
}

// submit turns the conversation into a ticket. If the store is down the session stays
// at the summary, so "确认" again later submits it.
func (e *Engine) submit(ctx context.Context, s *Session) (*Reply, error) {
	// The answers join the account as labelled lines, so the subject is read from them
	// the way it is read from any complaint; the unit, answered outright, is also named.
	text := s.Description
	for _, part := range []struct{ label, v string }{{"被反映人", s.Who}, {"单位", s.Unit}, {"时间", s.When}, {"证据", s.Evidence}} {
		if v := known(part.v); v != "" && v != msg("none") {
			text += "\n" + part.label + "：" + v
		}
	}
	rc, err := e.tickets.Submit(ctx, intake.Report{
		Channel: s.Channel, SenderID: "chat-" + s.ReportID, Text: text,
		Anonymous: s.Identity != "real", Name: s.Name, Phone: s.Phone,
		Subject: nlp.Subject{Unit: known(s.Unit)}, Urgent: s.Urgent,
	})
	if err := storeErr(err); err != nil {
		return nil, err
	}
	s.Ticket = rc.Ticket.ID
	s.forget()
	r := say(fmt.Sprintf(msg("done"), rc.Ticket.ID, rc.QueryCode))
	r.Ticket, r.QueryCode = rc.Ticket.ID, rc.QueryCode
	return r, nil
}

func (e *Engine) status(ctx context.Context, number, code string) (*Reply, error) {
	st, err := e.tickets.Status(ctx, number, code)
	if err := storeErr(err); err != nil {
		if intake.CodeOf(err) == "" {
			return nil, err
		}
		return say(msg("not_found")), nil
	}
	r := say(fmt.Sprintf(msg("status"), st.Number, statusNames[string(st.Status)], st.UpdatedAt.In(chinaZone).Format("2006-01-02 15:04")))
	for _, rep := range st.Replies {
		r.Messages = append(r.Messages, Message{Text: fmt.Sprintf(msg("status_reply"), rep)})
	}
	return r, nil
}

// storeErr turns an unreachable store into ErrUnavailable and keeps intake's coded
// errors (not found, invalid) for the caller to word.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if intake.CodeOf(err) == intake.CodeUnavailable {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

func (s *Session) set(stage, v string) {
	v = strings.TrimSpace(v)
	word := strings.Trim(v, "。！!？?，,. ")
	switch {
	case oneOf(word, wordsUnknown):
		v = msg("unknown")
	case stage == stageEvidence && oneOf(word, wordsNone):
		v = msg("none")
	}
	switch stage {
	case stageUnit:
		s.Unit = v
	case stageWho:
		s.Who = v
	case stageWhen:
		s.When = v
	case stageEvidence:
		s.Evidence = v
	case stageIdentity:
		s.Identity = v
	case stageName:
		s.Name = v
	case stagePhone:
		s.Phone = v
	case stageDescribe:
		s.Description = v
	}
	s.Last = stage
}

func danger(res *nlp.Result) bool {
	for _, sig := range res.Signals {
		if sig.Type == nlp.SignalThreat || sig.Type == nlp.SignalDanger {
			return true
		}
	}
	return false
}

func correction(text string) (string, bool) {
	for _, lead := range correctionLead {
		if rest, ok := strings.CutPrefix(text, lead); ok {
			rest = strings.TrimPrefix(strings.TrimSpace(rest), "是")
			if rest = strings.TrimSpace(rest); rest != "" {
				return rest, true
			}
		}
	}
	return "", false
}

func validPhone(p string) bool {
	digits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" -+()", r):
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

func known(v string) string {
	if v == msg("unknown") {
		return ""
	}
	return v
}

func msg(key string) string { return catalogue[key] }

// outOfScope tells the citizen where the matter belongs instead.
func outOfScope(t *nlp.Transfer) string {
	name, phone := "12345政务服务便民热线", ""
	if t != nil {
		name = t.Name
		if t.Contact != "" && !strings.Contains(t.Name, t.Contact) {
			phone = fmt.Sprintf(msg("transfer_phone"), t.Contact)
		}
	}
	return fmt.Sprintf(msg("out_of_scope"), name, phone)
}

func say(texts ...string) *Reply {
	r := &Reply{}
	for _, t := range texts {
		r.Messages = append(r.Messages, Message{Text: t})
	}
	return r
}

func ask(text string, options ...string) *Reply {
	return &Reply{Messages: []Message{{Text: text, Options: options}}}
}

func changeLabels() []string {
	out := make([]string, len(changeOptions))
	for i, o := range changeOptions {
		out[i] = o.label
	}
	return out
}

func oneOf(w string, list []string) bool {
	for _, x := range list {
		if w == x {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

func newReportID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported systems
	return hex.EncodeToString(b)
}

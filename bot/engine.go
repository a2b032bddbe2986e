package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
	Handoff   bool // this message asked for a person: the channel puts the conversation in the live queue
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

// Sender is what a channel knows of who is writing, beyond the conversation's key.
type Sender struct {
	// Phone is the number an SMS came from. The dialogue does not ask for a phone then,
	// and a real-name report takes this one. It is never kept in the session: the
	// channel passes it with every message.
	Phone string
}

// turn is one message being answered: the conversation, and what its channel knows of
// the sender.
type turn struct {
	*Session
	from Sender
}

// Handle answers one message of the conversation (channel, key): key is the web
// session id, or a keyed hash of the SMS sender's number.
func (e *Engine) Handle(ctx context.Context, channel, key, text string) (*Reply, error) {
	return e.HandleFrom(ctx, channel, key, Sender{}, text)
}

// HandleFrom is Handle for a channel that knows more of the sender (an SMS's number).
func (e *Engine) HandleFrom(ctx context.Context, channel, key string, from Sender, text string) (*Reply, error) {
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
		reply, err := e.step(ctx, &turn{Session: s, from: from}, text)
		if err != nil {
			return nil, err
		}
		switch err := e.sessions.Save(ctx, s); {
		case errors.Is(err, errConflict) && attempt < 3:
			continue // another instance answered a message of this conversation meanwhile
		case err != nil:
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		reply.Urgent, reply.Private = s.Urgent, private
		return reply, nil
	}
}

// step advances the session by one message and says what comes next.
func (e *Engine) step(ctx context.Context, t *turn, text string) (*Reply, error) {
	word := bare(text)
	switch {
	case oneOf(word, wordsRestart):
		*t.Session = Session{Channel: t.Channel, Key: t.Key, Version: t.Version, Stage: stageDescribe, ReportID: newReportID()}
		return say(msg("restart"), msg("welcome")), nil
	case oneOf(word, wordsHandoff):
		t.Handoff = true
		r := say(msg("handoff"))
		r.Handoff = true // this message, not the session: once staff hand it back, the bot talks again
		return r, nil
	}
	if number, code, ok := parseQuery(text); ok {
		return e.status(ctx, number, code)
	}
	// One reading of the message serves the danger check and the checks of an answer.
	res, err := e.nlp.Analyze(text)
	if err != nil {
		res = nil
	}
	endangered := res != nil && danger(res)
	if endangered {
		t.Urgent = true
	}
	var r *Reply
	if number, code, content, ok := parseSupplement(text); ok {
		r, err = e.supplement(ctx, number, code, content)
	} else {
		if t.ReportID == "" {
			t.ReportID = newReportID()
		}
		r, err = e.advance(ctx, t, text, word, res)
	}
	if err != nil {
		return nil, err
	}
	if endangered {
		r.Messages = append([]Message{{Text: msg("emergency")}}, r.Messages...)
	}
	return r, nil
}

func (e *Engine) supplement(ctx context.Context, number, code, content string) (*Reply, error) {
	_, err := e.tickets.Supplement(ctx, number, code, content)
	if err := storeErr(err); err != nil {
		if intake.CodeOf(err) == "" {
			return nil, err
		}
		return say(msg("not_found")), nil
	}
	return say(fmt.Sprintf(msg("supplemented"), number)), nil
}

// questions are the stages that ask for one part of the report.
var questions = map[string]bool{stageUnit: true, stageWho: true, stageWhen: true, stageEvidence: true,
	stageIdentity: true, stageName: true, stagePhone: true}

func (e *Engine) advance(ctx context.Context, t *turn, text, word string, res *nlp.Result) (*Reply, error) {
	corrected := false
	if rest, ok := correction(text); ok && questions[t.Stage] && t.Last != "" {
		// "不是，是今年三月": the answer to the question before, asked again.
		t.Stage, text, word, corrected = t.Last, rest, bare(rest), true
	}
	if oneOf(strings.ToLower(word), wordsGreeting) {
		switch t.Stage {
		case "", stageDescribe:
			if t.Description == "" {
				t.Stage = stageDescribe
				return say(msg("welcome")), nil
			}
		case stageDone:
		default:
			return e.resume(t), nil
		}
	}
	switch t.Stage {
	case "", stageDescribe:
		return e.describe(t, text, res), nil
	case stageOutOfScope:
		if oneOf(word, wordsProceed) {
			t.OutOfScope = true
			return e.next(t), nil
		}
		return e.describe(t, text, nil), nil
	case stageConfirm:
		if oneOf(word, wordsConfirm) {
			return e.submit(ctx, t)
		}
		if oneOf(word, wordsChange) {
			return e.changeMenu(t), nil
		}
		for _, lead := range changeLead {
			if rest, ok := strings.CutPrefix(word, lead); ok {
				if stage, ok := pickChange(strings.Trim(rest, edges)); ok {
					return e.change(t, stage), nil
				}
				return e.changeMenu(t), nil
			}
		}
		return e.summary(t), nil
	case stageChange:
		if stage, ok := pickChange(word); ok {
			return e.change(t, stage), nil
		}
		return e.changeMenu(t), nil
	case stageDone:
		return say(fmt.Sprintf(msg("already_done"), t.Ticket)), nil
	}
	if !questions[t.Stage] {
		return e.next(t), nil
	}
	switch {
	case oneOf(word, wordsChange):
		return e.changeMenu(t), nil
	case oneOf(word, wordsSubmit) && t.Stage == stagePhone:
		t.set(stagePhone, msg("none")) // the phone is the last question: to confirm is to leave none
		return e.next(t), nil
	case oneOf(word, wordsSubmit):
		r := e.prompt(t)
		r.Messages = append([]Message{{Text: msg("not_yet")}}, r.Messages...)
		return r, nil
	}
	if r := e.answer(t, text, word, res); r != nil {
		return r, nil
	}
	r := e.next(t)
	if corrected {
		r.Messages = append([]Message{{Text: msg("corrected")}}, r.Messages...)
	}
	return r, nil
}

// answer keeps the answer to the question at t.Stage; when it cannot, it returns the
// reason and the question again.
func (e *Engine) answer(t *turn, text, word string, res *nlp.Result) *Reply {
	switch t.Stage {
	case stageIdentity:
		switch {
		case oneOf(word, wordsAnonymous):
			t.set(stageIdentity, "anonymous")
		case oneOf(word, wordsRealName):
			t.set(stageIdentity, "real")
		default:
			return e.prompt(t)
		}
		return nil
	case stagePhone:
		if oneOf(word, wordsNoPhone) {
			t.set(stagePhone, msg("none"))
			return nil
		}
		number, problem := phoneProblem(text)
		if problem != "" {
			r := e.prompt(t)
			r.Messages = append([]Message{{Text: phoneReason(text, problem)}}, r.Messages...)
			return r
		}
		t.set(stagePhone, number)
		return nil
	case stageUnit, stageWhen:
		if other, value := misplaced(t.Stage, text, res); other != "" && !oneOf(word, wordsUnknown) {
			return e.misplacedReply(t, text, other, value)
		}
	}
	t.set(t.Stage, text)
	return nil
}

// resume answers a greeting in the middle of a report: the question it is at, again.
func (e *Engine) resume(t *turn) *Reply {
	r := ask(msg("out_of_scope_again"), "仍要提交", "重新开始")
	if t.Stage != stageOutOfScope {
		r = e.prompt(t)
	}
	r.Messages = append([]Message{{Text: msg("welcome_back")}}, r.Messages...)
	return r
}

// describe reads the citizen's account and fills in what it already tells. res is the
// reading of text alone, reused when text is the whole account.
func (e *Engine) describe(t *turn, text string, res *nlp.Result) *Reply {
	if t.Stage == "" && utf8.RuneCountInString(text) < 6 {
		t.Stage = stageDescribe
		return say(msg("welcome"))
	}
	t.Description = strings.TrimSpace(t.Description + "\n" + text)
	if utf8.RuneCountInString(t.Description) < 8 {
		t.Stage = stageDescribe
		return ask(msg("ask_describe_more"))
	}
	if res == nil || t.Description != text {
		var err error
		if res, err = e.nlp.Analyze(t.Description); err != nil {
			t.Stage = stageDescribe
			return ask(msg("ask_describe_more"))
		}
	}
	t.Category = res.Category
	fill := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
		}
	}
	fill(&t.Unit, res.Subject.Unit)
	fill(&t.Who, strings.TrimSpace(res.Subject.Name+" "+res.Subject.Position))
	for _, sig := range res.Signals {
		if sig.Type == nlp.SignalTime && t.When == "" {
			t.When = sig.Text
		}
		if sig.Type == nlp.SignalAnonymous && t.Identity == "" {
			t.Identity = "anonymous"
		}
	}
	if !res.Scope.InScope && !t.OutOfScope {
		t.Stage = stageOutOfScope
		return ask(outOfScope(res.Scope.Transfer), "仍要提交", "重新开始")
	}
	return e.next(t)
}

// next asks for the first thing still missing, or reads the report back. After a change
// it is the same walk: whatever the change left open (a name, once 实名 is chosen) is
// asked before the summary.
func (e *Engine) next(t *turn) *Reply {
	for _, st := range []struct {
		stage   string
		missing bool
	}{
		{stageDescribe, t.Description == ""},
		{stageUnit, t.Unit == ""},
		{stageWho, t.Who == ""},
		{stageWhen, t.When == ""},
		{stageEvidence, t.Evidence == ""},
		{stageIdentity, t.Identity == ""},
		{stageName, t.Identity == "real" && t.Name == ""},
		{stagePhone, t.Identity == "real" && t.Phone == "" && t.from.Phone == ""},
	} {
		if st.missing {
			t.Stage = st.stage
			return e.prompt(t)
		}
	}
	return e.summary(t)
}

// prompt asks the question of t's stage.
func (e *Engine) prompt(t *turn) *Reply {
	switch t.Stage {
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
		return ask(msg("ask_phone"), "不留")
	case stageChange:
		return e.changeMenu(t)
	}
	return e.summary(t)
}

func (e *Engine) summary(t *turn) *Reply {
	t.Stage = stageConfirm
	way, phone := msg("anonymous"), ""
	if t.Identity == "real" {
		way = msg("real_name") + "（" + t.Name + "）"
		switch p := t.phone(); {
		case t.from.Phone != "" && p == t.from.Phone:
			phone = msg("phone_this")
		case p != "":
			phone = p
		default:
			phone = msg("phone_none")
		}
		phone = fmt.Sprintf(msg("confirm_phone"), phone)
	}
	r := ask(fmt.Sprintf(msg("confirm"), clip(t.Description, 60), t.Who, t.Unit, t.When, t.Evidence, way, phone), "确认", "修改")
	r.Messages[0].Private = t.Identity == "real"
	return r
}

// phone is the number a real-name reporter is called back on: the one they gave, or
// else the one their SMS came from.
func (t *turn) phone() string {
	if t.Phone != "" && t.Phone != msg("none") {
		return t.Phone
	}
	return t.from.Phone
}

// submit turns the conversation into a ticket. If the store is down the session stays
// at the summary, so "确认" again later submits it.
func (e *Engine) submit(ctx context.Context, t *turn) (*Reply, error) {
	// The answers join the account as labelled lines, so the subject is read from them
	// the way it is read from any complaint; the unit, answered outright, is also named.
	text := t.Description
	for _, part := range []struct{ label, v string }{{"被反映人", t.Who}, {"单位", t.Unit}, {"时间", t.When}, {"证据", t.Evidence}} {
		if v := known(part.v); v != "" && v != msg("none") {
			text += "\n" + part.label + "：" + v
		}
	}
	rc, err := e.tickets.Submit(ctx, intake.Report{
		Channel: t.Channel, SenderID: "chat-" + t.ReportID, Text: text,
		Anonymous: t.Identity != "real", Name: t.Name, Phone: t.phone(),
		Subject: nlp.Subject{Unit: known(t.Unit)}, Urgent: t.Urgent, Conversation: t.Key,
	})
	if err := storeErr(err); err != nil {
		return nil, err
	}
	t.Ticket = rc.Ticket.ID
	t.forget()
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
	word := bare(v)
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

// get is the answer kept for stage.
func (s *Session) get(stage string) string {
	switch stage {
	case stageUnit:
		return s.Unit
	case stageWhen:
		return s.When
	}
	return ""
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

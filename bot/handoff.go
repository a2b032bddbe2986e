package bot

import (
	"context"
	"errors"
	"fmt"
)

// While a person has a conversation (转人工, then a member of the intake office takes it),
// the channel passes the citizen's messages to staff and does not call the dialogue.
// What the dialogue offers that time: what it had gathered, for the member of staff who
// takes over (Draft); its question again when the conversation is handed back (Resume);
// and the end of the conversation when staff file its report themselves (Filed).

// Draft is what the dialogue has gathered of a conversation so far.
type Draft struct {
	Description string `json:"description,omitempty"`
	Unit        string `json:"unit,omitempty"`
	Who         string `json:"who,omitempty"`
	When        string `json:"when,omitempty"`
	Evidence    string `json:"evidence,omitempty"`
	Identity    string `json:"identity,omitempty"` // real, anonymous, or "" when not yet asked
	Name        string `json:"name,omitempty"`
	Phone       string `json:"phone,omitempty"` // as typed; an SMS sender's own number is never in a session
	Urgent      bool   `json:"urgent,omitempty"`
	Ticket      string `json:"ticket,omitempty"` // the report the conversation filed already
}

// Draft reads what the conversation (channel, key) has gathered; a conversation that
// has said nothing yet has an empty draft.
func (e *Engine) Draft(ctx context.Context, channel, key string) (*Draft, error) {
	s, err := e.sessions.Load(ctx, channel, key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	d := &Draft{Description: s.Description, Unit: known(s.Unit), Who: known(s.Who), When: known(s.When),
		Evidence: s.Evidence, Identity: s.Identity, Name: s.Name, Urgent: s.Urgent, Ticket: s.Ticket}
	if s.Phone != msg("none") {
		d.Phone = s.Phone
	}
	return d, nil
}

// Resume is what the bot says when staff hand a conversation back: the question the
// dialogue is at, so the citizen's next message answers it.
func (e *Engine) Resume(ctx context.Context, channel, key string) ([]Message, error) {
	s, err := e.sessions.Load(ctx, channel, key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	t := &turn{Session: s}
	switch {
	case s.Stage == stageDone:
		return say(fmt.Sprintf(msg("already_done"), s.Ticket)).Messages, nil
	case s.Stage == "" || s.Stage == stageDescribe && s.Description == "":
		return say(msg("welcome")).Messages, nil
	}
	return e.resume(t).Messages, nil
}

// Filed ends a conversation whose report staff filed as ticket number: the dialogue is
// done, and forgets what identified the reporter, as when it files one itself. It
// returns what tells the citizen the number and query code.
func (e *Engine) Filed(ctx context.Context, channel, key, number, code string) (Message, error) {
	for attempt := 0; ; attempt++ {
		s, err := e.sessions.Load(ctx, channel, key)
		if err != nil {
			return Message{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		if s.ReportID == "" {
			s.ReportID = newReportID()
		}
		s.Ticket = number
		s.forget()
		switch err := e.sessions.Save(ctx, s); {
		case errors.Is(err, errConflict) && attempt < 3:
			continue
		case err != nil:
			return Message{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return Message{Text: fmt.Sprintf(msg("done"), number, code)}, nil
	}
}

// Cancels says whether text asks to leave the queue for a person and go on with the bot
// (重新开始): a citizen nobody has taken yet need not wait.
func Cancels(text string) bool { return oneOf(bare(text), wordsRestart) }

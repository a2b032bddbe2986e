package intake

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"
	"unicode/utf8"
)

// PublicStatus is what anyone holding a ticket's number and query code may see:
// nothing personal, nothing about the handling body.
type PublicStatus struct {
	Number    string
	Status    Status
	UpdatedAt time.Time
	Replies   []string // what the reporter has been told
}

// errNoTicket is the one answer for an unknown number and a wrong code alike, so a
// guesser learns nothing from the difference.
func errNoTicket() error { return errorf(CodeNotFound, "no ticket with that number and query code") }

// authorize reads the ticket if code is its query code.
func (in *Intake) authorize(ctx context.Context, number, code string) (*Ticket, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	if !strings.HasPrefix(number, "QF-") || len(number) > 40 || strings.TrimSpace(code) == "" {
		return nil, errNoTicket()
	}
	t, err := in.store.Get(ctx, number)
	if CodeOf(err) == CodeNotFound {
		return nil, errNoTicket()
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(in.keys.QueryHash(code)), []byte(t.QueryHash)) != 1 {
		return nil, errNoTicket()
	}
	return t, nil
}

// Status answers a reporter's query.
func (in *Intake) Status(ctx context.Context, number, code string) (*PublicStatus, error) {
	t, err := in.authorize(ctx, number, code)
	if err != nil {
		return nil, err
	}
	st := &PublicStatus{Number: t.ID, Status: t.Status, UpdatedAt: t.UpdatedAt}
	if t.Reply != "" {
		st.Replies = append(st.Replies, t.Reply)
	}
	return st, nil
}

// maxSupplement bounds one addition by the reporter.
const maxSupplement = 4000

// Supplement adds the reporter's further information (补充材料) to a ticket: kept in the
// ticket's supplement list and recorded in its history.
func (in *Intake) Supplement(ctx context.Context, number, code, text string) (*Ticket, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxSupplement {
		return nil, errorf(CodeInvalid, "a supplement needs 1 to %d characters", maxSupplement)
	}
	for attempt := 0; ; attempt++ {
		t, err := in.authorize(ctx, number, code)
		if err != nil {
			return nil, err
		}
		err = in.store.recordSupplement(ctx, t, text)
		if CodeOf(err) == CodeConflict && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// Supplements lists what the reporter added, oldest first.
func (s *Store) Supplements(ctx context.Context, id string) ([]string, error) {
	out, err := s.rdb.LRange(ctx, s.key("t", id, "supplements"), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	for i, v := range out {
		if out[i], err = s.openValue(id, fieldSupplement, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CallerTicket is what an operator's screen shows of a caller's earlier report.
type CallerTicket struct {
	Number    string    `json:"number"`
	Status    Status    `json:"status"`
	Category  string    `json:"category"`
	CreatedAt time.Time `json:"created_at"`
}

// CallerHistory lists the tickets earlier calls or messages from this phone made,
// newest first, for the operator who picks up.
func (in *Intake) CallerHistory(ctx context.Context, phone string, limit int64) ([]CallerTicket, error) {
	ids, err := in.store.Find(ctx, "phone", in.keys.LookupHash("phone", normalizePhone(phone)), limit)
	if err != nil {
		return nil, err
	}
	out := make([]CallerTicket, 0, len(ids))
	for _, id := range ids {
		t, err := in.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, CallerTicket{Number: t.ID, Status: t.Status, Category: t.Category, CreatedAt: t.CreatedAt})
	}
	return out, nil
}

// LookupHash exposes the keyring's keyed hash for callers that key things by phone
// (the SMS dialogue's session) without keeping the number.
func (in *Intake) LookupHash(kind, value string) string { return in.keys.LookupHash(kind, value) }

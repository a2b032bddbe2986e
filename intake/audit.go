package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// AuditEntry is one change of a ticket (全程留痕): who, when, from and to which status,
// and a note. Entries are chained: each hash covers the previous one, so editing,
// removing or reordering history is detected by VerifyChain.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   Role      `json:"role"`
	Action Action    `json:"action"`
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Note   string    `json:"note,omitempty"`
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
}

// NextAudit makes the entry that follows prev (nil for the first) on ticket id.
func NextAudit(id string, prev *AuditEntry, at time.Time, actor string, role Role, action Action, from, to Status, note string) AuditEntry {
	e := AuditEntry{Seq: 1, At: at.UTC().Truncate(time.Microsecond), Actor: actor, Role: role,
		Action: action, From: from, To: to, Note: note}
	if prev != nil {
		e.Seq, e.Prev = prev.Seq+1, prev.Hash
	}
	e.Hash = e.digest(id)
	return e
}

// digest is SHA-256 over the ticket id and every field but Hash, each string quoted so
// that no choice of note can make two different entries encode alike.
func (e AuditEntry) digest(id string) string {
	enc := fmt.Sprintf("%q %d %q %q %q %q %q %q %q %q", id, e.Seq, e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Role, e.Action, e.From, e.To, e.Note, e.Prev)
	sum := sha256.Sum256([]byte(enc))
	return hex.EncodeToString(sum[:])
}

// VerifyChain checks a ticket's history against its recorded head hash (kept on the
// ticket, so a cut-off tail is caught too). It returns the index of the first entry
// that does not hold, or -1 with a nil error when all do.
func VerifyChain(id string, entries []AuditEntry, head string) (int, error) {
	prev := ""
	for i, e := range entries {
		switch {
		case e.Seq != int64(i+1):
			return i, fmt.Errorf("entry %d has sequence %d: history was removed or reordered", i+1, e.Seq)
		case e.Prev != prev:
			return i, fmt.Errorf("entry %d does not follow entry %d", i+1, i)
		case e.digest(id) != e.Hash:
			return i, fmt.Errorf("entry %d was changed after it was written", i+1)
		}
		prev = e.Hash
	}
	if prev != head {
		return len(entries), fmt.Errorf("history ends at %.12s but the ticket records %.12s: entries are missing", prev, head)
	}
	return -1, nil
}

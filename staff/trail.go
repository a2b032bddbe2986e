package staff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// TrailAction names an account change in the admin trail.
type TrailAction string

// The account changes the trail records.
const (
	TrailCreate         TrailAction = "create"
	TrailRole           TrailAction = "role"
	TrailPasswordReset  TrailAction = "password_reset"
	TrailPasswordChange TrailAction = "password_change"
	TrailTOTPEnrol      TrailAction = "totp_enrol"
	TrailTOTPRemove     TrailAction = "totp_remove"
	TrailDisable        TrailAction = "disable"
	TrailEnable         TrailAction = "enable"
)

// TrailEntry is one account change in the admin trail: who changed which account, how,
// and when. Details never hold a secret (no password, hash or TOTP secret). Entries are
// chained like a ticket's history (intake.AuditEntry): each hash covers the previous
// one, so an entry edited or removed afterwards is caught by VerifyTrailChain.
type TrailEntry struct {
	Seq     int64       `json:"seq"`
	At      time.Time   `json:"at"`
	Actor   string      `json:"actor"`
	Action  TrailAction `json:"action"`
	Target  string      `json:"target"`
	Details string      `json:"details,omitempty"`
	Prev    string      `json:"prev"`
	Hash    string      `json:"hash"`
}

// nextTrail makes the entry that follows the head (seq 0 and "" for an empty trail).
func nextTrail(headSeq int64, headHash string, at time.Time, actor string, action TrailAction, target, details string) TrailEntry {
	e := TrailEntry{Seq: headSeq + 1, At: at.UTC().Truncate(time.Microsecond), Actor: actor, Action: action,
		Target: target, Details: details, Prev: headHash}
	e.Hash = e.digest()
	return e
}

// digest is SHA-256 over the previous hash and the canonical entry: every field but
// Hash, each string quoted, so that no choice of details can make two different entries
// encode alike.
func (e TrailEntry) digest() string {
	enc := fmt.Sprintf("%q %d %q %q %q %q %q", e.Prev, e.Seq, e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Target, e.Details)
	sum := sha256.Sum256([]byte(enc))
	return hex.EncodeToString(sum[:])
}

// ErrTrailBroken means the admin trail does not hold: an entry was changed, removed or
// reordered after it was written.
var ErrTrailBroken = errors.New("admin trail broken")

// VerifyTrailChain checks the trail against its recorded head hash (so a cut-off tail is
// caught too). It returns the index of the first entry that does not hold (len(entries)
// when entries are missing at the end), or -1 with a nil error when all do.
func VerifyTrailChain(entries []TrailEntry, head string) (int, error) {
	prev := ""
	for i, e := range entries {
		switch {
		case e.Seq != int64(i+1):
			return i, fmt.Errorf("%w: entry %d has sequence %d: entries were removed or reordered", ErrTrailBroken, i+1, e.Seq)
		case e.Prev != prev:
			return i, fmt.Errorf("%w: entry %d does not follow entry %d", ErrTrailBroken, i+1, i)
		case e.digest() != e.Hash:
			return i, fmt.Errorf("%w: entry %d was changed after it was written", ErrTrailBroken, i+1)
		}
		prev = e.Hash
	}
	if prev != head {
		return len(entries), fmt.Errorf("%w: the trail ends at %.12s but its head records %.12s: entries are missing", ErrTrailBroken, prev, head)
	}
	return -1, nil
}

// Trail reads the whole admin trail, oldest first, and the head hash it must end at.
// An entry that is not even JSON is kept as a blank one, so verifying names it rather
// than failing to read.
func (d *Directory) Trail(ctx context.Context) ([]TrailEntry, string, error) {
	pipe := d.rdb.TxPipeline()
	list := pipe.LRange(ctx, d.trailKey(), 0, -1)
	head := pipe.HGet(ctx, d.trailHeadKey(), "hash")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", fmt.Errorf("read the admin trail: %w", err)
	}
	entries := make([]TrailEntry, len(list.Val()))
	for i, raw := range list.Val() {
		if err := json.Unmarshal([]byte(raw), &entries[i]); err != nil {
			entries[i] = TrailEntry{}
		}
	}
	return entries, head.Val(), nil
}

// VerifyTrail reads and checks the admin trail: it returns the number of entries, and
// the index of the first one that does not hold (-1 when the chain is intact) with an
// error wrapping ErrTrailBroken.
func (d *Directory) VerifyTrail(ctx context.Context) (int, int, error) {
	entries, head, err := d.Trail(ctx)
	if err != nil {
		return 0, -1, err
	}
	bad, err := VerifyTrailChain(entries, head)
	return len(entries), bad, err
}

// trailHead is the trail's last entry as the head records it.
func (d *Directory) trailHead(ctx context.Context) (int64, string, error) {
	h, err := d.rdb.HGetAll(ctx, d.trailHeadKey()).Result()
	if err != nil {
		return 0, "", fmt.Errorf("read the admin trail's head: %w", err)
	}
	if len(h) == 0 {
		return 0, "", nil
	}
	seq, err := strconv.ParseInt(h["seq"], 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("the admin trail's head: %w", err)
	}
	return seq, h["hash"], nil
}

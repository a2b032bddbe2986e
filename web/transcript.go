package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// chatLine is one message of a conversation as the page shows it.
type chatLine struct {
	Type      string   `json:"type"` // "message"
	From      string   `json:"from"` // "bot" or "me"
	Offset    int64    `json:"offset"`
	Text      string   `json:"text"`
	Options   []string `json:"options,omitempty"`
	Ticket    string   `json:"ticket,omitempty"`
	QueryCode string   `json:"query_code,omitempty"`

	private bool // it holds the reporter's identity: dropped once the report is filed
}

// transcriptCap is how many lines a conversation keeps for resuming.
const transcriptCap = 200

// A transcript is a Redis list of entries "FLAG:OFFSET:SEALED". FLAG is "p" for a line
// that identifies the reporter and "-" otherwise; OFFSET numbers the line in the
// conversation; SEALED is the line sealed with the keyring, bound to the conversation.
// Lists of older builds hold plain JSON lines ("{…"): nothing tells which of those
// identify the reporter, so they are never replayed, and filing a report removes them.

// appendScript numbers the lines of one exchange, keeps the last cap of the
// conversation's lines, and refreshes its expiry. When the exchange filed a report, the
// lines that identify the reporter, and any plain line of an older build, are removed.
//
//	KEYS[1] transcript list  KEYS[2] counter
//	ARGV[1] cap  ARGV[2] ttl ms  ARGV[3] "1" if the exchange filed a report
//	ARGV[4…] "FLAG:SEALED", one per line, in order
//
// Returns the offset of the first line.
var appendScript = redis.NewScript(`
local n = #ARGV - 3
local last = redis.call('INCRBY', KEYS[2], n)
for i = 1, n do
  local a = ARGV[3 + i]
  redis.call('RPUSH', KEYS[1], string.sub(a, 1, 2) .. (last - n + i) .. ':' .. string.sub(a, 3))
end
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1)
if ARGV[3] == '1' then
  for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    local head = string.sub(e, 1, 2)
    if head == 'p:' or string.sub(head, 1, 1) == '{' then
      redis.call('LREM', KEYS[1], 0, e)
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return last - n + 1
`)

type transcripts struct {
	rdb  redis.UniversalClient
	key  func(parts ...string) string
	ttl  time.Duration
	keys Sealer
	log  *slog.Logger
}

var errNoKeyring = errors.New("chat transcripts need the keyring (Config.Keys)")

// transcriptContext binds a sealed line to its conversation: copied into another
// conversation's list, it does not open.
func transcriptContext(session string) string { return "chat:" + session }

// add stores the lines of one exchange in order and numbers them in place. filed says
// the exchange filed a report: the lines that identify the reporter are then dropped.
func (t transcripts) add(ctx context.Context, session string, lines []chatLine, filed bool) error {
	if t.keys == nil {
		return errNoKeyring
	}
	filedArg := "0"
	if filed {
		filedArg = "1"
	}
	args := []any{transcriptCap, t.ttl.Milliseconds(), filedArg}
	for _, l := range lines {
		l.Offset = 0 // the list entry carries it
		raw, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("encode chat line: %w", err)
		}
		sealed, err := t.keys.Seal(raw, transcriptContext(session))
		if err != nil {
			return fmt.Errorf("seal chat line: %w", err)
		}
		flag := "-:"
		if l.private {
			flag = "p:"
		}
		args = append(args, flag+sealed)
	}
	first, err := appendScript.Run(ctx, t.rdb, []string{t.key("chat", session), t.key("chat", session, "seq")}, args...).Int64()
	if err != nil {
		return fmt.Errorf("append chat lines: %w", err)
	}
	for i := range lines {
		lines[i].Offset = first + int64(i)
	}
	return nil
}

// since returns the kept lines after offset, oldest first. A line that does not open
// (damaged, or sealed with a key since removed) is left out, as are lines of older builds.
func (t transcripts) since(ctx context.Context, session string, offset int64) ([]chatLine, error) {
	if t.keys == nil {
		return nil, errNoKeyring
	}
	raw, err := t.rdb.LRange(ctx, t.key("chat", session), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read chat lines: %w", err)
	}
	var out []chatLine
	unreadable := 0
	for _, entry := range raw {
		l, ok := t.open(session, entry)
		switch {
		case !ok:
			unreadable++
		case l.Offset > offset:
			out = append(out, l)
		}
	}
	if unreadable > 0 {
		t.log.Warn("chat transcript lines left out of a resume", "lines", unreadable)
	}
	return out, nil
}

func (t transcripts) open(session, entry string) (chatLine, bool) {
	var l chatLine
	parts := strings.SplitN(entry, ":", 3)
	if len(parts) != 3 {
		return l, false // an older build's plain line, or damage
	}
	off, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return l, false
	}
	raw, err := t.keys.Open(parts[2], transcriptContext(session))
	if err != nil || json.Unmarshal(raw, &l) != nil {
		return l, false
	}
	l.Offset, l.private = off, parts[0] == "p"
	return l, true
}

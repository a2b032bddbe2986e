package web

import (
	"context"
	"encoding/json"
	"fmt"
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
}

// transcriptCap is how many lines a conversation keeps for resuming.
const transcriptCap = 200

// appendScript numbers a line and keeps the last transcriptCap of them, expiring with the
// conversation.
//
//	KEYS[1] transcript list  KEYS[2] counter  ARGV[1] line JSON without offset … see below
//	ARGV[1] line JSON with offset placeholder 0  ARGV[2] cap  ARGV[3] ttl ms
var transcriptScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[2])
local line = cjson.decode(ARGV[1])
line['offset'] = n
redis.call('RPUSH', KEYS[1], cjson.encode(line))
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return n
`)

type transcripts struct {
	rdb redis.UniversalClient
	key func(parts ...string) string
	ttl time.Duration
}

// add stores a line and returns its offset.
func (t transcripts) add(ctx context.Context, session string, line chatLine) (int64, error) {
	raw, err := json.Marshal(line)
	if err != nil {
		return 0, fmt.Errorf("encode chat line: %w", err)
	}
	return transcriptScript.Run(ctx, t.rdb, []string{t.key("chat", session), t.key("chat", session, "seq")},
		raw, transcriptCap, t.ttl.Milliseconds()).Int64()
}

// since returns the kept lines after offset, oldest first.
func (t transcripts) since(ctx context.Context, session string, offset int64) ([]chatLine, error) {
	raw, err := t.rdb.LRange(ctx, t.key("chat", session), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	var out []chatLine
	for _, r := range raw {
		var l chatLine
		if json.Unmarshal([]byte(r), &l) == nil && l.Offset > offset {
			out = append(out, l)
		}
	}
	return out, nil
}

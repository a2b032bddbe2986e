package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dialogue stages.
const (
	stageDescribe   = "describe"
	stageOutOfScope = "out_of_scope"
	stageUnit       = "unit"
	stageWho        = "who"
	stageWhen       = "when"
	stageEvidence   = "evidence"
	stageIdentity   = "identity"
	stageName       = "name"
	stagePhone      = "phone"
	stageConfirm    = "confirm"
	stageChange     = "change"
	stageDone       = "done"
)

// Session is one citizen's conversation: what they have told us so far.
type Session struct {
	Channel  string `json:"channel"`
	Key      string `json:"key"`
	ReportID string `json:"report_id"` // names the report this conversation will submit
	Version  int64  `json:"version"`
	Stage    string `json:"stage"`
	Last     string `json:"last,omitempty"`      // the stage answered last, for corrections
	ReturnTo string `json:"return_to,omitempty"` // back to the summary after a change

	Description string `json:"description,omitempty"`
	Category    string `json:"category,omitempty"`
	Unit        string `json:"unit,omitempty"`
	Who         string `json:"who,omitempty"` // name and/or post
	When        string `json:"when,omitempty"`
	Evidence    string `json:"evidence,omitempty"`
	Identity    string `json:"identity,omitempty"` // anonymous or real
	Name        string `json:"name,omitempty"`
	Phone       string `json:"phone,omitempty"`
	OutOfScope  bool   `json:"oos_ack,omitempty"`
	Urgent      bool   `json:"urgent,omitempty"`
	Handoff     bool   `json:"handoff,omitempty"`

	Ticket string `json:"ticket,omitempty"`
}

// Sessions keeps conversations, with an expiry, where any instance can continue them.
type Sessions interface {
	Load(ctx context.Context, channel, key string) (*Session, error)
	// Save stores s if nobody saved a newer version meanwhile; otherwise errConflict.
	Save(ctx context.Context, s *Session) error
}

var errConflict = errors.New("session changed meanwhile")

// RedisSessions keeps sessions in Redis under the store's namespace.
type RedisSessions struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewRedisSessions keeps sessions under namespace ns for ttl after the last message.
func NewRedisSessions(rdb redis.UniversalClient, ns string, ttl time.Duration) *RedisSessions {
	return &RedisSessions{rdb: rdb, prefix: "qf:{" + ns + "}:session:", ttl: ttl}
}

func (r *RedisSessions) key(channel, key string) string { return r.prefix + channel + ":" + key }

// Load returns the session, or a fresh one.
func (r *RedisSessions) Load(ctx context.Context, channel, key string) (*Session, error) {
	raw, err := r.rdb.HGet(ctx, r.key(channel, key), "data").Result()
	if errors.Is(err, redis.Nil) {
		return &Session{Channel: channel, Key: key}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	var s Session
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		// A damaged session starts over rather than trapping the citizen.
		return &Session{Channel: channel, Key: key}, nil
	}
	return &s, nil
}

// saveScript: compare-and-set on the session's version, refreshing its expiry.
//
//	KEYS[1] session  ARGV[1] expected version  ARGV[2] new version  ARGV[3] data  ARGV[4] ttl ms
var saveScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// Save stores s, bumping its version.
func (r *RedisSessions) Save(ctx context.Context, s *Session) error {
	next := *s
	next.Version = s.Version + 1
	data, err := json.Marshal(&next)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	ok, err := saveScript.Run(ctx, r.rdb, []string{r.key(s.Channel, s.Key)}, s.Version, next.Version, data, r.ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if ok == 0 {
		return errConflict
	}
	s.Version = next.Version
	return nil
}

// chinaZone shows times as citizens read them.
var chinaZone = time.FixedZone("CST", 8*3600)

package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	Last     string `json:"last,omitempty"` // the stage answered last, for corrections

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

// Sealer is what sessions need of the identity keyring (intake.Keyring): a conversation
// holds the citizen's account, name and phone, so it is sealed at rest, bound to its key.
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
}

// RedisSessions keeps sessions in Redis under the store's namespace, sealed.
type RedisSessions struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
	keys   Sealer
}

// NewRedisSessions keeps sessions under namespace ns for ttl after the last message,
// sealed with keys.
func NewRedisSessions(rdb redis.UniversalClient, ns string, ttl time.Duration, keys Sealer) *RedisSessions {
	return &RedisSessions{rdb: rdb, prefix: "qf:{" + ns + "}:session:", ttl: ttl, keys: keys}
}

// The key names only the channel and the conversation: a web session id is random, an
// SMS sender is a keyed hash of the number.
func (r *RedisSessions) key(channel, key string) string { return r.prefix + channel + ":" + key }

// sealContext binds a sealed session to its conversation: copied under another key, it
// does not open.
func sealContext(channel, key string) string { return "session:" + channel + ":" + key }

// Load returns the session, or a fresh one.
func (r *RedisSessions) Load(ctx context.Context, channel, key string) (*Session, error) {
	vals, err := r.rdb.HMGet(ctx, r.key(channel, key), "v", "data").Result()
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	data, _ := vals[1].(string)
	if data == "" {
		return &Session{Channel: channel, Key: key}, nil
	}
	stored, _ := vals[0].(string)
	version, _ := strconv.ParseInt(stored, 10, 64)
	s, err := r.decode(data, channel, key)
	if err != nil {
		// A damaged session, or one sealed with a key since removed, starts over rather
		// than trapping the citizen; it keeps the stored version so the next save
		// replaces it.
		s = &Session{}
	}
	s.Channel, s.Key, s.Version = channel, key, version
	return s, nil
}

// decode opens a stored session. Older builds stored plain JSON: it is read as it is
// and sealed at the next save.
func (r *RedisSessions) decode(data, channel, key string) (*Session, error) {
	raw := []byte(data)
	if !strings.HasPrefix(data, "{") {
		var err error
		if raw, err = r.keys.Open(data, sealContext(channel, key)); err != nil {
			return nil, err
		}
	}
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// saveScript: compare-and-set on the session's version, refreshing its expiry.
//
//	KEYS[1] session  ARGV[1] expected version  ARGV[2] new version  ARGV[3] sealed data  ARGV[4] ttl ms
var saveScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'data', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// Save stores s sealed, bumping its version.
func (r *RedisSessions) Save(ctx context.Context, s *Session) error {
	next := *s
	next.Version = s.Version + 1
	data, err := json.Marshal(&next)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	sealed, err := r.keys.Seal(data, sealContext(s.Channel, s.Key))
	if err != nil {
		return fmt.Errorf("seal session: %w", err)
	}
	ok, err := saveScript.Run(ctx, r.rdb, []string{r.key(s.Channel, s.Key)}, s.Version, next.Version, sealed, r.ttl.Milliseconds()).Int()
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

package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"qingfeng/intake"
)

// Roles of DOMAIN.md, plus the admin who keeps accounts, bodies, rules and calendar.
const (
	RoleOperator = intake.RoleOperator
	RoleIntake   = intake.RoleIntake
	RoleHandler  = intake.RoleHandler
	RoleLeader   = intake.RoleLeader
	RoleAdmin    = intake.Role("admin")
)

// Roles lists every staff role.
var Roles = []intake.Role{RoleOperator, RoleIntake, RoleHandler, RoleLeader, RoleAdmin}

// Account is a member of staff.
type Account struct {
	Username string      `json:"username"`
	Role     intake.Role `json:"role"`
	Body     string      `json:"body"`           // the body a handler works for
	Hash     string      `json:"hash"`           // bcrypt
	TOTP     string      `json:"totp,omitempty"` // the authenticator's secret, sealed, when enabled
}

// Body is a commission or team; bodies form a tree (city → county → township, or an
// embedded team under its commission).
type Body struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
}

// Sealer encrypts secrets at rest (intake.Keyring): each account's TOTP secret is kept
// sealed, bound to the account's name.
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
}

// Directory keeps accounts, bodies and sessions in Redis.
type Directory struct {
	rdb     redis.UniversalClient
	prefix  string
	secrets Sealer
	// Cost is bcrypt's work factor for new passwords (tests lower it).
	Cost int
}

// NewDirectory keeps staff data under namespace ns, TOTP secrets sealed by secrets.
func NewDirectory(rdb redis.UniversalClient, ns string, secrets Sealer) *Directory {
	return &Directory{rdb: rdb, prefix: "qf:{" + ns + "}:staff:", secrets: secrets, Cost: bcrypt.DefaultCost}
}

var (
	// ErrBadLogin is the one answer to a wrong user name or password.
	ErrBadLogin = errors.New("wrong user name or password")
	// ErrThrottled means too many failed logins: wait before trying again.
	ErrThrottled = errors.New("too many failed logins")
	// ErrNoSession means the session cookie is missing, unknown or expired.
	ErrNoSession = errors.New("not logged in")
)

// dummyHash is compared against when the user does not exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("qingfeng-no-such-user"), bcrypt.DefaultCost)

// minPassword is the shortest password accepted.
const minPassword = 10

// AddAccount creates or replaces an account.
func (d *Directory) AddAccount(ctx context.Context, username string, role intake.Role, body, password string) error {
	if !validName(username) {
		return fmt.Errorf("user name must be 2 to 40 letters, digits, '-', '_' or '.'")
	}
	if !validRole(role) {
		return fmt.Errorf("unknown role %q", role)
	}
	if role == RoleHandler {
		if body == "" {
			return fmt.Errorf("a handler needs a body")
		}
		if _, err := d.body(ctx, body); err != nil {
			return err
		}
	}
	if utf8.RuneCountInString(password) < minPassword {
		return fmt.Errorf("password must be at least %d characters", minPassword)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), d.Cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return d.saveAccount(ctx, &Account{Username: username, Role: role, Body: body, Hash: string(hash)})
}

func validRole(r intake.Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

func validName(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return false
		}
	}
	return true
}

// Account reads an account.
func (d *Directory) Account(ctx context.Context, username string) (*Account, error) {
	raw, err := d.rdb.HGet(ctx, d.prefix+"accounts", username).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, err
	}
	var a Account
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		return nil, fmt.Errorf("account %s: %w", username, err)
	}
	return &a, nil
}

// Accounts lists every account, ordered by name.
func (d *Directory) Accounts(ctx context.Context) ([]Account, error) {
	all, err := d.rdb.HGetAll(ctx, d.prefix+"accounts").Result()
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(all))
	for name, raw := range all {
		var a Account
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			return nil, fmt.Errorf("account %s: %w", name, err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// Login limits.
const (
	maxFailures    = 5                // failed logins per user and client …
	failureWindow  = 15 * time.Minute // … within this window
	sessionLife    = 12 * time.Hour
	sessionTokenNB = 32
)

// Login checks a password, and the one-time code when the account has TOTP, and opens a
// session; it returns the session token (for the cookie) and the CSRF token the pages
// must echo.
func (d *Directory) Login(ctx context.Context, username, password, code, client string) (token, csrf string, err error) {
	fails := d.prefix + "fails:" + username + ":" + client
	n, err := d.rdb.Get(ctx, fails).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", "", err
	}
	if n >= maxFailures {
		return "", "", ErrThrottled
	}
	a, err := d.Account(ctx, username)
	switch {
	case err == nil && bcrypt.CompareHashAndPassword([]byte(a.Hash), []byte(password)) != nil:
		err = ErrBadLogin
	case errors.Is(err, ErrBadLogin):
		// An unknown name takes as long as a wrong password, so names cannot be probed.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
	case err == nil && a.TOTP != "":
		err = d.checkCode(ctx, a, code, time.Now())
	}
	if errors.Is(err, ErrBadLogin) {
		d.rdb.Incr(ctx, fails)
		d.rdb.Expire(ctx, fails, failureWindow)
		return "", "", ErrBadLogin
	}
	if err != nil {
		return "", "", err
	}
	d.rdb.Del(ctx, fails)
	token, csrf = randomToken(), randomToken()
	s, _ := json.Marshal(Session{Username: a.Username, CSRF: csrf})
	if err := d.rdb.Set(ctx, d.sessionKey(token), s, sessionLife).Err(); err != nil {
		return "", "", err
	}
	return token, csrf, nil
}

// Session is a logged-in member of staff.
type Session struct {
	Username string `json:"username"`
	CSRF     string `json:"csrf"`
}

// Session returns the account behind a session token; the account is read afresh, so a
// changed role applies at once.
func (d *Directory) Session(ctx context.Context, token string) (*Account, *Session, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	raw, err := d.rdb.Get(ctx, d.sessionKey(token)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, err
	}
	var s Session
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, nil, ErrNoSession
	}
	a, err := d.Account(ctx, s.Username)
	if err != nil {
		return nil, nil, ErrNoSession
	}
	return a, &s, nil
}

// Logout ends a session.
func (d *Directory) Logout(ctx context.Context, token string) error {
	return d.rdb.Del(ctx, d.sessionKey(token)).Err()
}

// sessionKey stores only a hash of the token, so a copy of Redis opens no session.
func (d *Directory) sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return d.prefix + "session:" + hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, sessionTokenNB)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// LoadBodies replaces the tree of bodies from a YAML list of {id, name, parent}.
func (d *Directory) LoadBodies(ctx context.Context, data []byte) (int, error) {
	list, err := ParseBodies(data)
	if err != nil {
		return 0, err
	}
	fields := map[string]any{}
	for _, b := range list {
		raw, _ := json.Marshal(b)
		fields[b.ID] = raw
	}
	pipe := d.rdb.TxPipeline()
	pipe.Del(ctx, d.prefix+"bodies")
	if len(fields) > 0 {
		pipe.HSet(ctx, d.prefix+"bodies", fields)
	}
	_, err = pipe.Exec(ctx)
	return len(list), err
}

// maxBodies bounds one tree.
const maxBodies = 10000

// ParseBodies reads and checks a tree of bodies: unique ids (up to 64 bytes, no spaces,
// '|' or ':', which keys use as separators), a name for each, parents that are listed,
// and no body its own ancestor.
func ParseBodies(data []byte) ([]Body, error) {
	var list []Body
	if err := yaml.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("parse bodies: %w", err)
	}
	if len(list) > maxBodies {
		return nil, fmt.Errorf("bodies: %d listed, at most %d", len(list), maxBodies)
	}
	parent := map[string]string{}
	for _, b := range list {
		_, dup := parent[b.ID]
		if b.ID == "" || strings.TrimSpace(b.Name) == "" || dup {
			return nil, fmt.Errorf("bodies: every body needs a unique id and a name (%q)", b.ID)
		}
		if len(b.ID) > 64 || strings.ContainsAny(b.ID, " \t\r\n|:") || !utf8.ValidString(b.ID+b.Name) {
			return nil, fmt.Errorf("bodies: id %q must be up to 64 bytes without spaces, '|' or ':'", b.ID)
		}
		parent[b.ID] = b.Parent
	}
	for _, b := range list {
		if b.Parent != "" {
			if _, ok := parent[b.Parent]; !ok {
				return nil, fmt.Errorf("bodies: %s's parent %s is not listed", b.ID, b.Parent)
			}
		}
		for id, hops := b.Parent, 0; id != ""; id, hops = parent[id], hops+1 {
			if id == b.ID || hops > len(list) {
				return nil, fmt.Errorf("bodies: %s is its own ancestor", b.ID)
			}
		}
	}
	return list, nil
}

func (d *Directory) body(ctx context.Context, id string) (*Body, error) {
	raw, err := d.rdb.HGet(ctx, d.prefix+"bodies", id).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("no body %q (load bodies first)", id)
	}
	if err != nil {
		return nil, err
	}
	var b Body
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Bodies lists every body, ordered by id.
func (d *Directory) Bodies(ctx context.Context) ([]Body, error) {
	all, err := d.rdb.HGetAll(ctx, d.prefix+"bodies").Result()
	if err != nil {
		return nil, err
	}
	out := make([]Body, 0, len(all))
	for id, raw := range all {
		var b Body
		if err := json.Unmarshal([]byte(raw), &b); err != nil {
			return nil, fmt.Errorf("body %s: %w", id, err)
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b Body) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Subtree lists root and every body below it: the bodies whose tickets root may see.
func (d *Directory) Subtree(ctx context.Context, root string) ([]string, error) {
	all, err := d.Bodies(ctx)
	if err != nil {
		return nil, err
	}
	children := map[string][]string{}
	for _, b := range all {
		children[b.Parent] = append(children[b.Parent], b.ID)
	}
	out := []string{root}
	for i := 0; i < len(out) && len(out) <= len(all); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

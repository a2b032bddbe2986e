package staff

import (
	"context"
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
	// Disabled accounts cannot log in, and their sessions are refused.
	Disabled bool `json:"disabled,omitempty"`
	// MustChange: the password is a one-time one an admin issued; until the owner sets
	// their own, the session may do nothing else.
	MustChange bool `json:"must_change,omitempty"`
	// Epoch counts the times every session of the account was ended (a reset, a disable,
	// a password change); a session opened in an earlier epoch is refused.
	Epoch int64 `json:"epoch,omitempty"`
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

// Directory keeps accounts, bodies, sessions and the admin trail in Redis.
type Directory struct {
	rdb     redis.UniversalClient
	prefix  string
	secrets Sealer
	// Cost is bcrypt's work factor for new passwords (tests lower it).
	Cost int
	// Clock stamps trail entries and checks one-time codes (tests move it).
	Clock func() time.Time
}

// NewDirectory keeps staff data under namespace ns, TOTP secrets sealed by secrets.
func NewDirectory(rdb redis.UniversalClient, ns string, secrets Sealer) *Directory {
	return &Directory{rdb: rdb, prefix: "qf:{" + ns + "}:staff", secrets: secrets, Cost: bcrypt.DefaultCost, Clock: time.Now}
}

var (
	// ErrBadLogin is the one answer to a wrong user name or password.
	ErrBadLogin = errors.New("wrong user name or password")
	// ErrThrottled means too many failed logins: wait before trying again.
	ErrThrottled = errors.New("too many failed logins")
	// ErrNoSession means the session cookie is missing, unknown, expired or ended.
	ErrNoSession = errors.New("not logged in")
	// ErrDisabled means the password was right but an admin has disabled the account.
	ErrDisabled = errors.New("account disabled")
	// ErrNoAccount means an admin named an account that does not exist.
	ErrNoAccount = errors.New("no such account")
	// ErrAccountExists means a new account was given a name already taken.
	ErrAccountExists = errors.New("account exists")
	// ErrInvalid wraps every refusal of what an account change asks for.
	ErrInvalid = errors.New("invalid account change")
)

// minPassword is the shortest password accepted.
const minPassword = 10

// AddAccount creates an account; actor is who does it, for the admin trail. An existing
// account is changed with SetRole, ResetPassword and the rest, never replaced.
func (d *Directory) AddAccount(ctx context.Context, actor, username string, role intake.Role, body, password string) error {
	if !validName(username) {
		return fmt.Errorf("%w: user name must be 2 to 40 letters, digits, '-', '_' or '.'", ErrInvalid)
	}
	if err := d.checkRole(ctx, role, body); err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), d.Cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	_, err = d.change(ctx, actor, username, func(a *Account) (*Account, TrailAction, string, error) {
		if a != nil {
			return nil, "", "", fmt.Errorf("%w: %s", ErrAccountExists, username)
		}
		return &Account{Username: username, Role: role, Body: body, Hash: string(hash)}, TrailCreate, roleDetails("", "", role, body), nil
	})
	return err
}

// checkRole: a known role, and for a handler a body that is listed.
func (d *Directory) checkRole(ctx context.Context, role intake.Role, body string) error {
	if !slices.Contains(Roles, role) {
		return fmt.Errorf("%w: unknown role %q", ErrInvalid, role)
	}
	if role == RoleHandler {
		if body == "" {
			return fmt.Errorf("%w: a handler needs a body", ErrInvalid)
		}
		if _, err := d.body(ctx, body); err != nil {
			return err
		}
	}
	return nil
}

func checkPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < minPassword || len(password) > maxPassword {
		return fmt.Errorf("%w: a password must be at least %d characters and at most %d bytes", ErrInvalid, minPassword, maxPassword)
	}
	return nil
}

// maxPassword: bcrypt reads no further than 72 bytes.
const maxPassword = 72

// roleDetails says in the trail what role and body an account had and has.
func roleDetails(fromRole intake.Role, fromBody string, role intake.Role, body string) string {
	arrow := func(from, to string) string {
		if from == "" {
			return to
		}
		return from + "→" + to
	}
	out := "role=" + arrow(string(fromRole), string(role))
	if body != "" || fromBody != "" {
		out += " body=" + arrow(fromBody, body)
	}
	return out
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
	raw, err := d.rdb.HGet(ctx, d.accountsKey(), username).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s", ErrNoAccount, username)
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
	all, err := d.rdb.HGetAll(ctx, d.accountsKey()).Result()
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
	pipe.Del(ctx, d.bodiesKey())
	if len(fields) > 0 {
		pipe.HSet(ctx, d.bodiesKey(), fields)
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
	raw, err := d.rdb.HGet(ctx, d.bodiesKey(), id).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: no body %q (load bodies first)", ErrInvalid, id)
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
	all, err := d.rdb.HGetAll(ctx, d.bodiesKey()).Result()
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

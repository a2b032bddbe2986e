package staff

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// Login limits.
const (
	maxFailures        = 5                // failed logins per account and client …
	maxAccountFailures = 10               // … and per account from any client …
	failureWindow      = 15 * time.Minute // … within this window
	sessionLife        = 12 * time.Hour
	sessionTokenNB     = 32
)

// dummyHash is compared against when the user does not exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("qingfeng-no-such-user"), bcrypt.DefaultCost)

// Login checks a password, and the one-time code when the account has TOTP, and opens a
// session; it returns the session token (for the cookie) and the CSRF token the pages
// must echo. After too many failures for the account, from client or from anywhere,
// even the right password gets ErrThrottled until the window has passed.
func (d *Directory) Login(ctx context.Context, username, password, code, client string) (token, csrf string, err error) {
	if !validName(username) {
		// No account can have this name: nothing to count, but it takes as long.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return "", "", ErrBadLogin
	}
	var a *Account
	err = d.guard(ctx, username, client, func() error {
		var err error
		a, err = d.Account(ctx, username)
		switch {
		case errors.Is(err, ErrNoAccount):
			// An unknown name takes as long as a wrong password, so names cannot be probed.
			_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
			return ErrBadLogin
		case err != nil:
			return err
		case bcrypt.CompareHashAndPassword([]byte(a.Hash), []byte(password)) != nil:
			return ErrBadLogin
		case a.Disabled:
			return ErrDisabled
		case a.TOTP != "":
			return d.checkCode(ctx, a, code, d.Clock())
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return d.openSession(ctx, a)
}

// guard runs check as one login attempt of username from client: refused with
// ErrThrottled while the account is paused, and counted as a failure when check answers
// ErrBadLogin (loginTryScript, loginSettleScript).
func (d *Directory) guard(ctx context.Context, username, client string, check func() error) error {
	perClient, perAccount := d.failKeys(username, client)
	keys := []string{perClient, perAccount}
	admitted, err := loginTryScript.Run(ctx, d.rdb, keys, maxFailures, maxAccountFailures, failureWindow.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	if admitted == 0 {
		return ErrThrottled
	}
	err = check()
	if errors.Is(err, ErrBadLogin) {
		return err
	}
	outcome := "undo"
	if err == nil {
		outcome = "ok"
	}
	if serr := loginSettleScript.Run(ctx, d.rdb, keys, outcome).Err(); serr != nil && err == nil {
		return fmt.Errorf("login throttle: %w", serr)
	}
	return err
}

// Session is a logged-in member of staff.
type Session struct {
	Username string `json:"username"`
	CSRF     string `json:"csrf"`
	Epoch    int64  `json:"epoch,omitempty"` // the account's epoch when it was opened
}

func (d *Directory) openSession(ctx context.Context, a *Account) (token, csrf string, err error) {
	token, csrf = randomToken(), randomToken()
	s, err := json.Marshal(Session{Username: a.Username, CSRF: csrf, Epoch: a.Epoch})
	if err != nil {
		return "", "", err
	}
	if err := d.rdb.Set(ctx, d.sessionKey(token), s, sessionLife).Err(); err != nil {
		return "", "", fmt.Errorf("open session: %w", err)
	}
	return token, csrf, nil
}

// Session returns the account behind a session token. The account is read afresh, so a
// changed role applies at once, and a session of a disabled account, or one opened
// before a reset, is refused (and removed).
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
	if errors.Is(err, ErrNoAccount) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, err
	}
	if a.Disabled || a.Epoch != s.Epoch {
		d.rdb.Del(ctx, d.sessionKey(token))
		return nil, nil, ErrNoSession
	}
	return a, &s, nil
}

// Logout ends a session.
func (d *Directory) Logout(ctx context.Context, token string) error {
	return d.rdb.Del(ctx, d.sessionKey(token)).Err()
}

func randomToken() string {
	b := make([]byte, sessionTokenNB)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

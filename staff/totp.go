package staff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// ErrCodeRequired means the password was right and the account also needs the one-time
// code of its authenticator app (optional TOTP, RFC 6238).
var ErrCodeRequired = errors.New("one-time code required")

// totpOptions: 6 digits every 30 s, one step of clock drift either way, as authenticator
// apps expect.
var totpOptions = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// EnableTOTP gives an account a new TOTP secret and returns the otpauth:// URL to load
// into an authenticator app; from then on logging in needs its codes.
func (d *Directory) EnableTOTP(ctx context.Context, username string) (string, error) {
	a, err := d.Account(ctx, username)
	if err != nil {
		return "", fmt.Errorf("account %s: %w", username, err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "清风", AccountName: username})
	if err != nil {
		return "", fmt.Errorf("generate TOTP secret: %w", err)
	}
	if a.TOTP, err = d.secrets.Seal([]byte(key.Secret()), totpContext(username)); err != nil {
		return "", fmt.Errorf("seal TOTP secret: %w", err)
	}
	return key.URL(), d.saveAccount(ctx, a)
}

// DisableTOTP goes back to password-only login (a lost phone, say).
func (d *Directory) DisableTOTP(ctx context.Context, username string) error {
	a, err := d.Account(ctx, username)
	if err != nil {
		return fmt.Errorf("account %s: %w", username, err)
	}
	a.TOTP = ""
	return d.saveAccount(ctx, a)
}

// totpContext binds a sealed secret to its account: copied to another, it does not open.
func totpContext(username string) string { return "totp:" + username }

func (d *Directory) saveAccount(ctx context.Context, a *Account) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return d.rdb.HSet(ctx, d.prefix+"accounts", a.Username, b).Err()
}

// checkCode accepts a valid code once: a code seen before is refused, so one read over
// a shoulder cannot be used again.
func (d *Directory) checkCode(ctx context.Context, a *Account, code string, now time.Time) error {
	if code == "" {
		return ErrCodeRequired
	}
	secret, err := d.secrets.Open(a.TOTP, totpContext(a.Username))
	if err != nil {
		return fmt.Errorf("account %s: TOTP secret: %w", a.Username, err)
	}
	if ok, _ := totp.ValidateCustom(code, string(secret), now, totpOptions); !ok {
		return ErrBadLogin
	}
	fresh, err := d.rdb.SetNX(ctx, d.prefix+"totp-used:"+a.Username+":"+code, 1, 3*time.Duration(totpOptions.Period)*time.Second).Result()
	if err != nil {
		return err
	}
	if !fresh {
		return ErrBadLogin
	}
	return nil
}

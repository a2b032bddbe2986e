package staff

import (
	"context"
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

// EnableTOTP gives an account a new TOTP secret (replacing any earlier one) and returns
// the otpauth:// URL to load into an authenticator app; from then on logging in needs
// its codes. actor is who does it, for the admin trail.
func (d *Directory) EnableTOTP(ctx context.Context, actor, username string) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "清风", AccountName: username})
	if err != nil {
		return "", fmt.Errorf("generate TOTP secret: %w", err)
	}
	sealed, err := d.secrets.Seal([]byte(key.Secret()), totpContext(username))
	if err != nil {
		return "", fmt.Errorf("seal TOTP secret: %w", err)
	}
	_, err = d.change(ctx, actor, username, existing(username, func(a *Account) (*Account, TrailAction, string, error) {
		details := "first authenticator"
		if a.TOTP != "" {
			details = "replaces the earlier authenticator"
		}
		a.TOTP = sealed
		return a, TrailTOTPEnrol, details, nil
	}))
	if err != nil {
		return "", err
	}
	return key.URL(), nil
}

// DisableTOTP goes back to password-only login (a lost phone, say).
func (d *Directory) DisableTOTP(ctx context.Context, actor, username string) error {
	_, err := d.change(ctx, actor, username, existing(username, func(a *Account) (*Account, TrailAction, string, error) {
		if a.TOTP == "" {
			return nil, "", "", nil
		}
		a.TOTP = ""
		return a, TrailTOTPRemove, "", nil
	}))
	return err
}

// totpContext binds a sealed secret to its account: copied to another, it does not open.
func totpContext(username string) string { return "totp:" + username }

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
	fresh, err := d.rdb.SetNX(ctx, d.totpUsedKey(a.Username, code), 1, 3*time.Duration(totpOptions.Period)*time.Second).Result()
	if err != nil {
		return err
	}
	if !fresh {
		return ErrBadLogin
	}
	return nil
}

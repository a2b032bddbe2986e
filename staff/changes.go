package staff

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"qingfeng/intake"
)

// edit works out one account change from the account as it stands (nil when there is
// none): the account to save, and what the trail says of it. A nil account means there
// is nothing to change (and nothing is recorded).
type edit func(a *Account) (next *Account, action TrailAction, details string, err error)

// maxChangeTries bounds how often a change that raced another is worked out again.
const maxChangeTries = 10

// change saves one account change with its admin trail entry in one step
// (changeScript). It reads the trail's head before the account, so if any other change
// lands in between, the head has moved and the change is worked out again from a fresh
// read. It returns the account as saved.
func (d *Directory) change(ctx context.Context, actor, username string, fn edit) (*Account, error) {
	if actor == "" {
		return nil, fmt.Errorf("%w: an account change needs the name of whoever makes it", ErrInvalid)
	}
	for range maxChangeTries {
		seq, head, err := d.trailHead(ctx)
		if err != nil {
			return nil, err
		}
		cur, err := d.Account(ctx, username)
		if errors.Is(err, ErrNoAccount) {
			cur, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		next, action, details, err := fn(cur)
		if err != nil || next == nil {
			return cur, err
		}
		raw, err := json.Marshal(next)
		if err != nil {
			return nil, fmt.Errorf("encode account %s: %w", username, err)
		}
		e := nextTrail(seq, head, d.Clock(), actor, action, username, details)
		entry, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode trail entry: %w", err)
		}
		saved, err := changeScript.Run(ctx, d.rdb, []string{d.accountsKey(), d.trailKey(), d.trailHeadKey()},
			head, username, raw, entry, e.Seq, e.Hash).Int()
		if err != nil {
			return nil, fmt.Errorf("save account %s: %w", username, err)
		}
		if saved == 1 {
			return next, nil
		}
	}
	return nil, fmt.Errorf("account %s: %d changes raced this one; try again", username, maxChangeTries)
}

// existing is an edit of an account that must exist already.
func existing(username string, fn edit) edit {
	return func(a *Account) (*Account, TrailAction, string, error) {
		if a == nil {
			return nil, "", "", fmt.Errorf("%w: %s", ErrNoAccount, username)
		}
		return fn(a)
	}
}

// SetRole gives an account another role (and body). Nobody changes their own role, so
// the last admin cannot demote themselves by mistake.
func (d *Directory) SetRole(ctx context.Context, actor, username string, role intake.Role, body string) error {
	if actor == username {
		return fmt.Errorf("%w: nobody changes their own role", ErrInvalid)
	}
	if err := d.checkRole(ctx, role, body); err != nil {
		return err
	}
	_, err := d.change(ctx, actor, username, existing(username, func(a *Account) (*Account, TrailAction, string, error) {
		if a.Role == role && a.Body == body {
			return nil, "", "", nil
		}
		details := roleDetails(a.Role, a.Body, role, body)
		a.Role, a.Body = role, body
		return a, TrailRole, details, nil
	}))
	return err
}

// ResetPassword replaces an account's password with a one-time one, returned to be
// shown to the admin once. Every session of the account ends at once, and the next
// login with the one-time password may do nothing but set a new one.
func (d *Directory) ResetPassword(ctx context.Context, actor, username string) (string, error) {
	password := oneTimePassword()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), d.Cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	_, err = d.change(ctx, actor, username, existing(username, func(a *Account) (*Account, TrailAction, string, error) {
		a.Hash, a.MustChange, a.Epoch = string(hash), true, a.Epoch+1
		return a, TrailPasswordReset, "sessions ended; one-time password to be changed at next login", nil
	}))
	if err != nil {
		return "", err
	}
	return password, nil
}

// otpAlphabet leaves out characters that are easily misread (0/o, 1/l/i).
const otpAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// oneTimePassword is 16 random characters (about 79 bits) in groups of four, to be
// read out or typed by hand. Bytes past the last whole multiple of the alphabet are
// drawn again, so every character is equally likely.
func oneTimePassword() string {
	var sb strings.Builder
	b := make([]byte, 1)
	for n := 0; n < 16; {
		_, _ = rand.Read(b)
		if int(b[0]) >= 256/len(otpAlphabet)*len(otpAlphabet) {
			continue
		}
		if n > 0 && n%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(otpAlphabet[int(b[0])%len(otpAlphabet)])
		n++
	}
	return sb.String()
}

// ChangePassword lets the owner of a session set a new password, giving the current one.
// It ends every session of the account, this one too, and opens a fresh one: the new
// token and CSRF token are returned. It is the one thing a session under a one-time
// password may do. A wrong current password counts as a failed login from client.
func (d *Directory) ChangePassword(ctx context.Context, token, current, next, client string) (string, string, error) {
	a, _, err := d.Session(ctx, token)
	if err != nil {
		return "", "", err
	}
	if err := checkPassword(next); err != nil {
		return "", "", err
	}
	if next == current {
		return "", "", fmt.Errorf("%w: the new password must differ from the old one", ErrInvalid)
	}
	err = d.guard(ctx, a.Username, client, func() error {
		if bcrypt.CompareHashAndPassword([]byte(a.Hash), []byte(current)) != nil {
			return ErrBadLogin
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), d.Cost)
	if err != nil {
		return "", "", fmt.Errorf("hash password: %w", err)
	}
	saved, err := d.change(ctx, a.Username, a.Username, existing(a.Username, func(a *Account) (*Account, TrailAction, string, error) {
		a.Hash, a.MustChange, a.Epoch = string(hash), false, a.Epoch+1
		return a, TrailPasswordChange, "sessions ended", nil
	}))
	if err != nil {
		return "", "", err
	}
	if err := d.Logout(ctx, token); err != nil {
		return "", "", err
	}
	return d.openSession(ctx, saved)
}

// Disable stops an account from logging in and ends its sessions; Enable lets it in
// again. Nobody disables their own account.
func (d *Directory) Disable(ctx context.Context, actor, username string) error {
	if actor == username {
		return fmt.Errorf("%w: nobody disables their own account", ErrInvalid)
	}
	_, err := d.change(ctx, actor, username, existing(username, func(a *Account) (*Account, TrailAction, string, error) {
		if a.Disabled {
			return nil, "", "", nil
		}
		a.Disabled, a.Epoch = true, a.Epoch+1
		return a, TrailDisable, "sessions ended", nil
	}))
	return err
}

// Enable lets a disabled account log in again.
func (d *Directory) Enable(ctx context.Context, actor, username string) error {
	_, err := d.change(ctx, actor, username, existing(username, func(a *Account) (*Account, TrailAction, string, error) {
		if !a.Disabled {
			return nil, "", "", nil
		}
		a.Disabled = false
		return a, TrailEnable, "", nil
	}))
	return err
}

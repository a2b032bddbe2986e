package staff

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// An admin's reset ends every session of the account at once; the one-time password
// opens a session that must set a new password first.
func TestResetEndsSessionsAndForcesChange(t *testing.T) {
	d := newTestDirectory(t)
	ctx := context.Background()
	if err := d.AddAccount(ctx, "root", "lead", RoleLeader, "", "the leader's password"); err != nil {
		t.Fatal(err)
	}
	phone, _, err := d.Login(ctx, "lead", "the leader's password", "", "phone")
	if err != nil {
		t.Fatal(err)
	}
	desk, _, err := d.Login(ctx, "lead", "the leader's password", "", "desk")
	if err != nil {
		t.Fatal(err)
	}
	otp, err := d.ResetPassword(ctx, "root", "lead")
	if err != nil || len(otp) < minPassword {
		t.Fatalf("reset: %q %v", otp, err)
	}
	for _, old := range []string{phone, desk} {
		if _, _, err := d.Session(ctx, old); !errors.Is(err, ErrNoSession) {
			t.Errorf("a session from before the reset: %v, want ErrNoSession", err)
		}
	}
	if _, _, err := d.Login(ctx, "lead", "the leader's password", "", "desk"); !errors.Is(err, ErrBadLogin) {
		t.Errorf("the old password after the reset: %v", err)
	}
	pending, _, err := d.Login(ctx, "lead", otp, "", "desk")
	if err != nil {
		t.Fatal(err)
	}
	if a, _, err := d.Session(ctx, pending); err != nil || !a.MustChange {
		t.Fatalf("the one-time password's session: %+v %v, want must change", a, err)
	}
	for _, tc := range []struct {
		name, current, next string
		want                error
	}{
		{"a wrong current password", "not the password", "a brand new password", ErrBadLogin},
		{"too short", otp, "short", ErrInvalid},
		{"the same again", otp, otp, ErrInvalid},
	} {
		if _, _, err := d.ChangePassword(ctx, pending, tc.current, tc.next, "desk"); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	elsewhere, _, err := d.Login(ctx, "lead", otp, "", "phone")
	if err != nil {
		t.Fatal(err)
	}
	fresh, csrf, err := d.ChangePassword(ctx, pending, otp, "a brand new password", "desk")
	if err != nil || fresh == "" || csrf == "" {
		t.Fatalf("change: %v", err)
	}
	if a, _, err := d.Session(ctx, fresh); err != nil || a.MustChange {
		t.Errorf("after the change: %+v %v", a, err)
	}
	for _, old := range []string{pending, elsewhere} {
		if _, _, err := d.Session(ctx, old); !errors.Is(err, ErrNoSession) {
			t.Errorf("a session from before the change: %v", err)
		}
	}
	if _, _, err := d.Login(ctx, "lead", otp, "", "desk"); !errors.Is(err, ErrBadLogin) {
		t.Errorf("the one-time password used again: %v", err)
	}
	if _, _, err := d.Login(ctx, "lead", "a brand new password", "", "desk"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := d.ResetPassword(ctx, "root", "nobody"); !errors.Is(err, ErrNoAccount) {
		t.Errorf("reset of a missing account: %v", err)
	}
}

// A disabled account cannot log in and its sessions end; enabled again, it can.
func TestDisableAndEnable(t *testing.T) {
	d := newTestDirectory(t)
	ctx := context.Background()
	if err := d.AddAccount(ctx, "root", "op1", RoleOperator, "", "the operator's password"); err != nil {
		t.Fatal(err)
	}
	token, _, err := d.Login(ctx, "op1", "the operator's password", "", "ip")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Disable(ctx, "op1", "op1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("disabling oneself: %v", err)
	}
	if err := d.Disable(ctx, "root", "op1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Session(ctx, token); !errors.Is(err, ErrNoSession) {
		t.Errorf("a session of a disabled account: %v", err)
	}
	for i := range maxFailures + 1 { // refused each time, but not counted as failures
		if _, _, err := d.Login(ctx, "op1", "the operator's password", "", "ip"); !errors.Is(err, ErrDisabled) {
			t.Fatalf("login %d to a disabled account: %v", i+1, err)
		}
	}
	if _, _, err := d.Login(ctx, "op1", "a wrong password", "", "ip"); !errors.Is(err, ErrBadLogin) {
		t.Errorf("a wrong password to a disabled account: %v, want the usual bad login", err)
	}
	if err := d.Enable(ctx, "root", "op1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Login(ctx, "op1", "the operator's password", "", "ip"); err != nil {
		t.Errorf("after enabling: %v", err)
	}
}

// Wrong passwords from ever new addresses still pause the account: after
// maxAccountFailures, even the right password is refused until the window passes.
func TestLoginThrottlePerAccount(t *testing.T) {
	d := newTestDirectory(t)
	ctx := context.Background()
	for _, u := range []string{"lead", "other"} {
		if err := d.AddAccount(ctx, "root", u, RoleLeader, "", "the right password"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range maxAccountFailures {
		if _, _, err := d.Login(ctx, "lead", "wrong password", "", fmt.Sprintf("10.0.0.%d", i)); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	if _, _, err := d.Login(ctx, "lead", "the right password", "", "10.9.9.9"); !errors.Is(err, ErrThrottled) {
		t.Errorf("the right password from a fresh address after %d failures: %v, want ErrThrottled", maxAccountFailures, err)
	}
	if _, _, err := d.Login(ctx, "other", "the right password", "", "10.0.0.1"); err != nil {
		t.Errorf("another account from a failing address: %v", err)
	}
	// The window passes.
	_, perAccount := d.failKeys("lead", "")
	d.rdb.PExpire(ctx, perAccount, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if _, _, err := d.Login(ctx, "lead", "the right password", "", "10.9.9.9"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// Parallel guesses from many addresses cannot slip past the count: at most
// maxAccountFailures of them are checked at all.
func TestLoginThrottleParallel(t *testing.T) {
	d := newTestDirectory(t)
	ctx := context.Background()
	if err := d.AddAccount(ctx, "root", "lead", RoleLeader, "", "the right password"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := d.Login(ctx, "lead", "wrong password", "", fmt.Sprintf("10.1.%d.1", i))
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, ErrBadLogin) {
				checked++
			} else if !errors.Is(err, ErrThrottled) {
				t.Errorf("guess %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if checked != maxAccountFailures {
		t.Errorf("%d of 40 parallel guesses were checked, want %d", checked, maxAccountFailures)
	}
}

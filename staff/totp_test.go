package staff

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
)

func TestTOTPLogin(t *testing.T) {
	rdb := redistest.Client(t)
	d := NewDirectory(rdb, redistest.Namespace(t, rdb), testSealer(t))
	d.Cost = bcrypt.MinCost
	ctx := context.Background()
	if err := d.AddAccount(ctx, "root", "lead", RoleLeader, "", "long enough password"); err != nil {
		t.Fatal(err)
	}
	link, err := d.EnableTOTP(ctx, "root", "lead")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") == "" {
		t.Fatalf("enrolment link %q (%v)", link, err)
	}
	secret := u.Query().Get("secret")
	if raw, _ := rdb.HGet(ctx, d.accountsKey(), "lead").Result(); raw == "" || strings.Contains(raw, secret) {
		t.Errorf("the TOTP secret is not sealed at rest: %s", raw)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	for _, tc := range []struct {
		name, password, code string
		want                 error
	}{
		{"password without the code", "long enough password", "", ErrCodeRequired},
		{"a wrong code", "long enough password", wrong, ErrBadLogin},
		{"a wrong password with the right code", "wrong password!!", code, ErrBadLogin},
		{"password and code", "long enough password", code, nil},
		{"the same code again", "long enough password", code, ErrBadLogin},
	} {
		if _, _, err := d.Login(ctx, "lead", tc.password, tc.code, "ip-"+tc.name); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := d.DisableTOTP(ctx, "root", "lead"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Login(ctx, "lead", "long enough password", "", "ip"); err != nil {
		t.Errorf("after disabling TOTP: %v", err)
	}
}

func testSealer(t *testing.T) Sealer {
	k, err := intake.NewKeyring([][]byte{[]byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/staff"
)

// adminEnv: the command line on real Redis (base: its -redis and -namespace flags), a
// data directory with the admin's key file, and the directory the commands change. cli
// runs a command and answers its exit status and standard output.
func adminEnv(t *testing.T) (base []string, data string, d *staff.Directory, cli func(stdin string, args ...string) (int, string)) {
	t.Helper()
	rdb := redistest.Client(t)
	ns := redistest.Namespace(t, rdb)
	t.Setenv("QINGFENG_SECRET_KEY", "")
	t.Setenv("QINGFENG_KEY_FILE", "")
	data = t.TempDir()
	base = []string{"-redis", redistest.URL(), "-namespace", ns}
	keys, err := intake.OpenKeyring(intake.KeySource{DataDir: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	d = staff.NewDirectory(rdb, ns, keys)
	return base, data, d, func(stdin string, args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
		if code != 0 {
			t.Logf("%v: exit %d: %s", args, code, errOut.String())
		}
		return code, out.String()
	}
}

// From the command line: an account is created once, reset to a one-time password that
// ends its sessions and must be changed, disabled and enabled; each change is in the trail.
func TestAdminAccountCommands(t *testing.T) {
	base, data, d, run := adminEnv(t)
	ctx := context.Background()
	admin := func(args ...string) []string {
		return append(append(append([]string{"admin"}, base...), "-data", data), args...)
	}
	if code, out := run("a long admin password\n", admin("add-user", "-user", "chief", "-role", "admin")...); code != 0 {
		t.Fatalf("add-user: %d %s", code, out)
	}
	if code, out := run("another long password\n", admin("add-user", "-user", "chief", "-role", "leader")...); code != 1 {
		t.Errorf("add-user over an existing account: %d %s", code, out)
	}
	token, _, err := d.Login(ctx, "chief", "a long admin password", "", "desk")
	if err != nil {
		t.Fatal(err)
	}
	code, out := run("", admin("reset-password", "-user", "chief")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	otp := lines[len(lines)-1]
	if code != 0 || len(otp) < 10 {
		t.Fatalf("reset-password: %d %s", code, out)
	}
	if _, _, err := d.Session(ctx, token); !errors.Is(err, staff.ErrNoSession) {
		t.Errorf("the session from before the reset: %v", err)
	}
	pending, _, err := d.Login(ctx, "chief", otp, "", "desk")
	if err != nil {
		t.Fatalf("login with the one-time password: %v", err)
	}
	if a, _, _ := d.Session(ctx, pending); a == nil || !a.MustChange {
		t.Errorf("the one-time password does not have to be changed: %+v", a)
	}
	if code, out := run("", admin("disable", "-user", "chief")...); code != 0 {
		t.Fatalf("disable: %d %s", code, out)
	}
	if _, _, err := d.Login(ctx, "chief", otp, "", "desk"); !errors.Is(err, staff.ErrDisabled) {
		t.Errorf("login to a disabled account: %v", err)
	}
	if code, out := run("", admin("enable", "-user", "chief")...); code != 0 {
		t.Fatalf("enable: %d %s", code, out)
	}
	if code, out := run("", admin("reset-password", "-user", "nobody")...); code != 1 {
		t.Errorf("reset of a missing account: %d %s", code, out)
	}
	if code, _ := run("", admin("disable")...); code != 2 {
		t.Errorf("disable without -user: exit %d, want 2", code)
	}
	entries, _, err := d.Trail(ctx)
	if err != nil || len(entries) != 4 {
		t.Fatalf("trail: %d entries, %v", len(entries), err)
	}
	for i, want := range []staff.TrailAction{staff.TrailCreate, staff.TrailPasswordReset, staff.TrailDisable, staff.TrailEnable} {
		if entries[i].Action != want || !strings.HasPrefix(entries[i].Actor, "cli") || entries[i].Target != "chief" {
			t.Errorf("entry %d: %+v, want %s on chief by cli", i+1, entries[i], want)
		}
	}
}

// verify-admin passes on the intact trail and fails, naming the entry, once one was
// altered or removed in Redis directly.
func TestAuditVerifyAdminCommand(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(ctx context.Context, d *staff.Directory, key string)
		code   int
		want   string
	}{
		{"intact", func(context.Context, *staff.Directory, string) {}, 0, "admin trail: 3 entries, chain intact"},
		{"altered", func(ctx context.Context, d *staff.Directory, key string) {
			rdb := redistest.Client(t)
			defer rdb.Close()
			raw, _ := rdb.LIndex(ctx, key, 1).Result()
			rdb.LSet(ctx, key, 1, strings.Replace(raw, "role=operator", "role=admin", 1))
		}, 1, "broken at entry 2 of 3"},
		{"removed", func(ctx context.Context, d *staff.Directory, key string) {
			rdb := redistest.Client(t)
			defer rdb.Close()
			raw, _ := rdb.LIndex(ctx, key, 0).Result()
			rdb.LRem(ctx, key, 1, raw)
		}, 1, "broken at entry 1 of 2"},
		{"last removed", func(ctx context.Context, d *staff.Directory, key string) {
			rdb := redistest.Client(t)
			defer rdb.Close()
			rdb.RPop(ctx, key)
		}, 1, "broken after its last entry (2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, _, d, run := adminEnv(t)
			ctx := context.Background()
			for _, u := range []string{"op1", "op2"} {
				if err := d.AddAccount(ctx, "root", u, staff.RoleOperator, "", "long enough password"); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Disable(ctx, "root", "op1"); err != nil {
				t.Fatal(err)
			}
			tc.tamper(ctx, d, "qf:{"+base[3]+"}:staff:trail")
			code, out := run("", append(append([]string{"audit"}, base...), "verify-admin")...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("verify-admin: exit %d, %s; want %d with %q", code, out, tc.code, tc.want)
			}
		})
	}
}

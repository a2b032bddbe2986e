package staff

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"qingfeng/internal/redistest"
)

// newTestDirectory is a directory on real Redis under the test's own namespace, with
// bodies loaded and a clock that moves a second per reading.
func newTestDirectory(t *testing.T) *Directory {
	t.Helper()
	rdb := redistest.Client(t)
	d := NewDirectory(rdb, redistest.Namespace(t, rdb), testSealer(t))
	d.Cost = bcrypt.MinCost
	var mu sync.Mutex
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	d.Clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		at = at.Add(time.Second)
		return at
	}
	if _, err := d.LoadBodies(context.Background(), []byte("- {id: city, name: 市}\n- {id: town, name: 镇, parent: city}")); err != nil {
		t.Fatal(err)
	}
	return d
}

// Every account change lands in the trail, in order, naming who did what to whom, and
// never a secret.
func TestAdminTrailRecordsEveryChange(t *testing.T) {
	d := newTestDirectory(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.AddAccount(ctx, "root", "lead", RoleLeader, "", "the leader's password"))
	must(d.AddAccount(ctx, "root", "h1", RoleHandler, "town", "the handler's password"))
	must(d.SetRole(ctx, "root", "h1", RoleLeader, ""))
	must(d.SetRole(ctx, "root", "h1", RoleLeader, "")) // no change: no entry
	otp, err := d.ResetPassword(ctx, "root", "lead")
	must(err)
	link, err := d.EnableTOTP(ctx, "root", "lead")
	must(err)
	must(d.DisableTOTP(ctx, "root", "lead"))
	must(d.Disable(ctx, "root", "h1"))
	must(d.Disable(ctx, "root", "h1")) // already disabled: no entry
	must(d.Enable(ctx, "root", "h1"))
	token, _, err := d.Login(ctx, "lead", otp, "", "ip")
	must(err)
	_, _, err = d.ChangePassword(ctx, token, otp, "the leader's new password", "ip")
	must(err)

	entries, head, err := d.Trail(ctx)
	must(err)
	want := []struct {
		actor   string
		action  TrailAction
		target  string
		details string
	}{
		{"root", TrailCreate, "lead", "role=leader"},
		{"root", TrailCreate, "h1", "role=handler body=town"},
		{"root", TrailRole, "h1", "role=handler→leader body=town→"},
		{"root", TrailPasswordReset, "lead", "sessions ended; one-time password to be changed at next login"},
		{"root", TrailTOTPEnrol, "lead", "first authenticator"},
		{"root", TrailTOTPRemove, "lead", ""},
		{"root", TrailDisable, "h1", "sessions ended"},
		{"root", TrailEnable, "h1", ""},
		{"lead", TrailPasswordChange, "lead", "sessions ended"},
	}
	if len(entries) != len(want) {
		t.Fatalf("trail has %d entries, want %d: %+v", len(entries), len(want), entries)
	}
	for i, w := range want {
		e := entries[i]
		if e.Seq != int64(i+1) || e.Actor != w.actor || e.Action != w.action || e.Target != w.target || e.Details != w.details || e.At.IsZero() {
			t.Errorf("entry %d = %+v, want %+v", i+1, e, w)
		}
	}
	if bad, err := VerifyTrailChain(entries, head); bad != -1 || err != nil {
		t.Errorf("the intact trail fails verification at %d: %v", bad, err)
	}
	raw, _ := d.rdb.LRange(ctx, d.trailKey(), 0, -1).Result()
	secret := link[strings.Index(link, "secret=")+7:][:16]
	for _, s := range []string{otp, "the leader's password", "the leader's new password", "$2a$", secret} {
		if strings.Contains(strings.Join(raw, "\n"), s) {
			t.Errorf("the trail holds a secret: %q", s)
		}
	}
}

// Verification passes on the intact trail and names the entry when one was altered,
// removed or cut off the end, directly in Redis.
func TestVerifyAdminTrail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(ctx context.Context, d *Directory)
		bad    int    // index of the entry named, -1 when intact
		why    string // what the error says happened
	}{
		{"intact", func(context.Context, *Directory) {}, -1, ""},
		{"details altered", func(ctx context.Context, d *Directory) {
			raw, _ := d.rdb.LIndex(ctx, d.trailKey(), 1).Result()
			d.rdb.LSet(ctx, d.trailKey(), 1, strings.Replace(raw, "role=operator", "role=admin", 1))
		}, 1, "entry 2 was changed"},
		{"actor altered", func(ctx context.Context, d *Directory) {
			raw, _ := d.rdb.LIndex(ctx, d.trailKey(), 2).Result()
			d.rdb.LSet(ctx, d.trailKey(), 2, strings.Replace(raw, `"actor":"root"`, `"actor":"someone"`, 1))
		}, 2, "entry 3 was changed"},
		{"middle entry removed", func(ctx context.Context, d *Directory) {
			raw, _ := d.rdb.LIndex(ctx, d.trailKey(), 1).Result()
			d.rdb.LRem(ctx, d.trailKey(), 1, raw)
		}, 1, "removed or reordered"},
		{"last entry removed", func(ctx context.Context, d *Directory) { d.rdb.RPop(ctx, d.trailKey()) }, 3, "entries are missing"},
		{"not JSON", func(ctx context.Context, d *Directory) { d.rdb.LSet(ctx, d.trailKey(), 0, "{") }, 0, "entry 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDirectory(t)
			ctx := context.Background()
			for _, u := range []string{"op1", "op2"} {
				if err := d.AddAccount(ctx, "root", u, RoleOperator, "", "long enough password"); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.SetRole(ctx, "root", "op2", RoleIntake, ""); err != nil {
				t.Fatal(err)
			}
			if err := d.Disable(ctx, "root", "op1"); err != nil {
				t.Fatal(err)
			}
			tc.tamper(ctx, d)
			n, bad, err := d.VerifyTrail(ctx)
			if bad != tc.bad || (tc.bad == -1) != (err == nil) || err != nil && (!errors.Is(err, ErrTrailBroken) || !strings.Contains(err.Error(), tc.why)) {
				t.Errorf("verify of %d entries: bad %d, %v; want bad %d", n, bad, err, tc.bad)
			}
		})
	}
}

// Two admins changing accounts at once: every change is saved and the chain does not fork.
func TestAdminTrailConcurrentChanges(t *testing.T) {
	d := newTestDirectory(t)
	ctx := context.Background()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			errs <- d.AddAccount(ctx, "root", "user"+string(rune('a'+i)), RoleOperator, "", "long enough password")
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	n, bad, err := d.VerifyTrail(ctx)
	if n != 8 || bad != -1 || err != nil {
		t.Errorf("after 8 racing creations: %d entries, bad %d, %v", n, bad, err)
	}
}

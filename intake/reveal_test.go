package intake

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestRevealIdentityIsRestrictedAndRecorded(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _ := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "hotline", SenderID: "call-1", Name: "赵敏", Phone: "13700001111",
			Text: "村会计截留了我们的种粮补贴", Operator: "op-3", Actor: "op-3", Role: RoleOperator})
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range []Role{RoleHandler, RoleOperator, RoleSystem} {
			if _, err := in.RevealIdentity(ctx, rc.Ticket.ID, "x", role, "回访"); CodeOf(err) != CodeForbidden {
				t.Errorf("%s saw the identity: %v", role, err)
			}
		}
		if _, err := in.RevealIdentity(ctx, rc.Ticket.ID, "intake-1", RoleIntake, ""); CodeOf(err) != CodeInvalid {
			t.Errorf("a view without a reason: %v", err)
		}
		who, err := in.RevealIdentity(ctx, rc.Ticket.ID, "intake-1", RoleIntake, "告知受理结果")
		if err != nil || who.Name != "赵敏" || who.Phone != "13700001111" || who.Text != rc.Ticket.Text {
			t.Fatalf("reveal: %+v, %v", who, err) // the recorded view also gives the text as typed
		}
		entries, _ := s.Audit(ctx, rc.Ticket.ID)
		last := entries[len(entries)-1]
		if last.Action != "view_identity" || last.Actor != "intake-1" || last.From != StatusReceived || last.To != StatusReceived {
			t.Errorf("the view is not in the audit trail: %+v", last)
		}
		if bad, err := s.VerifyAudit(ctx, rc.Ticket.ID); bad != -1 || err != nil {
			t.Errorf("chain after a view: %d, %v", bad, err)
		}
		// Moves still work on the newer version.
		tk, _ := s.Get(ctx, rc.Ticket.ID)
		if _, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "intake-1"}); err != nil {
			t.Errorf("accept after a view: %v", err)
		}
		anon, _ := in.Submit(ctx, Report{Channel: "web", SenderID: "w", Anonymous: true, Text: "镇长收礼"})
		if _, err := in.RevealIdentity(ctx, anon.Ticket.ID, "intake-1", RoleIntake, "x"); CodeOf(err) != CodeNotFound {
			t.Errorf("anonymous ticket: %v", err)
		}
	})
}

func TestOpenKeyring(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	k1, err := OpenKeyring(KeySource{DataDir: dir}, log)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := OpenKeyring(KeySource{DataDir: dir}, log)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := k1.Seal([]byte("x"), "T")
	if _, err := k2.Open(sealed, "T"); err != nil {
		t.Errorf("the generated key was not reused: %v", err)
	}
	if _, err := OpenKeyring(KeySource{Secret: "AAAA"}, log); err == nil {
		t.Error("a short secret was accepted")
	}
	file := filepath.Join(dir, "other.key")
	if err := os.WriteFile(file, []byte("not base64!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeyring(KeySource{KeyFile: file}, log); err == nil {
		t.Error("a broken key file was accepted")
	}
}

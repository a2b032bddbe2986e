package intake

import (
	"context"
	"testing"

	"qingfeng/nlp"
)

func TestCorrectionsBecomeTrainingExamples(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _ := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "web", SenderID: "c1", Anonymous: true, Text: "他们单位的领导天天不上班，工资照拿。我的电话13812345678。"})
		if err != nil {
			t.Fatal(err)
		}
		tk := rc.Ticket
		if _, err := in.Correct(ctx, tk.ID, tk.Version, "op", RoleOperator, "inaction", nlp.Subject{}); CodeOf(err) != CodeForbidden {
			t.Errorf("an operator corrected: %v", err)
		}
		if _, err := in.Correct(ctx, tk.ID, tk.Version, "i", RoleIntake, "bribery", nlp.Subject{}); CodeOf(err) != CodeInvalid {
			t.Errorf("unknown category: %v", err)
		}
		if _, err := in.Correct(ctx, tk.ID, tk.Version, "i", RoleIntake, tk.Category, nlp.Subject{}); CodeOf(err) != CodeInvalid {
			t.Errorf("no change: %v", err)
		}
		fixed, err := in.Correct(ctx, tk.ID, tk.Version, "intake-1", RoleIntake, "lax_discipline", nlp.Subject{Position: "局长", Unit: "县林业局"})
		if err != nil {
			t.Fatal(err)
		}
		if fixed.Category != "lax_discipline" || fixed.SubjectUnit != "县林业局" || fixed.SubjectRank != "township" || !fixed.Corrected {
			t.Errorf("corrected ticket %+v", fixed)
		}
		if ids, _ := s.Find(ctx, "category", "lax_discipline", 10); len(ids) != 1 {
			t.Errorf("category index after correction: %v", ids)
		}
		if ids, _ := s.Find(ctx, "category", tk.Category, 10); len(ids) != 0 && tk.Category != "lax_discipline" {
			t.Errorf("old category index still holds it: %v", ids)
		}
		if _, err := in.Correct(ctx, tk.ID, tk.Version, "i", RoleIntake, "inaction", nlp.Subject{}); CodeOf(err) != CodeConflict {
			t.Errorf("stale version: %v", err)
		}
		ex, err := s.CorrectedExamples(ctx)
		if err != nil || len(ex) != 1 || ex[0].Category != "lax_discipline" || ex[0].Unit != "县林业局" ||
			ex[0].Text != "他们单位的领导天天不上班，工资照拿。我的电话138****5678。" {
			t.Errorf("examples %+v, %v", ex, err)
		}
		entries, _ := s.Audit(ctx, tk.ID)
		if last := entries[len(entries)-1]; last.Action != ActCorrect || last.Actor != "intake-1" {
			t.Errorf("audit %+v", last)
		}
		if bad, err := s.VerifyAudit(ctx, tk.ID); bad != -1 || err != nil {
			t.Errorf("chain: %d %v", bad, err)
		}
	})
}

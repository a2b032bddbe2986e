package intake

import (
	"context"
	"testing"
)

func TestPublicStatusAndSupplements(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		in, s, _ := testIntake(t, c)
		ctx := context.Background()
		rc, err := in.Submit(ctx, Report{Channel: "web", SenderID: "p1", Anonymous: true, Text: "乡政府强拆我家猪圈"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := in.Status(ctx, rc.Ticket.ID, rc.QueryCode)
		if err != nil || st.Status != StatusReceived || st.Number != rc.Ticket.ID || len(st.Replies) != 0 {
			t.Fatalf("status: %+v, %v", st, err)
		}
		if _, err := in.Status(ctx, " "+rc.Ticket.ID+" ", " "+rc.QueryCode+" "); err != nil {
			t.Errorf("spaces around number and code: %v", err)
		}
		// Wrong code and unknown number: the same answer.
		_, wrongCode := in.Status(ctx, rc.Ticket.ID, "AAAAAAAAAAAA")
		_, noTicket := in.Status(ctx, "QF-20260302-999999", rc.QueryCode)
		_, garbage := in.Status(ctx, "hello", "")
		for _, err := range []error{wrongCode, noTicket, garbage} {
			if CodeOf(err) != CodeNotFound || err.Error() != wrongCode.Error() {
				t.Errorf("answers differ: %v / %v", err, wrongCode)
			}
		}
		if _, err := in.Supplement(ctx, rc.Ticket.ID, rc.QueryCode, "补充：拆的时候还打了我父亲，有视频。"); err != nil {
			t.Fatal(err)
		}
		if _, err := in.Supplement(ctx, rc.Ticket.ID, "WRONG", "x"); CodeOf(err) != CodeNotFound {
			t.Errorf("supplement with a wrong code: %v", err)
		}
		if _, err := in.Supplement(ctx, rc.Ticket.ID, rc.QueryCode, "  "); CodeOf(err) != CodeInvalid {
			t.Errorf("empty supplement: %v", err)
		}
		sup, _ := s.Supplements(ctx, rc.Ticket.ID)
		if len(sup) != 1 {
			t.Errorf("supplements %v", sup)
		}
		if bad, err := s.VerifyAudit(ctx, rc.Ticket.ID); bad != -1 || err != nil {
			t.Errorf("audit after supplement: %d %v", bad, err)
		}
	})
}

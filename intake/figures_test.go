package intake

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestFiguresRates(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		cal, _ := NewCalendar()
		limits, _ := LoadLimits(nil)
		ctx := context.Background()
		var ids []*Ticket
		for i, due := range []Date{{2026, 2, 27}, {2026, 4, 30}, {2026, 4, 30}} {
			tk := sampleTicket(fmt.Sprint("web:fig-", i))
			if i == 2 {
				tk.Related = "QF-20260301-000001"
			}
			created, _, err := s.Create(ctx, tk, "web", RoleSystem)
			if err != nil {
				t.Fatal(err)
			}
			created, _ = s.Apply(ctx, created.ID, created.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"})
			created, err = s.Apply(ctx, created.ID, created.Version, Move{Action: ActRoute, Role: RoleIntake, Actor: "i", Mode: ModeDirect, Body: "县纪委第一室", Due: due})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, created)
		}
		// The first is overdue when the scanner passes (the store's clock is 2 March).
		if _, err := NewScanner(s, cal, limits).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		for i, finding := range []string{"属实", "不属实"} {
			tk := ids[i]
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActStart, Role: RoleHandler, Actor: "h"})
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActReport, Role: RoleHandler, Actor: "h", Finding: finding, Disposal: "初步核实"})
			conclude := Move{Action: ActConclude, Role: RoleLeader, Actor: "l", Finding: finding, Disposal: "初步核实"}
			if finding == "属实" {
				conclude.Held, conclude.Measures = true, []string{"批评教育", "通报批评"}
			}
			tk, err := s.Apply(ctx, tk.ID, tk.Version, conclude)
			if err != nil {
				t.Fatal(err)
			}
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActReply, Role: RoleIntake, Actor: "i", Reply: "已办结"})
			if _, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActFollowUp, Role: RoleIntake, Actor: "i", Satisfaction: []string{"基本满意", "不满意"}[i]}); err != nil {
				t.Fatal(err)
			}
		}
		f, err := s.Figures(ctx, time.Date(2026, 3, 1, 0, 0, 0, 0, chinaTime), time.Date(2026, 4, 1, 0, 0, 0, 0, chinaTime))
		if err != nil {
			t.Fatal(err)
		}
		if f.Total != 3 || f.Finished != 2 || f.Concluded != 2 || f.OnTime != 0.5 || f.Substantiated != 0.5 || f.ByMode["direct"] != 3 {
			t.Errorf("figures %+v", f)
		}
		if differ, err := s.RecountFigures(ctx, false); err != nil || len(differ) > 0 {
			t.Errorf("counters differ from a recount on %v (%v)", differ, err)
		}
		if f.FollowedUp != 2 || f.Satisfaction != 0.5 || f.ByMeasure["批评教育"] != 1 || f.ByMeasure["通报批评"] != 1 || len(f.ByMeasure) != 2 {
			t.Errorf("follow-ups %d, satisfaction %v, measures %v", f.FollowedUp, f.Satisfaction, f.ByMeasure)
		}
		if f.Repeats < 0.33 || f.Repeats > 0.34 {
			t.Errorf("repeats %v", f.Repeats)
		}
		if empty, _ := s.Figures(ctx, time.Date(2025, 1, 1, 0, 0, 0, 0, chinaTime), time.Date(2025, 2, 1, 0, 0, 0, 0, chinaTime)); empty.Total != 0 || empty.OnTime != 0 {
			t.Errorf("an empty period: %+v", empty)
		}
	})
}

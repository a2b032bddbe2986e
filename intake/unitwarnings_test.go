package intake

import (
	"context"
	"fmt"
	"testing"
)

func TestUnitWarnings(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		cal, _ := NewCalendar()
		limits, err := LoadLimits(nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		past := Date{2026, 2, 27} // before the store's clock (2 March)
		seq := 0
		seed := func(unit string, n int, finish func(*Ticket) *Ticket) {
			for i := 0; i < n; i++ {
				seq++
				tk := sampleTicket(fmt.Sprintf("web:unit-%d", seq))
				tk.SubjectUnit = unit
				created, _, err := s.Create(ctx, tk, "web", RoleSystem)
				if err != nil {
					t.Fatal(err)
				}
				created, _ = s.Apply(ctx, created.ID, created.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"})
				created, err = s.Apply(ctx, created.ID, created.Version, Move{Action: ActRoute, Role: RoleIntake, Actor: "i", Mode: ModeAssigned, Body: "县纪委第一室", Due: past})
				if err != nil {
					t.Fatal(err)
				}
				finish(created)
			}
		}
		leave := func(t *Ticket) *Ticket { return t }
		substantiate := func(tk *Ticket) *Ticket {
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActStart, Role: RoleHandler, Actor: "h"})
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActReport, Role: RoleHandler, Actor: "h", Finding: "属实", Disposal: "初步核实"})
			tk, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActConclude, Role: RoleLeader, Actor: "l", Finding: "属实", Disposal: "初步核实"})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		seed("县住建局", 6, leave)        // 6 overdue: red
		seed("县教育局", 2, leave)        // 2 overdue: yellow
		seed("县民政局", 3, substantiate) // 3 substantiated, none overdue: orange
		seed("县林业局", 1, leave)        // 1 overdue: no warning
		sc := NewScanner(s, cal, limits)
		if _, err := sc.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := sc.UnitWarnings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []UnitWarning{
			{Unit: "县住建局", Overdue: 6, Level: LevelRed},
			{Unit: "县民政局", Substantiated: 3, Level: LevelOrange},
			{Unit: "县教育局", Overdue: 2, Level: LevelYellow},
		}
		if differ, err := s.RecountFigures(ctx, false); err != nil || len(differ) > 0 {
			t.Errorf("counters differ from a recount on %v (%v)", differ, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("unit warnings\n got %+v\nwant %+v", got, want)
		}
	})
}

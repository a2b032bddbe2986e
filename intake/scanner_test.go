package intake

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Several scanners at once: every warning and every escalation happens exactly once.
func TestScannersWarnAndEscalateExactlyOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		rdb, ns := c.rdb, c.ns
		o, _ := LoadOutcomes(nil)
		cal, err := NewCalendar()
		if err != nil {
			t.Fatal(err)
		}
		limits, _ := LoadLimits(nil)
		var mu sync.Mutex
		clock := time.Date(2026, 3, 2, 9, 0, 0, 0, chinaTime)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		setClock := func(d Date) { mu.Lock(); clock = d.time().Add(10 * time.Hour); mu.Unlock() }
		s := NewStore(rdb, ns, o, now)
		ctx := context.Background()

		due := cal.AddWorkingDays(Date{2026, 3, 2}, limits.AssignedResult) // 2026-04-14
		var ids []string
		for i, mode := range []string{ModeAssigned, ModeAssigned, ModeDirect} {
			tk, _, err := s.Create(ctx, sampleTicket(fmt.Sprintf("web:scan-%d", i)), "web", RoleSystem)
			if err != nil {
				t.Fatal(err)
			}
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"})
			if _, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActRoute, Role: RoleIntake, Actor: "i", Mode: mode, Body: "县纪委第二室", Due: due}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		scanAll := func() ScanResult {
			var total ScanResult
			var wg sync.WaitGroup
			var tmu sync.Mutex
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := NewScanner(s, cal, limits).Scan(ctx)
					if err != nil {
						t.Error(err)
					}
					tmu.Lock()
					total.Warned += r.Warned
					total.Escalated += r.Escalated
					tmu.Unlock()
				}()
			}
			wg.Wait()
			return total
		}
		steps := []struct {
			day            Date
			warned, escal  int
			modeOfAssigned string
			levels         []BodyLevels // the body's standing after the scan
		}{
			{Date{2026, 3, 10}, 0, 0, ModeAssigned, []BodyLevels{}},                            // 6 of 30 working days
			{Date{2026, 3, 23}, 3, 0, ModeAssigned, []BodyLevels{{Body: "县纪委第二室", Yellow: 3}}}, // yellow for all three
			{Date{2026, 3, 24}, 0, 0, ModeAssigned, []BodyLevels{{Body: "县纪委第二室", Yellow: 3}}}, // still yellow: nothing new
			{Date{2026, 4, 3}, 3, 0, ModeAssigned, []BodyLevels{{Body: "县纪委第二室", Orange: 3}}},  // orange
			{Date{2026, 4, 15}, 3, 2, ModeSupervised, []BodyLevels{{Body: "县纪委第二室", Red: 3}}},  // red; the two assigned ones escalate
			{Date{2026, 4, 16}, 0, 0, ModeSupervised, []BodyLevels{{Body: "县纪委第二室", Red: 3}}},  // nothing twice
		}
		for _, st := range steps {
			setClock(st.day)
			got := scanAll()
			if got.Warned != st.warned || got.Escalated != st.escal {
				t.Errorf("%s: warned %d escalated %d, want %d and %d", st.day, got.Warned, got.Escalated, st.warned, st.escal)
			}
			levels, at, err := NewScanner(s, cal, limits).BodyLevels(ctx)
			if err != nil || fmt.Sprint(levels) != fmt.Sprint(st.levels) || !at.Equal(st.day.time().Add(10*time.Hour)) {
				t.Errorf("%s: body levels %+v at %s (%v), want %+v", st.day, levels, at, err, st.levels)
			}
			tk, _ := s.Get(ctx, ids[0])
			if tk.Mode != st.modeOfAssigned {
				t.Errorf("%s: assigned ticket is %s", st.day, tk.Mode)
			}
		}
		events, _ := rdb.XRange(ctx, s.key("events"), "-", "+").Result()
		warnings := 0
		for _, e := range events {
			if e.Values["type"] == "warning" {
				warnings++
			}
		}
		if warnings != 9 {
			t.Errorf("%d warning events, want 9 (3 tickets × 3 levels)", warnings)
		}
		entries, _ := s.Audit(ctx, ids[0])
		last := entries[len(entries)-1]
		if last.Action != ActEscalate || last.Role != RoleSystem || last.Note == "" {
			t.Errorf("last audit entry %+v, want the escalation with its chasing notice", last)
		}
		if direct, _ := s.Get(ctx, ids[2]); direct.Mode != ModeDirect {
			t.Errorf("a direct ticket was escalated")
		}
	})
}

func TestCalendarsReachEveryInstance(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		limits, _ := LoadLimits(nil)
		ctx := context.Background()
		calA, _ := NewCalendar()
		calB, _ := NewCalendar()
		a, b := NewScanner(s, calA, limits), NewScanner(s, calB, limits)
		if st := a.CalendarStatus(); !st.ThisPublished || st.NextPublished || st.ThisYear != 2026 {
			t.Errorf("before: %+v", st)
		}
		if _, err := a.SaveCalendar(ctx, []byte("year: 2027\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\nworkdays: [2027-01-01]\n")); err == nil {
			t.Error("a self-contradicting calendar was saved")
		}
		year, err := a.SaveCalendar(ctx, []byte("year: 2027\nsource: test\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-03}]\n"))
		if err != nil || year != 2027 || !a.CalendarStatus().NextPublished {
			t.Fatalf("save: %d %v %+v", year, err, a.CalendarStatus())
		}
		if calB.Published(2027) {
			t.Fatal("instance b knew before its scan")
		}
		if _, err := b.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if !calB.Published(2027) || calB.IsWorkingDay(Date{2027, 1, 1}) {
			t.Errorf("after its scan instance b has %v", calB.Years())
		}
	})
}

// The deadline a route form offers, and the level a queue shows, follow the time limits
// in working days.
func TestDefaultDueAndLevel(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c) // today is Monday 2 March 2026
		cal, _ := NewCalendar()
		limits, _ := LoadLimits(nil)
		sc := NewScanner(s, cal, limits)
		for mode, want := range map[string]Date{ModeAssigned: {2026, 4, 14}, ModeDirect: {2026, 4, 14},
			ModeTransferred: {2026, 3, 9}, ModeSupervised: {2026, 3, 23}} {
			if got := sc.DefaultDue(mode); got != want {
				t.Errorf("%s: due %s, want %s", mode, got, want)
			}
		}
		open := &Ticket{Status: StatusRouted, CreatedAt: time.Date(2026, 2, 2, 9, 0, 0, 0, chinaTime), DueStart: Date{2026, 2, 2}}
		for _, tc := range []struct {
			due  Date
			want Level
		}{{Date{2026, 3, 1}, LevelRed}, {Date{2026, 3, 6}, LevelOrange}, {Date{2026, 4, 30}, LevelNone}} {
			open.Due = tc.due
			if got := sc.Level(open); got != tc.want {
				t.Errorf("due %s: level %q, want %q", tc.due, got, tc.want)
			}
		}
		closed := *open
		closed.Status, closed.Due = StatusConcluded, Date{2026, 3, 1}
		if got := sc.Level(&closed); got != LevelNone {
			t.Errorf("a concluded ticket has level %q", got)
		}
	})
}

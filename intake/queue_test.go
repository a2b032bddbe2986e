package intake

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

func TestQueueWorkingOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		create := func(n int, urgent bool, category string) *Ticket {
			tk := sampleTicket(fmt.Sprint("web:queue-", n))
			tk.Urgent, tk.Category = urgent, category
			created, _, err := s.Create(ctx, tk, "web", RoleSystem)
			if err != nil {
				t.Fatal(err)
			}
			return created
		}
		route := func(tk *Ticket, body string, due Date) *Ticket {
			tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"})
			tk, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActRoute, Role: RoleIntake, Actor: "i", Mode: ModeAssigned, Body: body, Due: due})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		waiting, urgent := create(1, false, "extortion"), create(2, true, "extortion")
		late := route(create(3, false, "extortion"), "town-a1", Date{2026, 3, 20})
		soon := route(create(4, false, "extortion"), "county-b", Date{2026, 3, 10})
		mid := route(create(5, false, "inaction"), "town-a1", Date{2026, 3, 15})
		ids := func(ts ...*Ticket) []string {
			out := []string{}
			for _, tk := range ts {
				out = append(out, tk.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			status Status
			bodies []string
			filter QueueFilter
			want   []string
		}{
			{"intake waits first come, first served, danger first", StatusReceived, nil, nil, ids(urgent, waiting)},
			{"running deadlines: the nearest first", StatusRouted, nil, nil, ids(soon, mid, late)},
			{"one body's", StatusRouted, []string{"town-a1"}, nil, ids(mid, late)},
			{"a subtree's", StatusRouted, []string{"county-a", "town-a1"}, nil, ids(mid, late)},
			{"filtered by category", StatusRouted, nil, QueueFilter{"category": "inaction"}, ids(mid)},
			{"a body and a filter", StatusRouted, []string{"county-b", "town-a1"}, QueueFilter{"mode": ModeAssigned, "category": "extortion"}, ids(soon, late)},
			{"an empty status", StatusClosed, nil, nil, ids()},
		} {
			got, err := s.Queue(ctx, tc.status, tc.bodies, tc.filter, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		if got, _ := s.Queue(ctx, StatusRouted, nil, nil, 2); len(got) != 2 {
			t.Errorf("limit 2 gave %v", got)
		}
		all, _ := s.CountByStatus(ctx, nil)
		mine, _ := s.CountByStatus(ctx, []string{"county-a", "town-a1"})
		if all[StatusRouted] != 3 || all[StatusReceived] != 2 || mine[StatusRouted] != 2 || mine[StatusReceived] != 0 {
			t.Errorf("counts: all %v, county-a's %v", all, mine)
		}
		if left, _ := c.rdb.Keys(ctx, "qf:{"+c.ns+"}:tmp:*").Result(); len(left) > 0 {
			t.Errorf("scratch keys left behind: %v", left)
		}
	})
}

func TestAllowedMoves(t *testing.T) {
	for _, tc := range []struct {
		status Status
		role   Role
		want   []Action
	}{
		{StatusReceived, RoleIntake, []Action{ActAccept, ActReject, ActMerge}},
		{StatusReceived, RoleHandler, []Action{}},
		{StatusRouted, RoleHandler, []Action{ActSendBack, ActStart}},
		{StatusReported, RoleLeader, []Action{ActConclude, ActReturn}},
		{StatusInProgress, RoleLeader, []Action{ActEscalate}},
		{StatusClosed, RoleLeader, []Action{ActReopen}},
	} {
		if got := Allowed(tc.status, tc.role); !slices.Equal(got, tc.want) {
			t.Errorf("Allowed(%s, %s) = %v, want %v", tc.status, tc.role, got, tc.want)
		}
	}
}

// After an upgrade that adds an index, reindex files the existing tickets under it.
func TestReindexRestoresIndexes(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		tk, _, err := s.Create(ctx, sampleTicket("web:reindex"), "web", RoleSystem)
		if err != nil {
			t.Fatal(err)
		}
		tk, _ = s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"})
		if _, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActRoute, Role: RoleIntake, Actor: "i", Mode: ModeAssigned, Body: "town-a1", Due: Date{2026, 3, 20}}); err != nil {
			t.Fatal(err)
		}
		key := s.key("idx", "body_status", "town-a1|routed")
		c.rdb.Del(ctx, key) // as before body_status existed
		if got, _ := s.Queue(ctx, StatusRouted, []string{"town-a1"}, nil, 10); len(got) != 0 {
			t.Fatalf("queue without the index: %v", got)
		}
		if n, err := s.Reindex(ctx); err != nil || n != 1 {
			t.Fatalf("reindex: %d %v", n, err)
		}
		if got, _ := s.Queue(ctx, StatusRouted, []string{"town-a1"}, nil, 10); len(got) != 1 || got[0] != tk.ID {
			t.Errorf("after reindex: %v", got)
		}
	})
}

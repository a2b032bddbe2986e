package main

import (
	"context"
	"io"
	"testing"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/internal/testkit"
)

// The seeding staffload measures with takes tickets along the whole lifecycle, in the
// shares it promises, and leaves counters that match a fresh count.
func TestSeedTicketsCoverTheLifecycle(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t)
	ns := redistest.Namespace(t, rdb)
	k := testkit.Build(t, testkit.Analyzer(t), rdb, ns)
	if err := seedTickets(ctx, rdb, ns, k.Analyzer, k.Keys, 40, 4, io.Discard); err != nil {
		t.Fatal(err)
	}
	counts, err := k.Store.CountByStatus(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[intake.Status]int{intake.StatusReceived: 12, intake.StatusAccepted: 4, intake.StatusRouted: 6,
		intake.StatusInProgress: 4, intake.StatusReported: 4, intake.StatusConcluded: 8, intake.StatusReplied: 2}
	for st, n := range want {
		if counts[st] != n {
			t.Errorf("%s: %d tickets, want %d (all: %v)", st, counts[st], n, counts)
		}
	}
	if differ, err := k.Store.RecountFigures(ctx, false); err != nil || len(differ) > 0 {
		t.Errorf("seeded counters differ from a recount on %v (%v)", differ, err)
	}
}

package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// A worker that dies after reading leaves its events pending; another worker takes them
// over, and every event is handled, none twice once acknowledged.
func TestEventsAreHandledAtLeastOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			if _, _, err := s.Create(ctx, sampleTicket(fmt.Sprintf("sms:ev-%d", i)), "gw", RoleSystem); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.Consumer(ctx, "notify", "worker-a")
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Next(ctx, 10, 0)
		if err != nil || len(got) != 3 || got[0].Type != "created" || got[0].Ticket != "QF-20260302-000001" {
			t.Fatalf("first read: %+v, %v", got, err)
		}
		if err := a.Ack(ctx, got[0]); err != nil {
			t.Fatal(err)
		}
		// worker-a dies here, two events unacknowledged.
		b, err := s.Consumer(ctx, "notify", "worker-b")
		if err != nil {
			t.Fatal(err)
		}
		b.MinIdle = 0
		again, err := b.Next(ctx, 10, 0)
		if err != nil || len(again) != 2 || again[0].Ticket != "QF-20260302-000002" {
			t.Fatalf("takeover: %+v, %v", again, err)
		}
		if err := b.Ack(ctx, again...); err != nil {
			t.Fatal(err)
		}
		if n, err := b.Pending(ctx); err != nil || n != 0 {
			t.Errorf("pending after acks: %d, %v", n, err)
		}
		if more, err := b.Next(ctx, 10, 0); err != nil || len(more) != 0 {
			t.Errorf("nothing new, got %+v, %v", more, err)
		}
		// A second group sees every event on its own.
		audit, err := s.Consumer(ctx, "statistics", "w")
		if err != nil {
			t.Fatal(err)
		}
		if all, err := audit.Next(ctx, 10, 0); err != nil || len(all) != 3 {
			t.Errorf("second group read %d events, %v", len(all), err)
		}
	})
}

func TestLiveChangesArePublished(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		s := testStore(t, c)
		ctx := context.Background()
		sub := s.Live(ctx)
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil { // the subscription confirmation
			t.Fatal(err)
		}
		sample := sampleTicket("sms:live")
		sample.Operator = "op7"
		tk, _, err := s.Create(ctx, sample, "gw", RoleSystem)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx, tk.ID, tk.Version, Move{Action: ActAccept, Role: RoleIntake, Actor: "i"}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []LiveEvent{{Event: "created", Ticket: tk.ID, Status: StatusReceived, Operator: "op7"},
			{Event: "moved", Ticket: tk.ID, Detail: "accept", Status: StatusAccepted, Operator: "op7"}} {
			select {
			case m := <-sub.Channel():
				var got LiveEvent
				if err := json.Unmarshal([]byte(m.Payload), &got); err != nil || got != want {
					t.Errorf("got %q, want %+v", m.Payload, want)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("no live message %q", want)
			}
		}
	})
}

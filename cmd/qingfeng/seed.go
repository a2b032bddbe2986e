package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/nlp"
	"qingfeng/staff"
)

// sampleBodies is the tree of bodies seeded data is routed to.
const sampleBodies = `
- {id: city, name: 市纪委监委}
- {id: county-a, name: 甲县纪委监委, parent: city}
- {id: county-b, name: 乙县纪委监委, parent: city}
- {id: town-a1, name: 甲县城关镇纪委, parent: county-a}
- {id: town-a2, name: 甲县河西镇纪委, parent: county-a}
- {id: town-b1, name: 乙县东关镇纪委, parent: county-b}
- {id: team-edu, name: 派驻县教育局纪检监察组, parent: county-a}
`

var seedRoutes = []string{"town-a1", "town-a2", "town-b1", "team-edu", "county-a", "county-b"}

// seedTickets files n complaints from the training corpus through the whole intake
// (analysis, routing, repeats, indexes), spread over the last 90 days, and moves them
// along the lifecycle so every queue and figure has data: 30 % wait for intake, the
// rest are accepted, routed, in progress, reported, concluded or replied. Each worker
// has its own clock, so tickets carry their seeded days.
func seedTickets(ctx context.Context, rdb redis.UniversalClient, ns string, analyzer *nlp.Analyzer, keys *intake.Keyring,
	n, workers int, progress io.Writer) error {
	corpus, err := nlp.ParseCorpus(nlp.DefaultCorpusText())
	if err != nil {
		return err
	}
	outcomes, err := intake.LoadOutcomes(nil)
	if err != nil {
		return err
	}
	if _, err := staff.NewDirectory(rdb, ns, keys).LoadBodies(ctx, []byte(sampleBodies)); err != nil {
		return err
	}
	start, runID := time.Now(), strconv.FormatInt(time.Now().UnixNano(), 36)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			var at time.Time
			store := intake.NewStore(rdb, ns, outcomes, func() time.Time { return at }, intake.WithKeyring(keys))
			in := intake.NewIntake(store, analyzer, keys)
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				at = start.Add(-time.Duration(i%90)*24*time.Hour - time.Duration(i%600)*time.Minute)
				ex := corpus[i%int64(len(corpus))]
				channel := []string{"web", "sms", "hotline"}[i%3]
				rc, err := in.Submit(ctx, intake.Report{Channel: channel, SenderID: fmt.Sprintf("seed-%s-%d", runID, i), Text: ex.Text,
					Anonymous: true, Actor: "seed", Role: intake.RoleSystem})
				if err == nil {
					err = seedMoves(ctx, store, rc.Ticket, int(i), &at)
				}
				if err != nil {
					errs <- fmt.Errorf("seed ticket %d: %w", i, err)
					return
				}
				if d := done.Add(1); d%10000 == 0 {
					fmt.Fprintf(progress, "seeded %d tickets (%.0f/s)\n", d, float64(d)/time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// seedMoves takes ticket i as far along the lifecycle as its place in twenty says.
func seedMoves(ctx context.Context, store *intake.Store, t *intake.Ticket, i int, at *time.Time) error {
	stage := i % 20
	finding := []string{"属实", "部分属实", "不属实"}[i%3]
	steps := []intake.Move{
		{Action: intake.ActAccept, Role: intake.RoleIntake, Actor: "seed-intake"},
		{Action: intake.ActRoute, Role: intake.RoleIntake, Actor: "seed-intake", Mode: []string{intake.ModeAssigned, intake.ModeDirect}[i%2],
			Body: seedRoutes[i%len(seedRoutes)], Due: intake.DateOf(*at).AddDays(30)},
		{Action: intake.ActStart, Role: intake.RoleHandler, Actor: "seed-handler"},
		{Action: intake.ActReport, Role: intake.RoleHandler, Actor: "seed-handler", Finding: finding, Disposal: "初步核实"},
		{Action: intake.ActConclude, Role: intake.RoleLeader, Actor: "seed-leader", Finding: finding, Disposal: "初步核实"},
		{Action: intake.ActReply, Role: intake.RoleIntake, Actor: "seed-intake", Reply: "您反映的问题已核查办结。"},
	}
	// stage 0-5 received, 6-7 accepted, 8-10 routed, 11-12 in progress, 13-14 reported,
	// 15-18 concluded, 19 replied.
	upTo := 0
	for _, bound := range []int{6, 8, 11, 13, 15, 19} {
		if stage >= bound {
			upTo++
		}
	}
	for _, m := range steps[:upTo] {
		*at = at.Add(time.Hour)
		next, err := store.Apply(ctx, t.ID, t.Version, m)
		if err != nil {
			return err
		}
		t = next
	}
	return nil
}

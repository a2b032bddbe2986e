// Package testkit assembles, for tests above intake, the real stack they run on: the
// language pipeline (loaded once per test binary), a real Redis under a namespace of the
// test's own, the ticket store and intake.
package testkit

import (
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/nlp"
)

var (
	once     sync.Once
	analyzer *nlp.Analyzer
	loadErr  error
)

// Analyzer is the default pipeline, loaded once (about a second).
func Analyzer(tb testing.TB) *nlp.Analyzer {
	tb.Helper()
	once.Do(func() { analyzer, loadErr = nlp.New(nlp.Options{}) })
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	return analyzer
}

// Kit is one test's stack.
type Kit struct {
	Analyzer *nlp.Analyzer
	Redis    *redis.Client
	NS       string
	Store    *intake.Store
	Intake   *intake.Intake
	Scanner  *intake.Scanner
	Outcomes intake.Outcomes
	Keys     *intake.Keyring // the fixed test key
}

// testKey is the fixed encryption key of tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// SecretKey is testKey as QINGFENG_SECRET_KEY gives it, for commands that must open
// what a kit sealed.
var SecretKey = base64.StdEncoding.EncodeToString(testKey)

// New builds the stack for tb on real Redis.
func New(tb testing.TB) *Kit {
	tb.Helper()
	a := Analyzer(tb)
	rdb := redistest.Client(tb)
	return Build(tb, a, rdb, redistest.Namespace(tb, rdb))
}

// Build assembles the stack on a given client and namespace (a Redis that is down, say).
func Build(tb testing.TB, a *nlp.Analyzer, rdb *redis.Client, ns string) *Kit {
	tb.Helper()
	outcomes, err := intake.LoadOutcomes(nil)
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := intake.NewKeyring([][]byte{testKey})
	if err != nil {
		tb.Fatal(err)
	}
	cal, err := intake.NewCalendar()
	if err != nil {
		tb.Fatal(err)
	}
	limits, err := intake.LoadLimits(nil)
	if err != nil {
		tb.Fatal(err)
	}
	store := intake.NewStore(rdb, ns, outcomes, time.Now, intake.WithKeyring(keys))
	return &Kit{Analyzer: a, Redis: rdb, NS: ns, Store: store, Intake: intake.NewIntake(store, a, keys),
		Scanner: intake.NewScanner(store, cal, limits), Outcomes: outcomes, Keys: keys}
}

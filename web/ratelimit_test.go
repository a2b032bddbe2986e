package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"QF-20261124-000001", "QF-20261124-000001", true},
		{"qf-20261124-000001", "QF-20261124-000001", true},
		{" QF-20261124-000001", "QF-20261124-000001", true},
		{"QF-20261124-000001\t", "QF-20261124-000001", true},
		{"\t qF-20261124-1234567 ", "QF-20261124-1234567", true},
		{"QF-20261124-00001", "", false},
		{"QF-2026112-000001", "", false},
		{"QF-20261124-000001x", "", false},
		{"QF-20261124 -000001", "", false},
		{"ＱＦ-20261124-000001", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := canonicalNumber(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("%q: %q %v, want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// An outsider tries 40 wrong codes against one ticket, rotating X-Forwarded-For and
// respelling the number. Neither buys a fresh budget: the peer is no trusted proxy, and
// every spelling is the same number. With the README's limits (30 a minute per client,
// 10 per number) exactly 10 are checked; the rest get 429 with a Chinese message and
// Retry-After, and leave no Redis key behind. A trusted proxy's clients are told apart,
// yet the number's budget still holds.
func TestStatusGuessingWithRotatedAddressesAndRespelledNumbers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies string
	}{{"untrusted peer", ""}, {"trusted proxy", "127.0.0.0/8"}} {
		t.Run(tt.name, func(t *testing.T) {
			proxies, err := ParseTrustedProxies(tt.proxies)
			if err != nil {
				t.Fatal(err)
			}
			frozen := time.Now() // no budget refills during the test
			e := newEnvWith(t, func(c *Config) {
				c.StatusPerIP, c.StatusPerNumber, c.TrustedProxies = 30, 10, proxies
				c.Now = func() time.Time { return frozen }
			})
			_, out := e.post(t, "/api/v1/webhooks/hotline", CallEvent{CallID: "guess", Event: "hangup", Transcript: "镇长公车私用。"}, 0)
			number, _ := out["ticket"].(string)
			if number == "" {
				t.Fatalf("no ticket: %v", out)
			}
			spellings := []string{number, strings.ToLower(number), " " + number, number + "\t", "\t" + strings.Replace(number, "QF", "Qf", 1) + " "}
			for i := 0; i < 40; i++ {
				want := http.StatusNotFound
				if i >= 10 {
					want = http.StatusTooManyRequests
				}
				code, body, retry := e.guess(t, spellings[i%len(spellings)], fmt.Sprintf("198.51.%d.%d", i/200, i%200+1))
				if code != want {
					t.Errorf("guess %d (%q): %d, want %d", i+1, spellings[i%len(spellings)], code, want)
				}
				if code == http.StatusTooManyRequests && (body["message"] != messages["rate_limited"] || retry == "") {
					t.Errorf("guess %d: 429 with %v, Retry-After %q", i+1, body, retry)
				}
			}
			// Spellings that are no number at all are answered alike and leave no key.
			for _, bad := range []string{"QF-" + number[3:11] + "--000001", "QF-20261124-1", "x" + number} {
				if code, _, _ := e.guess(t, bad, "198.51.100.200"); code != http.StatusNotFound {
					t.Errorf("%q: %d, want 404", bad, code)
				}
			}
			var limits []string
			for k := range e.webKeys(t) {
				if strings.Contains(k, ":rl:") {
					limits = append(limits, k)
				}
				if strings.Contains(k, "198.51.") || strings.Contains(k, "127.0.0.1") {
					t.Errorf("a key names a client address: %s", k)
				}
			}
			wantKeys := 2 // one client, one number
			if tt.proxies != "" {
				wantKeys = 1 + 10 // each checked guess came from another client
			}
			if len(limits) != wantKeys {
				t.Errorf("%d limit keys, want %d: %v", len(limits), wantKeys, limits)
			}
		})
	}
}

// guess asks for a ticket's status with a wrong code, from the given X-Forwarded-For.
func (e *env) guess(t *testing.T, number, xff string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/tickets/"+url.PathEscape(number), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Query-Code", "AAAAAAAAAAAA")
	req.Header.Set("X-Forwarded-For", xff)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header.Get("Retry-After")
}

// The limits are one script: many requests racing past them spend no more than the budget.
func TestStatusLimitHoldsUnderRacingRequests(t *testing.T) {
	frozen := time.Now()
	e := newEnvWith(t, func(c *Config) {
		c.StatusPerIP, c.StatusPerNumber = 1000, 10
		c.Now = func() time.Time { return frozen }
	})
	ctx := context.Background()
	results := make(chan error, 50)
	for i := 0; i < 50; i++ {
		go func() {
			results <- e.site.allow(ctx, limit{Key: e.site.key("rl", "num", "QF-20260101-000001"), Count: 10, Per: time.Minute})
		}()
	}
	allowed := 0
	for i := 0; i < 50; i++ {
		if <-results == nil {
			allowed++
		}
	}
	if allowed != 10 {
		t.Errorf("%d of 50 racing requests allowed, want 10", allowed)
	}
}

// One client asking about many numbers: rotating X-Forwarded-For from a peer that is no
// trusted proxy does not make it many clients.
func TestStatusLimitPerClientIgnoresForgedAddresses(t *testing.T) {
	frozen := time.Now()
	e := newEnvWith(t, func(c *Config) {
		c.StatusPerIP, c.StatusPerNumber = 5, 100
		c.Now = func() time.Time { return frozen }
	})
	for i := 0; i < 8; i++ {
		want := http.StatusNotFound
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		if code, _, _ := e.guess(t, fmt.Sprintf("QF-20260101-%06d", i+1), fmt.Sprintf("203.0.113.%d", i+1)); code != want {
			t.Errorf("number %d: %d, want %d", i+1, code, want)
		}
	}
}

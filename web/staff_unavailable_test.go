package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"
)

// With the store gone after login, the staff pages answer 503 with the staff's message
// (the service, not their session, is the trouble) and nothing logs the user out: no 401,
// which the console takes as the cue to show the login page, and no cookie cleared. A
// citizen's page says it in the citizen's words.
func TestStaffStoreDownIsNotALogout(t *testing.T) {
	addr, _ := startOwnRedis(t)
	t.Setenv("QINGFENG_TEST_REDIS", "redis://"+addr+"/0") // newStaffEnv's Redis is this one
	e, logins := newStaffEnv(t)
	l := logins["handler-a"]
	tk := e.tickets["a"]
	send := func(method, path string, body any) (*http.Response, map[string]string) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", l.csrf)
		req.AddCookie(&http.Cookie{Name: staffCookie, Value: l.cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	requests := []struct {
		name, method, path string
		body               any
	}{
		{"session check", http.MethodGet, "/staff/api/me", nil},
		{"ticket page", http.MethodGet, "/staff/api/tickets/" + tk.ID, nil},
		{"move", http.MethodPost, "/staff/api/tickets/" + tk.ID + "/moves", map[string]any{"action": "start", "version": tk.Version}},
	}
	for _, r := range requests[:2] {
		if resp, out := send(r.method, r.path, r.body); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with the store up: %d %v", r.name, resp.StatusCode, out)
		}
	}

	stop := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	_ = stop.ShutdownNoSave(context.Background()).Err() // answers by hanging up
	stop.Close()
	for _, r := range requests {
		t.Run(r.name, func(t *testing.T) {
			resp, out := send(r.method, r.path, r.body)
			if resp.StatusCode != http.StatusServiceUnavailable || out["error"] != "unavailable" || out["message"] != messages["staff_unavailable"] {
				t.Errorf("%d %v, want 503 saying %q", resp.StatusCode, out, messages["staff_unavailable"])
			}
			for _, c := range resp.Cookies() {
				if c.Name == staffCookie {
					t.Errorf("the session cookie was touched: %+v", c)
				}
			}
		})
	}
	// Citizens read it in their own words.
	e2 := &env{srv: e.srv}
	if code, out := e2.status(t, tk.ID, "AAAAAAAAAAAA"); code != http.StatusServiceUnavailable || out["message"] != messages["unavailable"] {
		t.Errorf("a citizen's status query: %d %v", code, out)
	}
}

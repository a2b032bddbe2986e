package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"qingfeng/staff"
)

// loginAnswer posts a login and returns the status, the answer and the session, if any.
func (e *staffEnv) loginAnswer(t *testing.T, user, password string) (int, loginResponse, login) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(e.srv.URL+"/staff/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out loginResponse
	_ = json.NewDecoder(resp.Body).Decode(&out)
	l := login{csrf: out.CSRF}
	for _, c := range resp.Cookies() {
		if c.Name == staffCookie {
			l.cookie = c.Value
		}
	}
	return resp.StatusCode, out, l
}

// addOperator makes a second operator account and logs it in.
func (e *staffEnv) addOperator(t *testing.T, user string) login {
	t.Helper()
	if err := e.dir.AddAccount(context.Background(), "root", user, staff.RoleOperator, "", "correct horse "+user); err != nil {
		t.Fatal(err)
	}
	return e.login(t, user, "correct horse "+user)
}

// A call logged by one operator gives its number and code to that operator only: anyone
// else posting the same call id (or form id) gets 404, as for an unknown call.
func TestCallCodeGoesOnlyToItsOperator(t *testing.T) {
	e, logins := newStaffEnv(t)
	logins["op2"] = e.addOperator(t, "op2")
	type answer struct {
		Ticket    string `json:"ticket"`
		QueryCode string `json:"query_code"`
	}
	for _, id := range []map[string]any{{"call_id": "pbx-leak-1"}, {"submission": "form-leak-1"}} {
		post := func(user, text string) (int, string) {
			body := map[string]any{"caller": "13900001111", "name": "张三", "text": text}
			for k, v := range id {
				body[k] = v
			}
			return e.do(t, logins[user], "POST", "/staff/api/calls", body)
		}
		code, body := post("op1", "村支书挪用扶贫资金，群众意见很大")
		var first answer
		if err := json.Unmarshal([]byte(body), &first); code != 200 || err != nil || first.Ticket == "" || first.QueryCode == "" {
			t.Fatalf("%v: op1 logs the call: %d %s", id, code, body)
		}
		for _, tc := range []struct {
			user string
			code int
		}{
			{"op2", http.StatusNotFound},
			{"intake1", http.StatusNotFound},
			{"op1", http.StatusOK}, // the operator's own repeat gets the same ticket back
		} {
			code, body := post(tc.user, "随便写点什么想拿到查询码")
			if code != tc.code {
				t.Errorf("%v as %s: %d %s, want %d", id, tc.user, code, body, tc.code)
			}
			if tc.code == http.StatusNotFound && (strings.Contains(body, first.Ticket) || strings.Contains(body, first.QueryCode) ||
				!strings.Contains(body, messages["not_found"])) {
				t.Errorf("%v as %s: the refusal gives something away: %s", id, tc.user, body)
			}
			var again answer
			_ = json.Unmarshal([]byte(body), &again)
			if tc.code == http.StatusOK && again != first {
				t.Errorf("%v: op1's repeat answered %+v, want %+v", id, again, first)
			}
		}
	}
}

// An admin's password reset ends the account's session at once, and the one-time
// password opens a session that may only set a new password.
func TestAdminResetEndsSessionAndForcesChange(t *testing.T) {
	e, logins := newStaffEnv(t)
	old := logins["leader1"]
	if code, _ := e.do(t, old, "GET", "/staff/api/tickets", nil); code != 200 {
		t.Fatalf("before the reset: %d", code)
	}
	code, body := e.do(t, logins["admin1"], "POST", "/staff/api/accounts/leader1/password", nil)
	var reset passwordResponse
	if err := json.Unmarshal([]byte(body), &reset); code != 200 || err != nil || len(reset.Password) < 10 {
		t.Fatalf("reset: %d %s", code, body)
	}
	if code, _ := e.do(t, old, "GET", "/staff/api/tickets", nil); code != http.StatusUnauthorized {
		t.Errorf("the old session after the reset: %d, want 401", code)
	}
	if code, _, _ := e.loginAnswer(t, "leader1", "correct horse leader1"); code != http.StatusUnauthorized {
		t.Errorf("the old password after the reset: %d", code)
	}
	code, ans, pending := e.loginAnswer(t, "leader1", reset.Password)
	if code != 200 || !ans.MustChange || pending.cookie == "" {
		t.Fatalf("login with the one-time password: %d %+v", code, ans)
	}
	for _, p := range []string{"/staff/api/tickets", "/staff/api/me", "/staff/api/figures", "/staff/api/admin/trail"} {
		if code, body := e.do(t, pending, "GET", p, nil); code != http.StatusForbidden || !strings.Contains(body, messages["must_change"]) {
			t.Errorf("GET %s before the change: %d %s, want 403 must_change", p, code, body)
		}
	}
	if code, body := e.do(t, pending, "POST", "/staff/api/password", map[string]string{"current": "a wrong password", "new": "leader's own password"}); code != http.StatusForbidden || !strings.Contains(body, messages["bad_password"]) {
		t.Errorf("a wrong current password: %d %s", code, body)
	}
	if code, body := e.do(t, pending, "POST", "/staff/api/password", map[string]string{"current": reset.Password, "new": "short"}); code != http.StatusUnprocessableEntity || !strings.Contains(body, messages["weak_password"]) {
		t.Errorf("a short new password: %d %s", code, body)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/staff/api/password", strings.NewReader(`{"current":"`+reset.Password+`","new":"leader's own password"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", pending.csrf)
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: pending.cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var changed loginResponse
	_ = json.NewDecoder(resp.Body).Decode(&changed)
	fresh := login{csrf: changed.CSRF}
	for _, c := range resp.Cookies() {
		if c.Name == staffCookie {
			fresh.cookie = c.Value
		}
	}
	if resp.StatusCode != 200 || fresh.cookie == "" || fresh.csrf == "" {
		t.Fatalf("change: %d %+v", resp.StatusCode, changed)
	}
	if code, body := e.do(t, fresh, "GET", "/staff/api/tickets", nil); code != 200 {
		t.Errorf("after the change: %d %s", code, body)
	}
	if code, _ := e.do(t, pending, "GET", "/staff/api/tickets", nil); code != http.StatusUnauthorized {
		t.Errorf("the one-time password's session after the change: %d, want 401", code)
	}
	if code, _, _ := e.loginAnswer(t, "leader1", reset.Password); code != http.StatusUnauthorized {
		t.Errorf("the one-time password again: %d", code)
	}
	if code, ans, _ := e.loginAnswer(t, "leader1", "leader's own password"); code != 200 || ans.MustChange {
		t.Errorf("the new password: %d %+v", code, ans)
	}
}

// A disabled account's session ends and it cannot log in; enabled again, it can.
func TestDisabledAccountCannotLogIn(t *testing.T) {
	e, logins := newStaffEnv(t)
	admin := logins["admin1"]
	if code, body := e.do(t, admin, "POST", "/staff/api/accounts/op1/disable", nil); code != http.StatusNoContent {
		t.Fatalf("disable: %d %s", code, body)
	}
	if code, _ := e.do(t, logins["op1"], "GET", "/staff/api/tickets", nil); code != http.StatusUnauthorized {
		t.Errorf("the disabled account's session: %d, want 401", code)
	}
	if code, body := e.do(t, login{}, "POST", "/staff/api/login", map[string]string{"username": "op1", "password": "correct horse op1"}); code != http.StatusForbidden || !strings.Contains(body, messages["disabled"]) {
		t.Errorf("login to the disabled account: %d %s", code, body)
	}
	if _, body := e.do(t, admin, "GET", "/staff/api/accounts", nil); !strings.Contains(body, `"username":"op1","role":"operator","body":"","totp":false,"disabled":true`) {
		t.Errorf("the account list does not show it disabled: %s", body)
	}
	if code, body := e.do(t, admin, "POST", "/staff/api/accounts/op1/enable", nil); code != http.StatusNoContent {
		t.Fatalf("enable: %d %s", code, body)
	}
	if l := e.login(t, "op1", "correct horse op1"); l.cookie == "" {
		t.Error("the enabled account cannot log in")
	}
}

// Wrong passwords for one account from ever new addresses (peer address and
// X-Forwarded-For both rotating) still pause it: then even the right password gets 429.
func TestLoginThrottlePerAccountRotatingAddresses(t *testing.T) {
	e, _ := newStaffEnv(t)
	try := func(password string, i int) (int, string) {
		body, _ := json.Marshal(map[string]string{"username": "leader1", "password": password})
		req := httptest.NewRequest("POST", "/staff/api/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = fmt.Sprintf("198.51.%d.%d:40000", i/250, i%250+1)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.%d.%d", i/250, i%250+1))
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	refused := 0
	for i := range 30 {
		code, body := try("wrong password", i)
		switch code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("wrong password %d: %d %s", i+1, code, body)
		}
	}
	if refused < 30-10 {
		t.Errorf("only %d of 30 wrong passwords from rotating addresses were refused unchecked", refused)
	}
	if code, body := try("correct horse leader1", 99); code != http.StatusTooManyRequests || !strings.Contains(body, messages["login_throttled"]) {
		t.Errorf("the right password from a fresh address: %d %s, want 429 with the throttle message", code, body)
	}
	if l := e.login(t, "intake1", "correct horse intake1"); l.cookie == "" {
		t.Error("another account is paused too")
	}
}

// Leaders and admins read the admin trail: newest first, who did what to whom, checked
// against its chain; an entry altered in Redis shows the trail broken at that entry.
func TestAdminTrailAPI(t *testing.T) {
	e, logins := newStaffEnv(t)
	admin := logins["admin1"]
	steps := []struct{ path, body string }{
		{"/staff/api/accounts", `{"username":"clerk","role":"operator","password":"long enough pw"}`},
		{"/staff/api/accounts/clerk/role", `{"role":"leader"}`},
		{"/staff/api/accounts/clerk/password", ``},
		{"/staff/api/accounts/clerk/totp", `{"on":true}`},
		{"/staff/api/accounts/clerk/totp", `{"on":false}`},
		{"/staff/api/accounts/clerk/disable", ``},
		{"/staff/api/accounts/clerk/enable", ``},
	}
	var secrets []string
	for _, st := range steps {
		var body any
		if st.body != "" {
			_ = json.Unmarshal([]byte(st.body), &body)
		}
		code, out := e.do(t, admin, "POST", st.path, body)
		if code >= 300 {
			t.Fatalf("%s: %d %s", st.path, code, out)
		}
		secrets = append(secrets, out)
	}
	code, raw := e.do(t, logins["leader1"], "GET", "/staff/api/admin/trail", nil)
	var trail trailResponse
	if err := json.Unmarshal([]byte(raw), &trail); code != 200 || err != nil {
		t.Fatalf("trail: %d %s", code, raw)
	}
	// newStaffEnv made 6 accounts as "root" first.
	wantActions := []staff.TrailAction{staff.TrailEnable, staff.TrailDisable, staff.TrailTOTPRemove, staff.TrailTOTPEnrol,
		staff.TrailPasswordReset, staff.TrailRole, staff.TrailCreate}
	if !trail.Intact || trail.Total != 6+len(wantActions) || len(trail.Entries) != trail.Total {
		t.Fatalf("trail: intact %v, %d of %d entries", trail.Intact, len(trail.Entries), trail.Total)
	}
	for i, a := range wantActions {
		if en := trail.Entries[i]; en.Action != a || en.Actor != "admin1" || en.Target != "clerk" || en.Seq != int64(trail.Total-i) {
			t.Errorf("entry %d: %+v, want %s by admin1 on clerk", i, en, a)
		}
	}
	for _, field := range []string{`"entries":[`, `"total":13`, `"intact":true`, `"seq":13`, `"actor":"admin1"`, `"action":"enable"`, `"target":"clerk"`, `"prev":"`, `"hash":"`, `"at":"`} {
		if !strings.Contains(raw, field) {
			t.Errorf("the answer lacks %s: %s", field, raw)
		}
	}
	for _, s := range secrets[2:4] { // the one-time password and the TOTP link as answered
		var v map[string]string
		_ = json.Unmarshal([]byte(s), &v)
		for _, secret := range []string{v["password"], v["link"]} {
			if secret != "" && strings.Contains(raw, secret) {
				t.Errorf("the trail shows a secret: %s", secret)
			}
		}
	}
	if code, body := e.do(t, logins["leader1"], "GET", "/staff/api/admin/trail?limit=2", nil); code != 200 || strings.Count(body, `"seq":`) != 2 {
		t.Errorf("limit=2: %d %s", code, body)
	}
	if code, _ := e.do(t, logins["leader1"], "GET", "/staff/api/admin/trail?limit=0", nil); code != http.StatusBadRequest {
		t.Errorf("limit=0: %d", code)
	}
	// Someone with Redis access makes the role change look like it never gave a leader's role.
	key := "qf:{" + e.ns + "}:staff:trail"
	entry, _ := e.rdb.LIndex(context.Background(), key, 7).Result()
	if !strings.Contains(entry, "role=operator→leader") {
		t.Fatalf("entry 8 is not the role change: %s", entry)
	}
	e.rdb.LSet(context.Background(), key, 7, strings.Replace(entry, "role=operator→leader", "role=operator→operator", 1))
	_, raw = e.do(t, logins["leader1"], "GET", "/staff/api/admin/trail", nil)
	trail = trailResponse{}
	_ = json.Unmarshal([]byte(raw), &trail)
	if trail.Intact || trail.BrokenAt != 8 {
		t.Errorf("after altering entry 8: intact %v, broken at %d", trail.Intact, trail.BrokenAt)
	}
}

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pquerna/otp/totp"
	"github.com/redis/go-redis/v9"
	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/internal/testkit"
	"qingfeng/staff"
)

type staffEnv struct {
	srv     *httptest.Server
	handler http.Handler
	rdb     *redis.Client
	ns      string
	routes  [][2]string
	tickets map[string]*intake.Ticket // by name: "a" in body county-a, logged by op1; "b" in county-b
	store   *intake.Store
	intake  *intake.Intake
	dir     *staff.Directory
	scanner *intake.Scanner
}

type login struct{ cookie, csrf string }

const bodiesYAML = `
- {id: city, name: 市纪委监委}
- {id: county-a, name: 甲县纪委监委, parent: city}
- {id: county-b, name: 乙县纪委监委, parent: city}
- {id: town-a1, name: 甲县城关镇纪委, parent: county-a}
`

func newStaffEnv(t *testing.T) (*staffEnv, map[string]login) {
	t.Helper()
	k := testkit.New(t)
	ctx := context.Background()
	dir := staff.NewDirectory(k.Redis, k.NS, k.Keys)
	dir.Cost = bcrypt.MinCost
	if _, err := dir.LoadBodies(ctx, []byte(bodiesYAML)); err != nil {
		t.Fatal(err)
	}
	users := map[string]struct {
		role intake.Role
		body string
	}{
		"op1": {staff.RoleOperator, ""}, "intake1": {staff.RoleIntake, ""}, "leader1": {staff.RoleLeader, ""},
		"handler-a": {staff.RoleHandler, "county-a"}, "handler-b": {staff.RoleHandler, "county-b"}, "admin1": {staff.RoleAdmin, ""},
	}
	for u, r := range users {
		if err := dir.AddAccount(ctx, "root", u, r.role, r.body, "correct horse "+u); err != nil {
			t.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = k.NS, secret, k.Keys
	s := New(k.Intake, bot.New(k.Intake, k.Analyzer, bot.NewRedisSessions(k.Redis, k.NS, time.Hour, k.Keys)), k.Redis,
		slog.New(slog.DiscardHandler), cfg).WithStaff(StaffDeps{Directory: dir, Tickets: k.Store, Reveal: k.Intake, Figures: k.Store, Warnings: k.Scanner, Live: k.Store,
		Deadlines: k.Scanner, Calendar: k.Scanner, Categories: k.Analyzer.Categories(), Ranks: k.Analyzer.Ranks(), Outcomes: k.Outcomes})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := &staffEnv{srv: srv, handler: s.Handler(), rdb: k.Redis, ns: k.NS, routes: s.StaffRoutes(), tickets: map[string]*intake.Ticket{}, store: k.Store, intake: k.Intake, dir: dir, scanner: k.Scanner}
	for name, body := range map[string]string{"a": "town-a1", "b": "county-b"} {
		rc, err := k.Intake.Submit(ctx, intake.Report{Channel: "hotline", SenderID: "call-" + name, Phone: "1390000000" + name,
			Text: "村会计截留种粮补贴<script>alert(1)</script>", Operator: "op1", Actor: "op1", Role: intake.RoleOperator})
		if err != nil {
			t.Fatal(err)
		}
		tk, _ := k.Store.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, intake.Move{Action: intake.ActAccept, Role: intake.RoleIntake, Actor: "intake1"})
		tk, err = k.Store.Apply(ctx, tk.ID, tk.Version, intake.Move{Action: intake.ActRoute, Role: intake.RoleIntake, Actor: "intake1",
			Mode: intake.ModeAssigned, Body: body, Due: intake.Date{Year: 2026, Month: 12, Day: 31}})
		if err != nil {
			t.Fatal(err)
		}
		e.tickets[name] = tk
	}
	logins := map[string]login{}
	for u := range users {
		logins[u] = e.login(t, u, "correct horse "+u)
	}
	return e, logins
}

func (e *staffEnv) login(t *testing.T, user, password string) login {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(e.srv.URL+"/staff/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	for _, c := range resp.Cookies() {
		if c.Name == staffCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie is not HttpOnly/SameSite=Strict: %+v", c)
			}
			return login{cookie: c.Value, csrf: out["csrf"]}
		}
	}
	return login{}
}

func (e *staffEnv) do(t *testing.T, l login, method, path string, body any) (int, string) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if l.cookie != "" {
		req.AddCookie(&http.Cookie{Name: staffCookie, Value: l.cookie})
		req.Header.Set("X-CSRF-Token", l.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// Every staff endpoint, every role: exactly the allowed set gets through. A handler
// never reads another body's ticket, and only intake and leaders see an identity.
func TestStaffAuthorisationMatrix(t *testing.T) {
	e, logins := newStaffEnv(t)
	a, b := e.tickets["a"].ID, e.tickets["b"].ID
	// The account changes are made to a spare account, so every other login stays valid.
	if err := e.dir.AddAccount(context.Background(), "root", "spare", staff.RoleOperator, "", "correct horse spare"); err != nil {
		t.Fatal(err)
	}
	type call struct {
		method, route, path string
		body                any
		allowed             []string // users let through; everyone else is refused
	}
	calls := []call{
		{"GET", "/staff/api/tickets", "/staff/api/tickets?field=status&value=routed", nil, []string{"op1", "intake1", "leader1", "handler-a", "handler-b"}},
		{"GET", "/staff/api/tickets/:id", "/staff/api/tickets/" + a, nil, []string{"op1", "intake1", "leader1", "handler-a"}},
		{"GET", "/staff/api/tickets/:id", "/staff/api/tickets/" + b, nil, []string{"op1", "intake1", "leader1", "handler-b"}},
		{"POST", "/staff/api/tickets/:id/moves", "/staff/api/tickets/" + a + "/moves", map[string]any{"action": "start", "version": 99}, []string{"intake1", "leader1", "handler-a"}},
		{"POST", "/staff/api/tickets/:id/moves", "/staff/api/tickets/" + b + "/moves", map[string]any{"action": "start", "version": 99}, []string{"intake1", "leader1", "handler-b"}},
		{"POST", "/staff/api/tickets/:id/correction", "/staff/api/tickets/" + a + "/correction", map[string]any{"version": 99, "category": "inaction"}, []string{"intake1", "leader1", "handler-a"}},
		{"POST", "/staff/api/tickets/:id/correction", "/staff/api/tickets/" + b + "/correction", map[string]any{"version": 99, "category": "inaction"}, []string{"intake1", "leader1", "handler-b"}},
		{"POST", "/staff/api/tickets/:id/identity", "/staff/api/tickets/" + a + "/identity", map[string]any{"reason": "回访"}, []string{"intake1", "leader1"}},
		{"POST", "/staff/api/accounts", "/staff/api/accounts", map[string]any{"username": "x" + fmt.Sprint(time.Now().UnixNano()%1000), "role": "leader", "password": "long enough pw"}, []string{"admin1"}},
		{"GET", "/staff/api/accounts", "/staff/api/accounts", nil, []string{"admin1"}},
		{"POST", "/staff/api/accounts/:username/totp", "/staff/api/accounts/op1/totp", map[string]any{"on": false}, []string{"admin1"}},
		{"POST", "/staff/api/accounts/:username/role", "/staff/api/accounts/spare/role", map[string]any{"role": "operator"}, []string{"admin1"}},
		{"POST", "/staff/api/accounts/:username/password", "/staff/api/accounts/spare/password", nil, []string{"admin1"}},
		{"POST", "/staff/api/accounts/:username/disable", "/staff/api/accounts/spare/disable", nil, []string{"admin1"}},
		{"POST", "/staff/api/accounts/:username/enable", "/staff/api/accounts/spare/enable", nil, []string{"admin1"}},
		{"GET", "/staff/api/admin/trail", "/staff/api/admin/trail", nil, []string{"admin1", "leader1"}},
		{"POST", "/staff/api/password", "/staff/api/password", map[string]any{"current": "x", "new": "short"}, []string{"op1", "intake1", "leader1", "handler-a", "handler-b", "admin1"}},
		{"PUT", "/staff/api/bodies", "/staff/api/bodies", map[string]any{"yaml": bodiesYAML}, []string{"admin1"}},
		{"GET", "/staff/api/calendar", "/staff/api/calendar", nil, []string{"admin1"}},
		{"PUT", "/staff/api/calendar", "/staff/api/calendar", map[string]any{"yaml": "year: 2027\nholidays: []\n"}, []string{"admin1"}},
		{"GET", "/staff/api/figures", "/staff/api/figures", nil, []string{"intake1", "leader1"}},
		{"GET", "/staff/api/figures.xlsx", "/staff/api/figures.xlsx", nil, []string{"intake1", "leader1"}},
		{"POST", "/staff/api/calls", "/staff/api/calls", nil, []string{"op1", "intake1"}},
		{"POST", "/staff/api/suggest", "/staff/api/suggest", map[string]any{"text": "村会计截留补贴"}, []string{"op1", "intake1"}},
		{"GET", "/staff/api/search", "/staff/api/search?q=" + b, nil, []string{"intake1", "leader1", "handler-a", "handler-b"}},
		{"GET", "/staff/api/live", "/staff/api/live", nil, []string{"op1", "intake1", "leader1", "handler-a", "handler-b"}},
		{"GET", "/staff/api/handoffs", "/staff/api/handoffs", nil, []string{"intake1"}},
		{"GET", "/staff/api/handoffs/:id", "/staff/api/handoffs/none", nil, []string{"intake1"}},
		{"POST", "/staff/api/handoffs/:id/take", "/staff/api/handoffs/none/take", nil, []string{"intake1"}},
		{"POST", "/staff/api/handoffs/:id/messages", "/staff/api/handoffs/none/messages", map[string]any{"text": "您好"}, []string{"intake1"}},
		{"POST", "/staff/api/handoffs/:id/release", "/staff/api/handoffs/none/release", nil, []string{"intake1"}},
		{"POST", "/staff/api/handoffs/:id/file", "/staff/api/handoffs/none/file", nil, []string{"intake1"}},
		{"GET", "/staff/api/me", "/staff/api/me", nil, []string{"op1", "intake1", "leader1", "handler-a", "handler-b", "admin1"}},
		{"GET", "/staff/api/vocab", "/staff/api/vocab", nil, []string{"op1", "intake1", "leader1", "handler-a", "handler-b", "admin1"}},
		{"POST", "/staff/api/logout", "/staff/api/logout", nil, []string{"op1", "intake1", "leader1", "handler-a", "handler-b", "admin1"}},
	}
	covered := map[[2]string]bool{{"POST", "/staff/api/login"}: true}
	for _, cl := range calls {
		covered[[2]string{cl.method, cl.route}] = true
	}
	for _, r := range e.routes {
		if !covered[r] {
			t.Errorf("staff route %s %s is not in the matrix", r[0], r[1])
		}
	}
	users := append([]string{"anonymous"}, "op1", "intake1", "leader1", "handler-a", "handler-b", "admin1")
	for _, cl := range calls {
		for _, u := range users {
			if cl.route == "/staff/api/logout" {
				continue // walked last, below
			}
			in := cl.body
			if cl.route == "/staff/api/calls" {
				// A call belongs to whoever logged it first: each user logs their own.
				in = map[string]any{"submission": "matrix-" + u, "text": "镇政府办事员推诿扯皮，材料齐全也不给办理"}
			}
			code, body := e.do(t, logins[u], cl.method, cl.path, in)
			// Through: success, refused by the lifecycle (409, 422), or (the live
			// websocket) told to upgrade (400) — past the door either way.
			let := code < 400 || code == http.StatusConflict || code == http.StatusUnprocessableEntity ||
				cl.route == "/staff/api/live" && code == http.StatusBadRequest
			want := false
			for _, x := range cl.allowed {
				want = want || x == u
			}
			if let != want {
				t.Errorf("%s %s as %s: %d %s (allowed: %v)", cl.method, cl.path, u, code, body, want)
			}
			if code == 200 && cl.route == "/staff/api/tickets/:id" && (strings.Contains(body, "1390000000") || strings.Contains(body, `"identity"`)) {
				t.Errorf("%s sees the reporter's identity in the ticket view", u)
			}
		}
	}
	// The queue of handler-a holds a's ticket only.
	_, q := e.do(t, logins["handler-a"], "GET", "/staff/api/tickets?field=status&value=routed", nil)
	var queue struct{ Tickets []struct{ ID string } }
	_ = json.Unmarshal([]byte(q), &queue)
	if len(queue.Tickets) != 1 || queue.Tickets[0].ID != a {
		t.Errorf("handler-a's queue holds %+v, want only %s", queue.Tickets, a)
	}
	for _, u := range users[1:] {
		if code, _ := e.do(t, logins[u], "POST", "/staff/api/logout", nil); code != http.StatusNoContent {
			t.Errorf("logout as %s: %d", u, code)
		}
		if code, _ := e.do(t, logins[u], "GET", "/staff/api/tickets", nil); code != http.StatusUnauthorized {
			t.Errorf("%s still in after logout: %d", u, code)
		}
	}
}

func TestStaffCSRFAndLoginThrottling(t *testing.T) {
	e, logins := newStaffEnv(t)
	l := logins["intake1"]
	l.csrf = "forged"
	if code, body := e.do(t, l, "POST", "/staff/api/tickets/"+e.tickets["a"].ID+"/moves", map[string]any{"action": "start"}); code != http.StatusForbidden || !strings.Contains(body, "csrf") {
		t.Errorf("without the CSRF token: %d %s", code, body)
	}
	// Five wrong passwords are each refused as wrong; then even the right one is refused
	// as throttled (429), not as wrong, so the user knows to wait.
	try := func(password string) (int, string) {
		return e.do(t, login{}, "POST", "/staff/api/login", map[string]string{"username": "leader1", "password": password})
	}
	for i := 1; i <= 5; i++ {
		if code, body := try("wrong password"); code != http.StatusUnauthorized || !strings.Contains(body, `"error":"bad_login"`) {
			t.Fatalf("wrong password %d: %d %s", i, code, body)
		}
	}
	if code, body := try("correct horse leader1"); code != http.StatusTooManyRequests || !strings.Contains(body, `"error":"login_throttled"`) {
		t.Errorf("the right password after 5 failures: %d %s, want 429 login_throttled", code, body)
	}
}

// A handler takes its ticket to the report; the leader concludes it.
func TestStaffTakeTicketToConclusion(t *testing.T) {
	e, logins := newStaffEnv(t)
	id := e.tickets["a"].ID
	version := e.tickets["a"].Version
	step := func(user string, move map[string]any) {
		t.Helper()
		move["version"] = version
		code, body := e.do(t, logins[user], "POST", "/staff/api/tickets/"+id+"/moves", move)
		if code != 200 {
			t.Fatalf("%s %v: %d %s", user, move["action"], code, body)
		}
		var v map[string]any
		_ = json.Unmarshal([]byte(body), &v)
		version = int64(v["version"].(float64))
	}
	step("handler-a", map[string]any{"action": "start"})
	step("handler-a", map[string]any{"action": "report", "finding": "属实", "disposal": "初步核实"})
	step("leader1", map[string]any{"action": "conclude", "finding": "属实", "disposal": "初步核实", "held": true, "measures": []string{"诫勉谈话"}})
	code, body := e.do(t, logins["intake1"], "GET", "/staff/api/tickets/"+id, nil)
	if code != 200 || !strings.Contains(body, `"status":"concluded"`) || !strings.Contains(body, "leader1") {
		t.Errorf("after conclusion: %d %s", code, body)
	}
	// A stale version is a conflict, not a lost update.
	if code, _ := e.do(t, logins["intake1"], "POST", "/staff/api/tickets/"+id+"/moves", map[string]any{"action": "reply", "version": 1, "reply": "x"}); code != http.StatusConflict {
		t.Errorf("stale version: %d", code)
	}
}

// The Excel export opens and holds the tickets of the period.
func TestFiguresAndExcelExport(t *testing.T) {
	e, logins := newStaffEnv(t)
	code, body := e.do(t, logins["leader1"], "GET", "/staff/api/figures", nil)
	if code != 200 || !strings.Contains(body, `"Total":2`) || !strings.Contains(body, `"hotline":2`) {
		t.Fatalf("figures: %d %s", code, body)
	}
	for _, q := range []string{"from=2026-13-01", "to=yesterday", "from=2026-05-01&to=2026-04-01", "from=2020-01-01&to=2026-01-01"} {
		for _, path := range []string{"/staff/api/figures?", "/staff/api/figures.xlsx?"} {
			if code, body := e.do(t, logins["leader1"], "GET", path+q, nil); code != http.StatusBadRequest || !strings.Contains(body, "统计期间不正确") {
				t.Errorf("%s%s: %d %s, want 400 with the period message", path, q, code, body)
			}
		}
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/staff/api/figures.xlsx", nil)
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: logins["leader1"].cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	book, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatalf("the download does not open as Excel: %v", err)
	}
	rows, err := book.GetRows("工单清单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "编号" {
		t.Fatalf("ticket list rows: %v", rows)
	}
	seen := rows[1][0] + rows[2][0]
	if !strings.Contains(seen, e.tickets["a"].ID) || !strings.Contains(seen, e.tickets["b"].ID) || rows[1][2] != "已分办" {
		t.Errorf("ticket list: %v", rows)
	}
	sum, _ := book.GetRows("汇总")
	if len(sum) < 2 || sum[1][0] != "受理总数" || sum[1][1] != "2" {
		t.Errorf("summary: %v", sum)
	}

	// A ticket routed to county-b and already past its deadline: after the deadline
	// scan, the figures and the export show county-b red.
	ctx := context.Background()
	rc, err := e.intake.Submit(ctx, intake.Report{Channel: "web", SenderID: "late-1", Anonymous: true, Text: "乡镇干部对群众反映的问题推诿扯皮，拖着不办"})
	if err != nil {
		t.Fatal(err)
	}
	late, _ := e.store.Apply(ctx, rc.Ticket.ID, rc.Ticket.Version, intake.Move{Action: intake.ActAccept, Role: intake.RoleIntake, Actor: "intake1"})
	if _, err := e.store.Apply(ctx, late.ID, late.Version, intake.Move{Action: intake.ActRoute, Role: intake.RoleIntake, Actor: "intake1",
		Mode: intake.ModeDirect, Body: "county-b", Due: intake.DateOf(time.Now()).AddDays(-1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.scanner.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, body := e.do(t, logins["leader1"], "GET", "/staff/api/figures", nil); !strings.Contains(body, `"Bodies":[{"Body":"county-b","Yellow":0,"Orange":0,"Red":1}]`) {
		t.Errorf("body levels after the scan: %s", body)
	}
}

// A handler's live screen hears of changes to its body's tickets, and of nothing else.
func TestStaffLiveUpdates(t *testing.T) {
	e, logins := newStaffEnv(t)
	hdr := http.Header{}
	hdr.Add("Cookie", staffCookie+"="+logins["handler-a"].cookie)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/staff/api/live", hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(200 * time.Millisecond)        // subscribed
	for _, name := range []string{"b", "a"} { // b first: handler-a must not hear of it
		tk := e.tickets[name]
		user := map[string]string{"a": "handler-a", "b": "handler-b"}[name]
		if code, body := e.do(t, logins[user], "POST", "/staff/api/tickets/"+tk.ID+"/moves", map[string]any{"action": "start", "version": tk.Version}); code != 200 {
			t.Fatalf("start %s: %d %s", name, code, body)
		}
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]string
	if err := ws.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	if m["ticket"] != e.tickets["a"].ID || m["event"] != "moved" || m["detail"] != "start" || m["status"] != "in_progress" {
		t.Errorf("live message %v, want a's start only", m)
	}
}

func TestStaffSearchAndSuggest(t *testing.T) {
	e, logins := newStaffEnv(t)
	code, body := e.do(t, logins["handler-a"], "GET", "/staff/api/search?q=种粮补贴", nil)
	var res struct{ Tickets []struct{ ID string } }
	_ = json.Unmarshal([]byte(body), &res)
	if code != 200 || len(res.Tickets) != 1 || res.Tickets[0].ID != e.tickets["a"].ID {
		t.Errorf("handler-a's search: %d %+v", code, res.Tickets)
	}
	_, body = e.do(t, logins["intake1"], "GET", "/staff/api/search?q=种粮补贴", nil)
	_ = json.Unmarshal([]byte(body), &res)
	if len(res.Tickets) != 2 {
		t.Errorf("intake's search: %+v", res.Tickets)
	}
	code, body = e.do(t, logins["op1"], "POST", "/staff/api/suggest", map[string]any{"text": "县交警大队民警收钱放车"})
	if code != 200 || !strings.Contains(body, `"category":"extortion"`) || !strings.Contains(body, "县交警大队") {
		t.Errorf("suggest: %d %s", code, body)
	}
}

// A handler's queue comes from its own bodies' tickets: a busy shared queue never pushes
// them off the page.
func TestHandlerQueueIsNotCrowdedOut(t *testing.T) {
	e, logins := newStaffEnv(t)
	ctx := context.Background()
	mine, _, err := e.store.Create(ctx, intake.Ticket{Source: "sms:own", Channel: "sms", Text: "镇干部不作为", Body: "town-a1"}, "test", intake.RoleSystem)
	if err != nil {
		t.Fatal(err)
	}
	for i := range queueLimit + 5 {
		if _, _, err := e.store.Create(ctx, intake.Ticket{Source: fmt.Sprintf("sms:other-%d", i), Channel: "sms", Text: "乙县干部不作为", Body: "county-b"}, "test", intake.RoleSystem); err != nil {
			t.Fatal(err)
		}
	}
	_, q := e.do(t, logins["handler-a"], "GET", "/staff/api/tickets?field=status&value=received", nil)
	var queue struct{ Tickets []struct{ ID string } }
	if err := json.Unmarshal([]byte(q), &queue); err != nil || len(queue.Tickets) != 1 || queue.Tickets[0].ID != mine.ID {
		t.Errorf("handler-a's received queue = %+v (%v), want only %s", queue.Tickets, err, mine.ID)
	}
}

// With TOTP on, the password alone gets 401 code_required (the page then asks for the
// code), and password plus a fresh code gets a session.
func TestStaffLoginWithTOTP(t *testing.T) {
	e, _ := newStaffEnv(t)
	link, err := e.dir.EnableTOTP(context.Background(), "root", "leader1")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	post := func(code string) (int, string) {
		return e.do(t, login{}, "POST", "/staff/api/login", map[string]string{"username": "leader1", "password": "correct horse leader1", "code": code})
	}
	if code, body := post(""); code != http.StatusUnauthorized || !strings.Contains(body, `"code_required"`) {
		t.Errorf("password alone: %d %s", code, body)
	}
	now, _ := totp.GenerateCode(u.Query().Get("secret"), time.Now())
	if code, body := post(now); code != http.StatusOK || !strings.Contains(body, "csrf") {
		t.Errorf("password and code: %d %s", code, body)
	}
}

// The admin's console: accounts are listed without secrets, a second factor is turned
// on (the link shown once) and off, bodies and a new year's calendar are loaded.
func TestAdminConsoleAPI(t *testing.T) {
	e, logins := newStaffEnv(t)
	admin := logins["admin1"]
	if code, body := e.do(t, admin, "POST", "/staff/api/accounts", map[string]any{"username": "new-op", "role": "operator", "password": "long enough pw"}); code != http.StatusCreated {
		t.Fatalf("add account: %d %s", code, body)
	}
	code, body := e.do(t, admin, "GET", "/staff/api/accounts", nil)
	if code != 200 || !strings.Contains(body, `"new-op"`) || strings.Contains(body, "$2a$") || strings.Contains(body, `"hash"`) {
		t.Errorf("accounts: %d %s", code, body)
	}
	if code, body := e.do(t, admin, "POST", "/staff/api/accounts/new-op/totp", map[string]any{"on": true}); code != 200 || !strings.Contains(body, "otpauth://") {
		t.Errorf("totp on: %d %s", code, body)
	}
	if _, body := e.do(t, admin, "GET", "/staff/api/accounts", nil); !strings.Contains(body, `{"username":"new-op","role":"operator","body":"","totp":true,"disabled":false,"must_change":false}`) {
		t.Errorf("after totp on: %s", body)
	}
	if code, _ := e.do(t, admin, "POST", "/staff/api/accounts/nobody/totp", map[string]any{"on": true}); code != http.StatusNotFound {
		t.Errorf("totp for a missing account: %d", code)
	}
	if code, body := e.do(t, admin, "POST", "/staff/api/accounts", map[string]any{"username": "new-op", "role": "leader", "password": "another long pw"}); code != http.StatusConflict || !strings.Contains(body, "该用户名已存在") {
		t.Errorf("an existing name: %d %s, want 409 (accounts are changed, never replaced)", code, body)
	}
	if code, body := e.do(t, admin, "POST", "/staff/api/accounts/new-op/role", map[string]any{"role": "handler", "body": "county-a"}); code != http.StatusNoContent {
		t.Errorf("role change: %d %s", code, body)
	}
	if _, body := e.do(t, admin, "GET", "/staff/api/accounts", nil); !strings.Contains(body, `{"username":"new-op","role":"handler","body":"county-a"`) {
		t.Errorf("after the role change: %s", body)
	}
	for _, tc := range []struct {
		path string
		body any
		code int
	}{
		{"/staff/api/accounts/new-op/role", map[string]any{"role": "king"}, http.StatusUnprocessableEntity},
		{"/staff/api/accounts/new-op/role", map[string]any{"role": "handler", "body": "nowhere"}, http.StatusUnprocessableEntity},
		{"/staff/api/accounts/admin1/role", map[string]any{"role": "leader"}, http.StatusUnprocessableEntity}, // one's own
		{"/staff/api/accounts/admin1/disable", nil, http.StatusUnprocessableEntity},                           // one's own
		{"/staff/api/accounts/nobody/role", map[string]any{"role": "leader"}, http.StatusNotFound},
		{"/staff/api/accounts/nobody/password", nil, http.StatusNotFound},
		{"/staff/api/accounts/nobody/disable", nil, http.StatusNotFound},
		{"/staff/api/accounts/nobody/enable", nil, http.StatusNotFound},
	} {
		if code, body := e.do(t, admin, "POST", tc.path, tc.body); code != tc.code || !strings.Contains(body, `"message"`) {
			t.Errorf("POST %s %v: %d %s, want %d", tc.path, tc.body, code, body, tc.code)
		}
	}
	if code, body := e.do(t, admin, "PUT", "/staff/api/bodies", map[string]any{"yaml": "- {id: x, name: X, parent: missing}"}); code != http.StatusUnprocessableEntity {
		t.Errorf("a broken tree: %d %s", code, body)
	}
	if code, body := e.do(t, admin, "PUT", "/staff/api/calendar", map[string]any{"yaml": "year: 2027\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n"}); code != 200 || !strings.Contains(body, `"year":2027`) {
		t.Errorf("calendar: %d %s", code, body)
	}
	if code, body := e.do(t, admin, "PUT", "/staff/api/calendar", map[string]any{"yaml": "year: 1"}); code != http.StatusUnprocessableEntity {
		t.Errorf("a bad calendar: %d %s", code, body)
	}
	if _, body := e.do(t, admin, "GET", "/staff/api/calendar", nil); !strings.Contains(body, `"NextPublished":true`) {
		t.Errorf("calendar status: %s", body)
	}
}

// Bad queue filters and bad call logs get a clear error, never a silent empty answer.
func TestStaffBadInputs(t *testing.T) {
	e, logins := newStaffEnv(t)
	for _, tc := range []struct {
		user, method, path string
		body               any
		code               int
		msg                string
	}{
		{"intake1", "GET", "/staff/api/tickets?level=purple", nil, http.StatusBadRequest, "筛选条件不正确"},
		{"intake1", "GET", "/staff/api/tickets?field=password&value=x", nil, http.StatusBadRequest, "筛选条件不正确"},
		{"op1", "POST", "/staff/api/calls", map[string]any{"submission": "s1", "text": "   "}, http.StatusUnprocessableEntity, "请填写来电人反映的内容"},
		{"op1", "POST", "/staff/api/calls", map[string]any{"text": "镇政府不作为"}, http.StatusBadRequest, ""},
		{"op1", "POST", "/staff/api/calls", map[string]any{"submission": "s2", "caller": strings.Repeat("1", 41), "text": "镇政府不作为"}, http.StatusBadRequest, ""},
		{"admin1", "PUT", "/staff/api/bodies", map[string]any{"yaml": "["}, http.StatusUnprocessableEntity, ""},
	} {
		code, body := e.do(t, logins[tc.user], tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.msg) || !strings.Contains(body, `"message"`) {
			t.Errorf("%s %s %v: %d %s, want %d with %q", tc.method, tc.path, tc.body, code, body, tc.code, tc.msg)
		}
	}
}

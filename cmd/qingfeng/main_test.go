package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/internal/testkit"
	"qingfeng/nlp"
	"qingfeng/staff"
)

var (
	analyzerOnce sync.Once
	analyzer     *nlp.Analyzer
	analyzerErr  error
)

func testAnalyzer(tb testing.TB) *nlp.Analyzer {
	tb.Helper()
	analyzerOnce.Do(func() { analyzer, analyzerErr = nlp.New(nlp.Options{}) })
	if analyzerErr != nil {
		tb.Fatal(analyzerErr)
	}
	return analyzer
}

// Every input line gets exactly one output line; bad lines get an error line and the
// stream goes on.
func TestClassifyStream(t *testing.T) {
	a := testAnalyzer(t)
	in := strings.Join([]string{
		`{"id":"a1","text":"村支书王某截留低保金两千元"}`,
		`{"id":"a2","text":`,
		`not json at all`,
		``,
		`{"id":7,"text":"縣交通局局長收受回扣"}`,
		`{"id":"a4"}`,
		`{"id":"a5","text":"   "}`,
		`{"id":"a6","text":"物业不修电梯"}`,
	}, "\n")
	var out bytes.Buffer
	if err := classifyStream(context.Background(), a, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct {
		id       string
		category string
		errPart  string
	}{
		{`"a1"`, "harming_public", ""},
		{``, "", "malformed JSON"},
		{``, "", "malformed JSON"},
		{`7`, "corruption", ""},
		{`"a4"`, "", `missing "text"`},
		{`"a5"`, "", "no text"},
		{`"a6"`, "out_of_scope", ""},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d output lines for %d non-empty inputs:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		var got struct {
			ID       json.RawMessage   `json:"id"`
			Category string            `json:"category"`
			Error    string            `json:"error"`
			Mode     string            `json:"mode"`
			Subject  map[string]string `json:"subject"`
			Scores   map[string]float64
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if string(got.ID) != w.id || got.Category != w.category || !strings.Contains(got.Error, w.errPart) {
			t.Errorf("line %d = %s, want id %s category %q error ~%q", i, lines[i], w.id, w.category, w.errPart)
		}
		if w.category != "" && (got.Mode == "" || len(got.Scores) != 13 || got.Subject == nil) {
			t.Errorf("line %d lacks mode, scores or subject: %s", i, lines[i])
		}
	}
}

func TestClassifyStreamLongLine(t *testing.T) {
	a := testAnalyzer(t)
	in := `{"id":"big","text":"` + strings.Repeat("长", maxLineBytes/3+10) + `"}` + "\n" + `{"id":"next","text":"局长公车私用"}`
	var out bytes.Buffer
	if err := classifyStream(context.Background(), a, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "line longer than") || !strings.Contains(lines[1], `"next"`) {
		t.Errorf("got %d lines: %.200s", len(lines), out.String())
	}
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		args     []string
		stdin    string
		code     int
		inStdout []string
	}{
		{[]string{}, "", 2, nil},
		{[]string{"nonsense"}, "", 2, nil},
		{[]string{"eval"}, "", 2, nil},
		{[]string{"eval", "testdata/does-not-exist.jsonl"}, "", 1, nil},
		{[]string{"classify", "-rules", "testdata/does-not-exist.yaml"}, "", 1, nil},
		{[]string{"eval", "testdata/labelled.jsonl"}, "", 0, []string{"strict accuracy", "macro-F1", "mode accuracy", "unit recall", "position recall", "gold \\ predicted"}},
		{[]string{"classify"}, `{"id":"x","text":"派出所民警态度恶劣"}`, 0, []string{`"id":"x"`, `"category":"bad_attitude"`, `"fingerprint":"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			for _, w := range tt.inStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

// FuzzClassifyLine: whatever a line holds, the answer is one JSON object with a result
// or an error, never a panic.
func FuzzClassifyLine(f *testing.F) {
	for _, s := range []string{`{"id":"1","text":"局长受贿"}`, `{`, `{"id":[1,2],"text":5}`, `{"text":"\ud800"}`, "\xff", `null`, `{"id":"x","text":""}`} {
		f.Add([]byte(s))
	}
	a := testAnalyzer(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		b, err := json.Marshal(classifyLine(a, line, false))
		if err != nil {
			t.Fatalf("answer does not encode: %v", err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		_, hasErr := got["error"]
		_, hasCat := got["category"]
		if hasErr == hasCat {
			t.Fatalf("want exactly one of error/category: %s", b)
		}
	})
}

func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t)
	ns := redistest.Namespace(t, rdb)
	o, _ := intake.LoadOutcomes(nil)
	s := intake.NewStore(rdb, ns, o, time.Now)
	tk, _, err := s.Create(ctx, intake.Ticket{Source: "sms:1", Channel: "sms", Text: "测试"}, "gw", intake.RoleSystem)
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"audit", "-redis", redistest.URL(), "-namespace", ns, "verify", tk.ID}
	var out, errOut bytes.Buffer
	if code := run(ctx, flags, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "chain intact") {
		t.Fatalf("intact: exit %d, %s %s", code, out.String(), errOut.String())
	}
	rdb.LSet(ctx, "qf:{"+ns+"}:t:"+tk.ID+":audit", 0, `{"seq":1,"actor":"someone else"}`)
	out.Reset()
	if code := run(ctx, flags, nil, &out, &errOut); code != 1 || !strings.Contains(out.String(), "broken at entry 1") {
		t.Errorf("tampered: exit %d, %s", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"audit", "-redis", redistest.URL(), "-namespace", ns, "verify", "QF-none"}, nil, &out, &errOut); code != 1 {
		t.Errorf("unknown ticket: exit %d", code)
	}
}

func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t)
	ns := redistest.Namespace(t, rdb)
	dir := t.TempDir() + "/bodies.yaml"
	if err := os.WriteFile(dir, []byte("- {id: city, name: 市纪委监委}\n- {id: town, name: 镇纪委, parent: city}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The admin finds its key as serve does; here, a key file it makes in its data directory.
	t.Setenv("QINGFENG_SECRET_KEY", "")
	t.Setenv("QINGFENG_KEY_FILE", "")
	data := t.TempDir()
	base := []string{"admin", "-redis", redistest.URL(), "-namespace", ns, "-data", data}
	var out, errOut bytes.Buffer
	if code := run(ctx, append(base, "load-bodies", dir), nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "2 bodies") {
		t.Fatalf("load-bodies: %d %s %s", code, out.String(), errOut.String())
	}
	if code := run(ctx, append(base, "add-user", "-user", "chief", "-role", "admin"), strings.NewReader("a long admin password\n"), &out, &errOut); code != 0 {
		t.Fatalf("add-user: %d %s", code, errOut.String())
	}
	if code := run(ctx, append(base, "add-user", "-user", "h1", "-role", "handler", "-body", "nowhere"), strings.NewReader("a long admin password\n"), &out, &errOut); code != 1 {
		t.Errorf("a handler of an unknown body: exit %d", code)
	}
	if code := run(ctx, append(base, "add-user", "-user", "x", "-role", "admin"), strings.NewReader("short\n"), &out, &errOut); code != 1 {
		t.Errorf("a short password: exit %d", code)
	}
	keys, err := intake.OpenKeyring(intake.KeySource{DataDir: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	d := staff.NewDirectory(rdb, ns, keys)
	if _, _, err := d.Login(ctx, "chief", "a long admin password", "", "test"); err != nil {
		t.Errorf("the new admin cannot log in: %v", err)
	}
	// A corrected ticket comes out in the corpus format train reads.
	k := testkit.Build(t, testkit.Analyzer(t), redistest.Client(t), ns)
	rc, err := k.Intake.Submit(ctx, intake.Report{Channel: "sms", SenderID: "x", Anonymous: true, Text: "领导天天\t不上班"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Intake.Correct(ctx, rc.Ticket.ID, rc.Ticket.Version, "i", intake.RoleIntake, "lax_discipline", nlp.Subject{Unit: "县林业局"}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	t.Setenv("QINGFENG_SECRET_KEY", testkit.SecretKey) // the key the kit sealed the ticket with
	if code := run(ctx, append(base, "export-corrections"), nil, &out, &errOut); code != 0 {
		t.Fatalf("export: %d %s", code, errOut.String())
	}
	examples, err := nlp.ParseCorpus(out.String())
	if err != nil || len(examples) != 1 || examples[0].Category != "lax_discipline" || examples[0].Unit != "县林业局" || examples[0].Text != "领导天天 不上班" {
		t.Errorf("exported %q: %+v %v", out.String(), examples, err)
	}
	out.Reset()
	if code := run(ctx, append(base, "figures"), nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "match") {
		t.Errorf("figures check: %d %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(ctx, append(base, "reindex"), nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 tickets filed") {
		t.Errorf("reindex: %d %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(ctx, append(base, "totp", "-user", "chief"), nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "otpauth://totp/") {
		t.Fatalf("totp: %d %s %s", code, out.String(), errOut.String())
	}
	if _, _, err := d.Login(ctx, "chief", "a long admin password", "", "test"); err != staff.ErrCodeRequired {
		t.Errorf("with TOTP on, a password alone: %v", err)
	}
	if code := run(ctx, append(base, "totp", "-user", "chief", "-off"), nil, &out, &errOut); code != 0 {
		t.Errorf("totp -off: %d %s", code, errOut.String())
	}
}

// The newcomer's path: serve on a fresh data directory with no Redis named starts its
// own, says where the console is and prints the command that makes the first account;
// that command, with nothing but the data directory, reaches the same Redis, and the
// account logs in. Readiness follows that Redis, and once serve stops a tool says to
// start it instead of reaching some other Redis.
func TestNewcomerPath(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts serve")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed, so serve would run its in-memory demo store, not the newcomer's (.ci/run installs it)")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "qingfeng")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(work, "data")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr

	serve := exec.Command(bin, "serve")
	serve.Dir, serve.Env = work, newcomerEnv("QINGFENG_DATA_DIR="+data, "QINGFENG_ADDR="+addr)
	var logs bytes.Buffer
	serve.Stderr = &logs
	out, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	t.Cleanup(func() {
		_ = serve.Process.Kill()
		<-exited
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var said []string
	for len(said) < 3 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("serve said only %q; log:\n%s", said, logs.String())
			}
			said = append(said, line)
		case <-time.After(2 * time.Minute):
			t.Fatalf("serve said only %q in 2 minutes; log:\n%s", said, logs.String())
		}
	}
	command := strings.TrimSpace(said[2])
	if said[0] != "Staff console: "+base+"/staff/" || !strings.HasPrefix(said[1], "No staff account yet") ||
		command != "QINGFENG_DATA_DIR="+data+" "+bin+" admin add-user -user chief -role admin" {
		t.Fatalf("serve said:\n%s", strings.Join(said, "\n"))
	}
	waitFor(t, "serve to answer", func() bool { return httpStatus(base+"/healthz") == http.StatusOK })

	// The printed command, pasted in another directory with no store variables at all.
	admin := exec.Command("sh", "-c", "echo 'a long admin password' | "+command)
	admin.Dir, admin.Env = t.TempDir(), newcomerEnv()
	if got, err := admin.CombinedOutput(); err != nil || !strings.Contains(string(got), "account chief (admin) created") {
		t.Fatalf("%s: %v\n%s", command, err, got)
	}
	resp, err := http.Post(base+"/staff/api/login", "application/json", strings.NewReader(`{"username":"chief","password":"a long admin password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "qf_staff" && c.Value != "" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusOK || session == nil {
		t.Fatalf("login: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/staff/api/me", nil)
	req.AddCookie(session)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the session: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Readiness is that Redis answering.
	if got := httpStatus(base + "/readyz"); got != http.StatusOK {
		t.Fatalf("/readyz with Redis up: %d", got)
	}
	url, err := recordedStore(data)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxRetries = -1
	stop := redis.NewClient(opt)
	_ = stop.ShutdownNoSave(context.Background()).Err() // answers by hanging up
	stop.Close()
	waitFor(t, "/readyz to answer 503 with Redis stopped", func() bool { return httpStatus(base+"/readyz") == http.StatusServiceUnavailable })

	// Stopped, serve takes its record away: a tool names what to do, not another Redis.
	if err := serve.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("serve exited with %v; log:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of an interrupt")
	}
	if _, err := os.Stat(filepath.Join(data, storeRecord)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the store record outlived serve: %v", err)
	}
	again := exec.Command(bin, "admin", "add-user", "-user", "second", "-role", "admin")
	again.Env, again.Stdin = newcomerEnv("QINGFENG_DATA_DIR="+data), strings.NewReader("a long admin password\n")
	if got, err := again.CombinedOutput(); err == nil || !strings.Contains(string(got), "start qingfeng serve with QINGFENG_DATA_DIR="+data) {
		t.Errorf("admin with serve stopped: %v\n%s", err, got)
	}
}

// newcomerEnv is this process's environment without any store or service setting, plus
// the given ones: what a newcomer's shell holds.
func newcomerEnv(set ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "QINGFENG_") && !strings.HasPrefix(kv, "REDIS_URL=") {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond for up to 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited 15 s for %s", what)
}

package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
	"qingfeng/staff"
)

// serve names the console and, until there is an account, the command that makes the
// first one; once one exists it says only where the console is.
func TestGreeting(t *testing.T) {
	ctx := context.Background()
	rdb := redistest.Client(t)
	ns := redistest.Namespace(t, rdb)
	t.Setenv("QINGFENG_SECRET_KEY", "")
	t.Setenv("QINGFENG_KEY_FILE", "")
	sf := &storeFlags{namespace: ns, dataDir: filepath.Join(t.TempDir(), "my data")}
	b := &intake.Backend{Client: rdb, Kind: "child"}
	var out bytes.Buffer
	if err := greet(ctx, &out, ":8080", sf, b); err != nil {
		t.Fatal(err)
	}
	want := "Staff console: http://localhost:8080/staff/\n"
	// The program's own name is checked end to end (TestNewcomerPath): here it is go run's.
	if !strings.HasPrefix(out.String(), want) ||
		!strings.Contains(out.String(), "\n  QINGFENG_DATA_DIR='"+sf.dataDir+"' QINGFENG_NAMESPACE="+ns+" ") ||
		!strings.HasSuffix(out.String(), " admin add-user -user chief -role admin\n") {
		t.Errorf("with no account:\n%s", out.String())
	}
	dir := staff.NewDirectory(rdb, ns, nil)
	dir.Cost = bcrypt.MinCost
	if err := dir.AddAccount(ctx, "test", "chief", staff.RoleAdmin, "", "a long admin password"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := greet(ctx, &out, ":8080", sf, b); err != nil || out.String() != want {
		t.Errorf("with an account: %q %v", out.String(), err)
	}
}

func TestConsoleURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":            "http://localhost:8080/staff/",
		"0.0.0.0:80":       "http://localhost:80/staff/",
		"[::]:8080":        "http://localhost:8080/staff/",
		"127.0.0.1:9000":   "http://127.0.0.1:9000/staff/",
		"[::1]:8080":       "http://[::1]:8080/staff/",
		"qf.example.org:8": "http://qf.example.org:8/staff/",
	} {
		if got := consoleURL(addr); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}

// A quoted word reaches the program as it was.
func TestShellQuote(t *testing.T) {
	for _, s := range []string{"/srv/qf/data", "my data", "it's", "$HOME", "a;rm -rf x", "", "数据"} {
		got, err := exec.Command("sh", "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(got) != s {
			t.Errorf("%q quoted as %s reads back %q (%v)", s, shellQuote(s), got, err)
		}
	}
}

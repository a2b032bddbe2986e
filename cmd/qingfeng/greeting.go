package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"qingfeng/intake"
	"qingfeng/staff"
)

// greet tells whoever started serve where the staff console is and, while no staff
// account exists, the command that creates the first one. That command reaches this same
// store by itself (storeaddr.go), so it names only the data directory.
func greet(ctx context.Context, w io.Writer, addr string, sf *storeFlags, b *intake.Backend) error {
	fmt.Fprintf(w, "Staff console: %s\n", consoleURL(addr))
	accounts, err := staff.NewDirectory(b.Client, sf.namespace, nil).Accounts(ctx)
	if err != nil || len(accounts) > 0 {
		return err
	}
	fmt.Fprintf(w, "No staff account yet. Create the first administrator (it reads the password from standard input):\n  %s\n", firstAccountCommand(sf))
	var same []string
	for _, v := range []struct{ name, value string }{{"REDIS_URL", sf.redisURL}, {"QINGFENG_REDIS_ADDRS", sf.addrs}, {"QINGFENG_REDIS_MASTER", sf.master},
		{"QINGFENG_SECRET_KEY", os.Getenv("QINGFENG_SECRET_KEY")}, {"QINGFENG_KEY_FILE", os.Getenv("QINGFENG_KEY_FILE")}} {
		if v.value != "" {
			same = append(same, v.name)
		}
	}
	if len(same) > 0 {
		fmt.Fprintf(w, "  with the same %s as this serve.\n", strings.Join(same, ", "))
	}
	return nil
}

// consoleURL is where a browser on this machine finds the console.
func consoleURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/staff/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/staff/"
}

// firstAccountCommand is the admin command as it can be pasted: the data directory made
// absolute (so it works from any directory), the namespace when not the default, and
// this very program.
func firstAccountCommand(sf *storeFlags) string {
	dir, err := filepath.Abs(sf.dataDir)
	if err != nil {
		dir = sf.dataDir
	}
	env := "QINGFENG_DATA_DIR=" + shellQuote(dir)
	if sf.namespace != "main" {
		env += " QINGFENG_NAMESPACE=" + shellQuote(sf.namespace)
	}
	self := shellQuote(os.Args[0])
	if strings.Contains(os.Args[0], "go-build") { // go run: the binary is gone at exit
		self = "go run ./cmd/qingfeng"
	}
	return env + " " + self + " admin add-user -user chief -role admin"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,@=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"time"

	"qingfeng/intake"
	"qingfeng/staff"
)

// runAdmin: qingfeng admin add-user -user NAME -role ROLE [-body ID] (password on stdin,
// or QINGFENG_ADMIN_PASSWORD), the other account changes, and qingfeng admin
// load-bodies FILE. Account changes go into the admin trail as made by "cli:" and the
// operating-system user who ran the command.
func runAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	usage := func() error {
		fmt.Fprintln(stderr, "usage: qingfeng admin [store flags] add-user -user NAME -role operator|intake|handler|leader|admin [-body ID]")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] set-role -user NAME -role ROLE [-body ID]")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] reset-password -user NAME")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] disable|enable -user NAME")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] load-bodies FILE.yaml")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] export-corrections > corrections.tsv")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] totp -user NAME [-off]")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] figures [-rebuild]")
		fmt.Fprintln(stderr, "       qingfeng admin [store flags] reindex")
		fmt.Fprintln(stderr, "store flags: -redis URL, or -redis-addrs HOST:PORT,... [-redis-master NAME]; by default the Redis serve started in -data DIR; -namespace NS")
		return errUsage
	}
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usage()
	}
	rdb, err := sf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	// The same keys as serve (QINGFENG_SECRET_KEY, QINGFENG_KEY_FILE or the data
	// directory's key file): TOTP secrets sealed here must open there.
	keys, err := intake.OpenKeyring(intake.KeySource{Secret: os.Getenv("QINGFENG_SECRET_KEY"),
		KeyFile: os.Getenv("QINGFENG_KEY_FILE"), DataDir: sf.dataDir}, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	if keys, err = deploymentKeys(ctx, rdb, sf.namespace, keys, slog.New(slog.NewTextHandler(stderr, nil))); err != nil {
		return err
	}
	dir := staff.NewDirectory(rdb, sf.namespace, keys)
	actor := cliActor()
	// userFlag reads the -user of an account change.
	userFlag := func() (string, error) {
		sub := flag.NewFlagSet(fs.Arg(0), flag.ContinueOnError)
		sub.SetOutput(stderr)
		user := sub.String("user", "", "user name")
		if err := sub.Parse(fs.Args()[1:]); err != nil {
			return "", err
		}
		if *user == "" {
			return "", usage()
		}
		return *user, nil
	}
	switch fs.Arg(0) {
	case "add-user":
		sub := flag.NewFlagSet("add-user", flag.ContinueOnError)
		sub.SetOutput(stderr)
		user := sub.String("user", "", "user name")
		role := sub.String("role", "", "role")
		body := sub.String("body", "", "body id (handlers)")
		if err := sub.Parse(fs.Args()[1:]); err != nil {
			return err
		}
		password := os.Getenv("QINGFENG_ADMIN_PASSWORD")
		if password == "" {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("read the password from standard input: %w", err)
			}
			password = strings.TrimRight(line, "\r\n")
		}
		if err := dir.AddAccount(ctx, actor, *user, intake.Role(*role), *body, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s (%s) created\n", *user, *role)
		return nil
	case "set-role":
		sub := flag.NewFlagSet("set-role", flag.ContinueOnError)
		sub.SetOutput(stderr)
		user := sub.String("user", "", "user name")
		role := sub.String("role", "", "role")
		body := sub.String("body", "", "body id (handlers)")
		if err := sub.Parse(fs.Args()[1:]); err != nil {
			return err
		}
		if err := dir.SetRole(ctx, actor, *user, intake.Role(*role), *body); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is now %s\n", *user, *role)
		return nil
	case "reset-password":
		user, err := userFlag()
		if err != nil {
			return err
		}
		password, err := dir.ResetPassword(ctx, actor, user)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "every session of %s has ended; one-time password (give it to them once; it must be changed at the next login):\n%s\n", user, password)
		return nil
	case "disable", "enable":
		user, err := userFlag()
		if err != nil {
			return err
		}
		change, done := dir.Disable, "disabled; its sessions have ended"
		if fs.Arg(0) == "enable" {
			change, done = dir.Enable, "enabled"
		}
		if err := change(ctx, actor, user); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s\n", user, done)
		return nil
	case "export-corrections":
		outcomes, err := intake.LoadOutcomes(nil)
		if err != nil {
			return err
		}
		examples, err := intake.NewStore(rdb, sf.namespace, outcomes, time.Now, intake.WithKeyring(keys)).CorrectedExamples(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "# Staff corrections, corpus format (qingfeng train -corpus FILE, or QINGFENG_CORPUS).")
		for _, ex := range examples {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", ex.Category, dash(ex.Channel), dash(ex.Unit), dash(ex.Position),
				strings.Join(strings.Fields(ex.Text), " "))
		}
		return nil
	case "totp":
		sub := flag.NewFlagSet("totp", flag.ContinueOnError)
		sub.SetOutput(stderr)
		user := sub.String("user", "", "user name")
		off := sub.Bool("off", false, "turn the second factor off (a lost phone)")
		if err := sub.Parse(fs.Args()[1:]); err != nil {
			return err
		}
		if *off {
			if err := dir.DisableTOTP(ctx, actor, *user); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s logs in with the password only\n", *user)
			return nil
		}
		link, err := dir.EnableTOTP(ctx, actor, *user)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "load this into %s's authenticator app (QR code or by hand), then keep it nowhere else:\n%s\n", *user, link)
		return nil
	case "figures":
		sub := flag.NewFlagSet("figures", flag.ContinueOnError)
		sub.SetOutput(stderr)
		rebuild := sub.Bool("rebuild", false, "replace the counters with a fresh count (stop the writers first)")
		if err := sub.Parse(fs.Args()[1:]); err != nil {
			return err
		}
		outcomes, err := intake.LoadOutcomes(nil)
		if err != nil {
			return err
		}
		differ, err := intake.NewStore(rdb, sf.namespace, outcomes, time.Now, intake.WithKeyring(keys)).RecountFigures(ctx, *rebuild)
		if err != nil {
			return err
		}
		switch {
		case *rebuild:
			fmt.Fprintf(stdout, "figures counters rebuilt (%d days had differed)\n", len(differ))
		case len(differ) > 0:
			return fmt.Errorf("figures counters differ from a fresh count on %d days: %v (run with -rebuild)", len(differ), differ)
		default:
			fmt.Fprintln(stdout, "figures counters match a fresh count")
		}
		return nil
	case "reindex":
		outcomes, err := intake.LoadOutcomes(nil)
		if err != nil {
			return err
		}
		n, err := intake.NewStore(rdb, sf.namespace, outcomes, time.Now, intake.WithKeyring(keys)).Reindex(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d tickets filed under their indexes\n", n)
		return nil
	case "load-bodies":
		if fs.NArg() != 2 {
			return usage()
		}
		data, err := os.ReadFile(fs.Arg(1))
		if err != nil {
			return err
		}
		n, err := dir.LoadBodies(ctx, data)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d bodies loaded\n", n)
		return nil
	}
	return usage()
}

// cliActor names whoever runs an account change from the command line, for the trail.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

func dash(s string) string {
	if strings.ContainsAny(s, "\t\n") || s == "" {
		return "-"
	}
	return s
}

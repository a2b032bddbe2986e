package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// errAuditBroken makes the exit status 1 when a chain does not hold.
var errAuditBroken = fmt.Errorf("audit chain does not hold")

// runAudit: qingfeng audit verify TICKET checks a ticket's hash-chained history.
func runAudit(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "verify" {
		fmt.Fprintln(stderr, "usage: qingfeng audit [flags] verify TICKET")
		return errUsage
	}
	store, closeStore, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	id := fs.Arg(1)
	entries, err := store.Audit(ctx, id)
	if err != nil {
		return err
	}
	bad, err := store.VerifyAudit(ctx, id)
	if err != nil {
		if bad >= 0 {
			fmt.Fprintf(stdout, "%s: history broken at entry %d of %d: %v\n", id, bad+1, len(entries), err)
			return errAuditBroken
		}
		return err
	}
	fmt.Fprintf(stdout, "%s: %d entries, chain intact\n", id, len(entries))
	return nil
}

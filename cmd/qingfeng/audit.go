package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"qingfeng/staff"
)

// errAuditBroken makes the exit status 1 when a chain does not hold.
var errAuditBroken = fmt.Errorf("audit chain does not hold")

// runAudit: qingfeng audit verify TICKET checks a ticket's hash-chained history, and
// qingfeng audit verify-admin the admin trail of account changes.
func runAudit(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 2 && fs.Arg(0) == "verify":
		return verifyTicket(ctx, sf, fs.Arg(1), stdout)
	case fs.NArg() == 1 && fs.Arg(0) == "verify-admin":
		return verifyAdminTrail(ctx, sf, stdout)
	}
	fmt.Fprintln(stderr, "usage: qingfeng audit [flags] verify TICKET")
	fmt.Fprintln(stderr, "       qingfeng audit [flags] verify-admin")
	return errUsage
}

func verifyTicket(ctx context.Context, sf storeFlags, id string, stdout io.Writer) error {
	store, closeStore, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
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

// verifyAdminTrail checks the chain of account changes, naming the first entry that was
// altered or removed.
func verifyAdminTrail(ctx context.Context, sf storeFlags, stdout io.Writer) error {
	rdb, err := sf.client(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	// Verifying opens no secret, so the directory needs no keys.
	entries, head, err := staff.NewDirectory(rdb, sf.namespace, nil).Trail(ctx)
	if err != nil {
		return err
	}
	bad, err := staff.VerifyTrailChain(entries, head)
	switch {
	case errors.Is(err, staff.ErrTrailBroken):
		if bad == len(entries) {
			fmt.Fprintf(stdout, "admin trail broken after its last entry (%d): %v\n", len(entries), err)
			return errAuditBroken
		}
		e := entries[bad]
		fmt.Fprintf(stdout, "admin trail broken at entry %d of %d: %v\n", bad+1, len(entries), err)
		fmt.Fprintf(stdout, "entry %d as stored: seq %d, %s, %s %s %s\n", bad+1, e.Seq, e.At.Format(time.RFC3339), e.Actor, e.Action, e.Target)
		return errAuditBroken
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "admin trail: %d entries, chain intact\n", len(entries))
	return nil
}

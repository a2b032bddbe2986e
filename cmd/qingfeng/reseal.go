package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// runReseal seals what older builds stored in the clear (ticket text, analysis,
// supplements) or under an older key or suite, moves their word indexes under keyed
// hashes, and files every ticket under its indexes again. It may run while the service
// does, and again: a second run finds nothing to do. The keys are found as serve finds
// them (QINGFENG_SECRET_KEY, QINGFENG_KEY_FILE, or secret.key in QINGFENG_DATA_DIR).
func runReseal(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reseal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, closeStore, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := store.Reseal(ctx)
	if err != nil {
		return err
	}
	n, err := store.Reindex(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d tickets read, %d sealed anew, %d word indexes moved under keyed hashes; %d tickets filed under their indexes\n",
		rep.Tickets, rep.Resealed, rep.Words, n)
	return nil
}

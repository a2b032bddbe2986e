package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"qingfeng/nlp"
)

// runLoadStats loads the analyzer once and reports what that costs: the figures of
// docs/benchmarks.md (load time, memory after load, binary size).
func runLoadStats(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, nf := newFlagSet("loadstats", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := nf.options()
	if err != nil {
		return err
	}
	start := time.Now()
	a, err := nlp.New(opts)
	if err != nil {
		return err
	}
	load := time.Since(start)
	peak := procStatus("VmHWM")
	// What a server does after loading: hand the loading garbage back to the system.
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "load time        %v\n", load.Round(time.Millisecond))
	fmt.Fprintf(stdout, "heap in use      %d MB\n", ms.HeapInuse>>20)
	fmt.Fprintf(stdout, "RSS after load   %s\n", procStatus("VmRSS"))
	fmt.Fprintf(stdout, "RSS peak (load)  %s\n", peak)
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			fmt.Fprintf(stdout, "binary size      %.1f MB (%s)\n", float64(st.Size())/(1<<20), exe)
		}
	}
	fmt.Fprintf(stdout, "categories       %d\n", len(a.Categories()))
	runtime.KeepAlive(a)
	return ctx.Err()
}

// procStatus reads one field of /proc/self/status ("unknown" off Linux).
func procStatus(field string) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// Command qingfeng is the Qingfeng service and its tools.
//
//	qingfeng serve               run the service
//	qingfeng classify            read {"id","text"} JSON lines on stdin, write results
//	qingfeng eval FILE.jsonl     score the pipeline on a labelled file
//	qingfeng train               cross-validate the model on the training corpus
//	qingfeng loadstats           what loading costs: time, memory, binary size
//	qingfeng audit verify ID     check a ticket's hash-chained history
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"serve", "run the service (HTTP on QINGFENG_ADDR, default :8080)", runServe},
		{"classify", "read {\"id\",\"text\"} JSON lines on stdin, write one result line each", runClassify},
		{"eval", "eval FILE.jsonl: score the pipeline on a labelled file", runEval},
		{"train", "cross-validate the classifier on its training corpus", runTrain},
		{"loadstats", "load the dictionaries and model once; print load time, memory and binary size", runLoadStats},
		{"loadtest", "drive a child server on loopback: webhook intake, idle websockets, bot replies", runLoadTest},
		{"staffload", "seed 100,000 tickets, start a child server and time the staff queue and figures pages", runStaffLoad},
		{"admin", "admin add-user | load-bodies: staff accounts and the tree of bodies", runAdmin},
		{"reseal", "seal what older builds kept in the clear or under an older key; move word indexes under keyed hashes", runReseal},
		{"audit", "audit verify TICKET: check a ticket's hash-chained history", runAudit},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdin, stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
			return 2
		default:
			fmt.Fprintf(stderr, "qingfeng %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "qingfeng: unknown command %q\n", args[0])
	printUsage(stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: qingfeng COMMAND [flags]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "Run 'qingfeng COMMAND -h' for a command's flags.")
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"

	"qingfeng/nlp/evaluate"
)

// progressFrom is the line count from which eval shows a progress bar.
const progressFrom = 500

func runEval(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, nf := newFlagSet("eval", stderr)
	showErrors := fs.Bool("errors", false, "also list every line whose category, mode, unit or position is wrong")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: qingfeng eval [flags] FILE.jsonl")
		return errUsage
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("read labelled file: %w", err)
	}
	a, err := nf.analyzer()
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	var ids []string
	for _, c := range a.Categories() {
		ids = append(ids, c.ID)
	}
	card := evaluate.New(ids)
	var bar *progressbar.ProgressBar
	if len(lines) >= progressFrom {
		bar = progressbar.NewOptions(len(lines), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("eval"), progressbar.OptionShowCount(), progressbar.OptionThrottle(100e6))
	}
	for n, line := range lines {
		if err := ctx.Err(); err != nil {
			return err
		}
		if bar != nil {
			_ = bar.Add(1)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var g evaluate.Gold
		if err := json.Unmarshal(line, &g); err != nil {
			card.Errors = append(card.Errors, fmt.Sprintf("line %d: %v", n+1, err))
			continue
		}
		res, err := a.Analyze(g.Text)
		if err != nil {
			card.Errors = append(card.Errors, fmt.Sprintf("%s: %v", g.ID, err))
			continue
		}
		p := evaluate.Predicted{Category: res.Category, Mode: res.Mode, Unit: res.Subject.Unit, Position: res.Subject.Position}
		for _, sig := range res.Signals {
			p.Signals = append(p.Signals, sig.Type)
		}
		card.Add(g, p)
		if *showErrors {
			printMistake(stdout, g, p)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	return card.WriteReport(stdout)
}

func printMistake(w io.Writer, g evaluate.Gold, p evaluate.Predicted) {
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	if g.Category == p.Category && g.Mode == p.Mode && (str(g.Unit) == "" || p.Unit != "") && (str(g.Position) == "" || p.Position != "") {
		return
	}
	fmt.Fprintf(w, "%s\tgold %s/%s unit=%q pos=%q\tgot %s/%s unit=%q pos=%q\n", g.ID, g.Category, g.Mode, str(g.Unit), str(g.Position),
		p.Category, p.Mode, p.Unit, p.Position)
}

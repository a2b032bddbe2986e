package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"qingfeng/nlp"
)

// maxLineBytes bounds one input line of classify; longer lines get an error line.
const maxLineBytes = 4 << 20

type classifyIn struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
}

type classifyOut struct {
	ID json.RawMessage `json:"id,omitempty"`
	*nlp.Result
}

type classifyErr struct {
	ID    json.RawMessage `json:"id,omitempty"`
	Error string          `json:"error"`
}

func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, nf := newFlagSet("classify", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := nf.analyzer()
	if err != nil {
		return err
	}
	return classifyStream(ctx, a, stdin, stdout)
}

// classifyStream answers every input line with exactly one output line, an error line
// for input it cannot read, and stops only when stdin itself fails.
func classifyStream(ctx context.Context, a *nlp.Analyzer, in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := readLine(r, maxLineBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read stdin: %w", err)
		}
		if len(bytes.TrimSpace(line)) > 0 || tooLong {
			if encErr := enc.Encode(classifyLine(a, line, tooLong)); encErr != nil {
				return fmt.Errorf("write stdout: %w", encErr)
			}
		}
		if errors.Is(err, io.EOF) {
			return w.Flush()
		}
	}
}

func classifyLine(a *nlp.Analyzer, line []byte, tooLong bool) any {
	if tooLong {
		return classifyErr{Error: fmt.Sprintf("line longer than %d bytes", maxLineBytes)}
	}
	var in classifyIn
	if err := json.Unmarshal(line, &in); err != nil {
		// Salvage the id if the line is a JSON object with a readable one.
		var probe struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(line, &probe)
		return classifyErr{ID: probe.ID, Error: "malformed JSON: " + err.Error()}
	}
	if in.Text == nil {
		return classifyErr{ID: in.ID, Error: `missing "text"`}
	}
	res, err := a.Analyze(*in.Text)
	if err != nil {
		return classifyErr{ID: in.ID, Error: err.Error()}
	}
	return classifyOut{ID: in.ID, Result: res}
}

// readLine returns the next line without its newline. A line over max bytes is
// consumed and reported as tooLong.
func readLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			tooLong = true
			line = line[:0]
		} else if !tooLong {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), tooLong, err
	}
}

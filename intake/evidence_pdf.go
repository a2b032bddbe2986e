package intake

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"io"
)

// A PDF can carry a program (JavaScript, run when it opens or on a click, or a Launch
// action that starts one) or other files inside it: neither is evidence, and either can
// attack the member of staff who opens it. scanPDF reads a PDF as it streams by and
// refuses one that names any of them. The names are looked for wherever a dictionary
// can be: in the file, with #xx escapes undone, and inside object streams (PDF 1.5 and
// later hide most dictionaries there, compressed), which it inflates. Strings, comments
// and other streams (page contents, pictures, fonts) are passed over: their bytes are
// not dictionaries, and a picture's random bytes would otherwise spell /JS now and then.

// PDF refusals, as EvidenceRefusal reasons.
const (
	RefusePDFScript   = "pdf_script"     // JavaScript or a Launch action
	RefusePDFEmbedded = "pdf_embedded"   // embedded files
	RefusePDFUnread   = "pdf_unreadable" // an object stream it cannot read (encrypted, or an unusual filter)
)

var pdfForbidden = map[string]string{"JavaScript": RefusePDFScript, "JS": RefusePDFScript, "Launch": RefusePDFScript,
	"EmbeddedFile": RefusePDFEmbedded, "EmbeddedFiles": RefusePDFEmbedded}

// pdfInflateLimit bounds what object streams may inflate to in one file, against a
// small file that inflates to gigabytes.
const pdfInflateLimit = 256 << 20

type pdfScanner struct {
	r        *bufio.Reader
	nested   bool // inside an object stream: no streams there
	inflated *int64
	// what the dictionary before a stream said
	objStm, flate, otherFilter bool
}

// scanPDF reads r to its end, or to the first thing refused.
func scanPDF(r io.Reader) error {
	var inflated int64
	s := &pdfScanner{r: bufio.NewReaderSize(r, 32<<10), inflated: &inflated}
	return s.scan()
}

func isPDFSpace(b byte) bool {
	return b == 0 || b == '\t' || b == '\n' || b == '\f' || b == '\r' || b == ' '
}

func isPDFDelim(b byte) bool {
	switch b {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (s *pdfScanner) scan() error {
	for {
		b, err := s.r.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case isPDFSpace(b):
		case b == '%':
			err = s.skipComment()
		case b == '(':
			err = s.skipString()
		case b == '<':
			err = s.skipHex()
		case b == '/':
			err = s.name()
		case isPDFDelim(b):
		default:
			err = s.keyword(b)
		}
		if err != nil {
			return err
		}
	}
}

func (s *pdfScanner) skipComment() error {
	for {
		b, err := s.r.ReadByte()
		if err != nil || b == '\n' || b == '\r' {
			return ignoreEOF(err)
		}
	}
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// skipString passes over a literal string: balanced parentheses, backslash escapes.
func (s *pdfScanner) skipString() error {
	depth := 1
	for depth > 0 {
		b, err := s.r.ReadByte()
		if err != nil {
			return ignoreEOF(err)
		}
		switch b {
		case '\\':
			if _, err := s.r.ReadByte(); err != nil {
				return ignoreEOF(err)
			}
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return nil
}

// skipHex passes over a hex string; "<<" opens a dictionary and is only a delimiter.
func (s *pdfScanner) skipHex() error {
	b, err := s.r.ReadByte()
	if err != nil || b == '<' {
		return ignoreEOF(err)
	}
	for b != '>' {
		if b, err = s.r.ReadByte(); err != nil {
			return ignoreEOF(err)
		}
	}
	return nil
}

func unhex(b byte) (byte, bool) {
	switch {
	case b >= '0' && b <= '9':
		return b - '0', true
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10, true
	case b >= 'A' && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}

// name reads a name after its slash, undoing #xx escapes (/J#61vaScript is /JavaScript).
func (s *pdfScanner) name() error {
	var buf [64]byte
	n := 0
	for {
		b, err := s.r.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if isPDFSpace(b) || isPDFDelim(b) {
			_ = s.r.UnreadByte()
			break
		}
		if b == '#' {
			if h, err := s.r.Peek(2); err == nil {
				hi, ok1 := unhex(h[0])
				lo, ok2 := unhex(h[1])
				if ok1 && ok2 {
					b = hi<<4 | lo
					_, _ = s.r.Discard(2)
				}
			}
		}
		if n < len(buf) {
			buf[n] = b
		}
		n++
	}
	if n > len(buf) {
		return nil // longer than any name looked for
	}
	name := string(buf[:n])
	if reason, bad := pdfForbidden[name]; bad {
		return &EvidenceRefusal{Reason: reason, Detail: "the PDF names /" + name}
	}
	switch name {
	case "ObjStm":
		s.objStm = true
	case "FlateDecode", "Fl":
		s.flate = true
	case "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "LZWDecode", "LZW", "RunLengthDecode", "RL", "Crypt":
		s.otherFilter = true
	}
	return nil
}

// keyword reads a run of regular characters starting with first; "stream" starts a
// stream's data, "obj" and "endobj" bound the dictionary that describes it.
func (s *pdfScanner) keyword(first byte) error {
	var buf [16]byte
	buf[0] = first
	n := 1
	for {
		b, err := s.r.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if isPDFSpace(b) || isPDFDelim(b) {
			_ = s.r.UnreadByte()
			break
		}
		if n < len(buf) {
			buf[n] = b
		}
		n++
	}
	switch string(buf[:min(n, len(buf))]) {
	case "obj", "endobj":
		s.objStm, s.flate, s.otherFilter = false, false, false
	case "stream":
		if s.nested {
			return nil
		}
		return s.stream()
	}
	return nil
}

// stream handles a stream's data, up to "endstream": an object stream is inflated and
// scanned, anything else passed over.
func (s *pdfScanner) stream() error {
	// The keyword is followed by CRLF or LF.
	if b, err := s.r.ReadByte(); err != nil {
		return ignoreEOF(err)
	} else if b == '\r' {
		if b, err := s.r.ReadByte(); err == nil && b != '\n' {
			_ = s.r.UnreadByte()
		}
	} else if b != '\n' {
		_ = s.r.UnreadByte()
	}
	data := &untilEndstream{r: s.r}
	objStm, flate, other := s.objStm, s.flate, s.otherFilter
	s.objStm, s.flate, s.otherFilter = false, false, false
	if objStm {
		var err error
		switch {
		case other:
			return &EvidenceRefusal{Reason: RefusePDFUnread, Detail: "an object stream with a filter other than Flate"}
		case flate:
			err = s.inflate(data)
		default:
			err = (&pdfScanner{r: bufio.NewReader(data), nested: true, inflated: s.inflated}).scan()
		}
		if err != nil {
			return err
		}
	}
	_, err := io.Copy(io.Discard, data)
	return err
}

func (s *pdfScanner) inflate(data io.Reader) error {
	zr, err := zlib.NewReader(data)
	if err != nil {
		return &EvidenceRefusal{Reason: RefusePDFUnread, Detail: "an object stream does not inflate (encrypted?)"}
	}
	defer zr.Close()
	limited := &io.LimitedReader{R: zr, N: pdfInflateLimit - *s.inflated + 1}
	inner := &pdfScanner{r: bufio.NewReader(limited), nested: true, inflated: s.inflated}
	err = inner.scan()
	*s.inflated = pdfInflateLimit + 1 - limited.N
	var refusal *EvidenceRefusal
	switch {
	case errors.As(err, &refusal):
		return err
	case err != nil:
		return &EvidenceRefusal{Reason: RefusePDFUnread, Detail: "an object stream does not inflate: " + err.Error()}
	case limited.N <= 0:
		return &EvidenceRefusal{Reason: RefusePDFUnread, Detail: "object streams inflate to more than the limit"}
	}
	return nil
}

// untilEndstream reads a stream's data, ending before the keyword "endstream". It runs
// over every byte of a PDF's pictures, so it copies the runs between letters e whole and
// allocates nothing.
type untilEndstream struct {
	r       *bufio.Reader
	matched int                  // bytes of "endstream" seen so far, held back
	held    [len(endstream)]byte // held-back bytes that turned out to be data
	heldN   int
	done    bool
}

const endstream = "endstream"

// endstreamFallback is the keyword's KMP failure function: after a mismatch with i+1
// bytes matched, the longest of them that may still begin the keyword.
var endstreamFallback = [len(endstream)]int{0, 0, 0, 0, 0, 0, 1, 0, 0}

func (u *untilEndstream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if u.heldN > 0 {
			k := copy(p[n:], u.held[:u.heldN])
			u.heldN = copy(u.held[:], u.held[k:u.heldN])
			n += k
			continue
		}
		if u.done {
			break
		}
		if _, err := u.r.Peek(1); err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err // EOF: a stream without its end, the file cut short
		}
		if u.matched == 0 {
			buf, _ := u.r.Peek(min(u.r.Buffered(), len(p)-n))
			i := bytes.IndexByte(buf, endstream[0])
			if i < 0 {
				i = len(buf)
			}
			if i > 0 {
				n += copy(p[n:], buf[:i])
				_, _ = u.r.Discard(i)
				continue
			}
		}
		b, _ := u.r.ReadByte()
		for u.matched > 0 && b != endstream[u.matched] {
			k := endstreamFallback[u.matched-1]
			u.heldN += copy(u.held[u.heldN:], endstream[:u.matched-k])
			u.matched = k
		}
		if b == endstream[u.matched] {
			u.matched++
			u.done = u.matched == len(endstream)
		} else {
			u.held[u.heldN] = b
			u.heldN++
		}
	}
	if n == 0 && u.done {
		return 0, io.EOF
	}
	return n, nil
}

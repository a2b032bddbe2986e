package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/internal/evidencetest"
	"qingfeng/internal/testkit"
)

// evidenceEnv is the staff environment (newStaffEnv: its accounts, bodies and tickets a
// and b) served again with evidence on, in a data directory or in S3.
type evidenceEnv struct {
	*staffEnv
	logins map[string]login
	ev     *intake.Evidence
	data   string // the data directory, when the blobs are there
}

func newEvidenceEnv(t *testing.T, onS3 bool, tune func(*Config)) *evidenceEnv {
	t.Helper()
	e, logins := newStaffEnv(t)
	return e.withEvidence(t, logins, onS3, tune)
}

func (e *staffEnv) withEvidence(t *testing.T, logins map[string]login, onS3 bool, tune func(*Config)) *evidenceEnv {
	t.Helper()
	ctx := context.Background()
	var blobs intake.BlobStore
	dir := ""
	var err error
	if onS3 {
		blobs, err = intake.NewS3Store(ctx, intake.S3Config{Endpoint: evidencetest.S3(t), Bucket: "evidence", Prefix: e.ns + "/"})
	} else {
		dir = t.TempDir()
		blobs, err = intake.NewDirStore(dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	keys, err := intake.ParseKeys(testkit.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := intake.NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	outcomes, _ := intake.LoadOutcomes(nil)
	a := testkit.Analyzer(t)
	cfg := DefaultConfig()
	cfg.Namespace, cfg.WebhookSecret, cfg.Keys = e.ns, secret, ring
	tune(&cfg)
	ev := intake.NewEvidence(e.intake, blobs, intake.DefaultEvidenceLimits())
	s := New(e.intake, bot.New(e.intake, a, bot.NewRedisSessions(e.rdb, e.ns, time.Hour, ring)), e.rdb, slog.New(slog.DiscardHandler), cfg).
		WithStaff(StaffDeps{Directory: e.dir, Tickets: e.store, Reveal: e.intake, Figures: e.store, Warnings: e.scanner, Live: e.store,
			Deadlines: e.scanner, Calendar: e.scanner, Categories: a.Categories(), Ranks: a.Ranks(), Outcomes: outcomes}).
		WithEvidence(ev)
	e.srv.Close()
	e.srv = httptest.NewServer(s.Handler())
	t.Cleanup(e.srv.Close)
	e.handler, e.routes = s.Handler(), s.StaffRoutes()
	return &evidenceEnv{staffEnv: e, logins: logins, ev: ev, data: dir}
}

// report files a citizen's report on the web and gives its number and query code.
func (e *evidenceEnv) report(t testing.TB, sender string) (string, string) {
	t.Helper()
	rc, err := e.intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: sender, Anonymous: true,
		Text: "乡财政所会计截留种粮补贴，我有收据和录音。"})
	if err != nil {
		t.Fatal(err)
	}
	return rc.Ticket.ID, rc.QueryCode
}

// multipartBody is a request body with the file in the field "file".
func multipartBody(t testing.TB, name string, content io.Reader) (io.Reader, string) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(part, content)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

// upload posts a file as a reporter's browser does and reads the answer.
func (e *evidenceEnv) upload(t testing.TB, number, code, name string, content []byte) (int, map[string]any) {
	t.Helper()
	body, ctype := multipartBody(t, name, bytes.NewReader(content))
	return e.post(t, number, code, ctype, body, -1)
}

func (e *evidenceEnv) post(t testing.TB, number, code, ctype string, body io.Reader, length int64) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tickets/"+number+"/attachments", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-Query-Code", code)
	req.ContentLength = length
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// get fetches a staff URL and gives the response with its body read.
func (e *evidenceEnv) get(t testing.TB, l login, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if l.cookie != "" {
		req.AddCookie(&http.Cookie{Name: staffCookie, Value: l.cookie})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *evidenceEnv) attachments(t testing.TB, l login, id string) []intake.Attachment {
	t.Helper()
	resp, b := e.get(t, l, "/staff/api/tickets/"+id+"/attachments")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	var out struct{ Attachments []intake.Attachment }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out.Attachments
}

// files lists every file in the data directory, uploads in progress included.
func (e *evidenceEnv) files(t testing.TB) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(e.data, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, e.data))
		}
		return err
	})
	return out
}

func (e *evidenceEnv) auditActions(t testing.TB, id string) []string {
	t.Helper()
	audit, err := e.store.Audit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range audit {
		out = append(out, a.Actor+":"+string(a.Action))
	}
	return out
}

// A reporter adds evidence with number and code; staff get the photo back without its
// EXIF, the PDF intact, as downloads typed by what they are; the thumbnail is made on
// the server; each download is in the ticket's history, the thumbnail not. The same
// over the data directory and S3.
func TestAttachmentUploadAndStaffDownload(t *testing.T) {
	for _, onS3 := range []bool{false, true} {
		t.Run(map[bool]string{false: "data directory", true: "S3"}[onS3], func(t *testing.T) {
			e := newEvidenceEnv(t, onS3, func(*Config) {})
			number, code := e.report(t, "evidence-http")
			photo := evidencetest.JPEGWithSecrets(t, 320, 200)
			status, got := e.upload(t, strings.ToLower(number), code, "IMG_2041.jpg", photo)
			if status != http.StatusCreated || got["type"] != "image/jpeg" || got["name"] != "IMG_2041.jpg" || got["id"] == "" || got["size"].(float64) <= 0 {
				t.Fatalf("upload: %d %v", status, got)
			}
			photoID := got["id"].(string)
			doc := evidencetest.PDF("", "BT (receipt) Tj ET")
			status, got = e.upload(t, number, code, "收据.pdf", doc)
			if status != http.StatusCreated {
				t.Fatalf("PDF upload: %d %v", status, got)
			}
			docID := got["id"].(string)

			leader := e.logins["leader1"]
			if list := e.attachments(t, leader, number); len(list) != 2 {
				t.Fatalf("list: %+v", list)
			}
			resp, b := e.get(t, leader, "/staff/api/tickets/"+number+"/attachments/"+photoID)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
			}
			if disp, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); disp != "attachment" || params["filename"] != "IMG_2041.jpg" {
				t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
			}
			if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte(evidencetest.SecretGPS)) || bytes.Contains(b, []byte(evidencetest.SecretMake)) {
				t.Error("the photo came back with its EXIF")
			}
			if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("the photo does not decode: %v", err)
			}
			resp, b = e.get(t, leader, "/staff/api/tickets/"+number+"/attachments/"+photoID+"?thumb=1")
			thumb, err := jpeg.DecodeConfig(bytes.NewReader(b))
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || err != nil || thumb.Height != 240 || thumb.Width != 150 {
				t.Errorf("thumbnail: %d %v %+v (the photo is 320×200 taken on its side)", resp.StatusCode, err, thumb)
			}
			resp, b = e.get(t, leader, "/staff/api/tickets/"+number+"/attachments/"+docID)
			if resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(b, doc) {
				t.Errorf("the PDF came back as %q, %d bytes of %d", resp.Header.Get("Content-Type"), len(b), len(doc))
			}
			if disp, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); disp != "attachment" || params["filename"] != "收据.pdf" {
				t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
			}
			if !onS3 {
				for _, f := range e.files(t) {
					raw, _ := os.ReadFile(filepath.Join(e.data, f))
					if bytes.Contains(raw, []byte(evidencetest.PDFMarker)) || bytes.Contains(raw, []byte("%PDF-")) {
						t.Errorf("%s holds the PDF in the clear", f)
					}
				}
			}
			want := "reporter:evidence reporter:evidence leader1:view_evidence leader1:view_evidence"
			if got := e.auditActions(t, number); strings.Join(got[1:], " ") != want {
				t.Errorf("history %v, want create then %s", got, want)
			}
		})
	}
}

// The limits, over HTTP: 20 MB a file (one byte more is 413 while it streams, a
// declared 30 MB at once), 9 a ticket (the tenth 409 with the reason), only the
// allowlist (HTML named .jpg 415), and what the file itself is refused for (422); a
// wrong code is the status query's 404, limited like it. Nothing refused is left.
func TestAttachmentLimitsOverHTTP(t *testing.T) {
	e := newEvidenceEnv(t, false, func(c *Config) { c.StatusPerNumber = 30 })
	number, code := e.report(t, "evidence-limits")
	limit := intake.DefaultEvidenceLimits().MaxBytes

	mp4 := func(n int64) io.Reader { // an MP4 header, then n bytes in all
		return io.MultiReader(strings.NewReader("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), io.LimitReader(zeroes{}, n-24))
	}
	body, ctype := multipartBody(t, "clip.mp4", mp4(limit+1))
	status, got := e.post(t, number, code, ctype, body, -1)
	if status != http.StatusRequestEntityTooLarge || got["error"] != "evidence_too_large" || !strings.Contains(got["message"].(string), "20 MB") {
		t.Errorf("20 MB + 1 byte: %d %v", status, got)
	}
	// Declared too large: refused before a byte is read.
	status, got = e.post(t, number, code, "multipart/form-data; boundary=x", io.LimitReader(zeroes{}, 30<<20), 30<<20)
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("30 MB: %d %v", status, got)
	}
	if files := e.files(t); len(files) != 0 {
		t.Errorf("too large uploads left %v", files)
	}
	body, ctype = multipartBody(t, "clip.mp4", mp4(limit))
	if status, got = e.post(t, number, code, ctype, body, -1); status != http.StatusCreated {
		t.Errorf("exactly 20 MB: %d %v", status, got)
	}

	for _, tc := range []struct {
		name, file string
		body       []byte
		status     int
		code       string
	}{
		{"HTML named .jpg", "photo.jpg", []byte("<html><body><script>alert(1)</script></body></html>"), 415, "evidence_unsupported"},
		{"a broken photo", "photo.jpg", evidencetest.JPEGWithSecrets(t, 64, 64)[:300], 422, "evidence_bad_image"},
		{"a PDF with JavaScript", "a.pdf", evidencetest.PDF("/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", "x"), 422, "evidence_pdf_script"},
		{"a PDF with an attachment", "a.pdf", evidencetest.PDF("/Names << /EmbeddedFiles 9 0 R >> ", "x"), 422, "evidence_pdf_embedded"},
		{"an empty file", "a.pdf", nil, 422, "evidence_empty"},
	} {
		status, got := e.upload(t, number, code, tc.file, tc.body)
		if status != tc.status || got["error"] != tc.code || got["message"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, got, tc.status, tc.code)
		}
	}
	if status, got := e.post(t, number, code, "application/json", strings.NewReader(`{"file":"x"}`), -1); status != http.StatusBadRequest || got["error"] != "bad_upload" {
		t.Errorf("not multipart: %d %v", status, got)
	}
	if status, _ := e.upload(t, number, "WRONGCODE234", "a.pdf", evidencetest.PDF("", "x")); status != http.StatusNotFound {
		t.Errorf("wrong code: %d", status)
	}
	if status, _ := e.upload(t, "QF-20260101-999999", code, "a.pdf", evidencetest.PDF("", "x")); status != http.StatusNotFound {
		t.Errorf("unknown number: %d", status)
	}
	for i := 2; i <= 9; i++ {
		if status, got := e.upload(t, number, code, fmt.Sprintf("%d.pdf", i), evidencetest.PDF("", "x")); status != http.StatusCreated {
			t.Fatalf("file %d: %d %v", i, status, got)
		}
	}
	status, got = e.upload(t, number, code, "10.pdf", evidencetest.PDF("", "x"))
	if status != http.StatusConflict || got["error"] != "evidence_too_many" || !strings.Contains(got["message"].(string), "9") {
		t.Errorf("the tenth file: %d %v", status, got)
	}
	if n := len(e.attachments(t, e.logins["intake1"], number)); n != 9 {
		t.Errorf("%d attachments kept, want 9", n)
	}
	if n := len(e.files(t)); n != 9 {
		t.Errorf("%d files in the data directory, want 9 (the refused left nothing)", n)
	}
}

// Guessing codes through uploads spends the status query's budget.
func TestAttachmentUploadsAreLimitedLikeStatusQueries(t *testing.T) {
	e := newEvidenceEnv(t, false, func(c *Config) { c.StatusPerNumber = 3 })
	number, code := e.report(t, "evidence-guess")
	if status, _ := e.status(t, number, code); status != http.StatusOK {
		t.Fatalf("status query: %d", status)
	}
	for i := range 2 {
		if status, _ := e.upload(t, number, fmt.Sprintf("GUESS%07d", i), "a.pdf", evidencetest.PDF("", "x")); status != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i, status)
		}
	}
	status, got := e.upload(t, number, code, "a.pdf", evidencetest.PDF("", "x"))
	if status != http.StatusTooManyRequests {
		t.Errorf("the fourth try on the number, with the right code: %d %v", status, got)
	}
}

func (e *evidenceEnv) status(t testing.TB, number, code string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/tickets/"+number, nil)
	req.Header.Set("X-Query-Code", code)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// An upload whose connection is closed in the middle leaves nothing: the temporary file
// it was being written to is removed, and nothing is recorded.
func TestAttachmentKilledUploadLeavesNothing(t *testing.T) {
	e := newEvidenceEnv(t, false, func(*Config) {})
	number, code := e.report(t, "evidence-killed")
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	if _, err := mw.CreateFormFile("file", "clip.mp4"); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/tickets/%s/attachments HTTP/1.1\r\nHost: x\r\nX-Query-Code: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		number, code, mw.FormDataContentType(), 10<<20)
	conn.Write(head.Bytes())
	conn.Write([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"))
	conn.Write(make([]byte, 2<<20))
	// The upload is under way: its temporary file is there.
	waitFor(t, "the upload to start", func() bool { return len(e.files(t)) == 1 && strings.HasPrefix(e.files(t)[0], "/.partial/") })
	conn.Close()
	waitFor(t, "the temporary file to go", func() bool { return len(e.files(t)) == 0 })
	if list := e.attachments(t, e.logins["intake1"], number); len(list) != 0 {
		t.Errorf("a killed upload was recorded: %+v", list)
	}
	if got := e.auditActions(t, number); len(got) != 1 {
		t.Errorf("a killed upload is in the history: %v", got)
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Who sees a ticket sees its evidence, whether or not their role may see who reported
// (a handler may not); nobody else does. A handler's download is recorded as theirs.
func TestAttachmentStaffAccess(t *testing.T) {
	e := newEvidenceEnv(t, false, func(*Config) {})
	ctx := context.Background()
	ids := map[string]string{}
	for name, tk := range e.tickets {
		a, err := e.ev.Attach(ctx, tk.ID, intake.Upload{Name: "r.pdf", Body: bytes.NewReader(evidencetest.PDF("", "x")), Channel: "hotline"})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = a.ID
	}
	seers := map[string][]string{"a": {"op1", "intake1", "leader1", "handler-a"}, "b": {"op1", "intake1", "leader1", "handler-b"}}
	for name, tk := range e.tickets {
		for _, u := range []string{"anonymous", "op1", "intake1", "leader1", "handler-a", "handler-b", "admin1"} {
			allowed := false
			for _, s := range seers[name] {
				allowed = allowed || s == u
			}
			for _, path := range []string{"/staff/api/tickets/" + tk.ID + "/attachments", "/staff/api/tickets/" + tk.ID + "/attachments/" + ids[name]} {
				resp, body := e.get(t, e.logins[u], path)
				if (resp.StatusCode == http.StatusOK) != allowed {
					t.Errorf("%s %s: %d %s (allowed: %v)", u, path, resp.StatusCode, body, allowed)
				}
			}
		}
	}
	resp, _ := e.get(t, e.logins["handler-a"], "/staff/api/tickets/"+e.tickets["a"].ID+"/attachments/0123456789abcdef")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown attachment: %d", resp.StatusCode)
	}
	resp, _ = e.get(t, e.logins["handler-a"], "/staff/api/tickets/"+e.tickets["a"].ID+"/attachments/..%2f..%2fsecret.key")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a path for an attachment id: %d", resp.StatusCode)
	}
	got := strings.Join(e.auditActions(t, e.tickets["a"].ID), " ")
	if !strings.Contains(got, "handler-a:view_evidence") || strings.Contains(got, "handler-b:view_evidence") {
		t.Errorf("history of a: %s", got)
	}
}

// BenchmarkUpload is a reporter's upload through the whole server (HTTP, multipart,
// sniffing, the PDF scan or the photo's stripping and decoding, sealing, the data
// directory, Redis), by type and size. peak-heap-MB is the most the heap grew during one
// upload (sampled every millisecond, after a collection): it must not grow with the file.
//
//	go test -run '^$' -bench BenchmarkUpload -benchmem ./web
func BenchmarkUpload(b *testing.B) {
	k := testkit.New(b)
	blobs, err := intake.NewDirStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	limits := intake.DefaultEvidenceLimits()
	limits.MaxFiles = 1 << 30
	cfg := DefaultConfig()
	cfg.Namespace, cfg.Keys, cfg.StatusPerIP, cfg.StatusPerNumber = k.NS, k.Keys, 1<<30, 1<<30
	s := New(k.Intake, bot.New(k.Intake, k.Analyzer, bot.NewRedisSessions(k.Redis, k.NS, time.Hour, k.Keys)), k.Redis,
		slog.New(slog.DiscardHandler), cfg).WithEvidence(intake.NewEvidence(k.Intake, blobs, limits))
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	rc, err := k.Intake.Submit(context.Background(), intake.Report{Channel: "web", SenderID: "bench", Anonymous: true,
		Text: "乡财政所会计截留种粮补贴，我有收据和录音。"})
	if err != nil {
		b.Fatal(err)
	}
	e := &evidenceEnv{staffEnv: &staffEnv{srv: srv}}

	pdf := func(n int64) io.Reader {
		head := fmt.Sprintf("%%PDF-1.7\n1 0 obj\n<< /Length %d >>\nstream\n", n)
		tail := "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
		return io.MultiReader(strings.NewReader(head), io.LimitReader(noise{}, n-int64(len(head)+len(tail))), strings.NewReader(tail))
	}
	mp4 := func(n int64) io.Reader {
		return io.MultiReader(strings.NewReader("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), io.LimitReader(noise{}, n-24))
	}
	var photo bytes.Buffer // 12 megapixels of noise, as a photo of 12 to 20 MB
	if err := jpeg.Encode(&photo, noisePicture(4000, 3000), &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		size int64
		file string
		body func(int64) io.Reader
	}{
		{"pdf-1MB", 1 << 20, "a.pdf", pdf}, {"pdf-5MB", 5 << 20, "a.pdf", pdf}, {"pdf-20MB", 20 << 20, "a.pdf", pdf},
		{"mp4-20MB", 20 << 20, "a.mp4", mp4},
		{fmt.Sprintf("jpeg-12MP-%.0fMB", float64(photo.Len())/(1<<20)), int64(photo.Len()), "a.jpg", func(int64) io.Reader { return bytes.NewReader(photo.Bytes()) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(tc.size)
			top := uint64(0)
			for range b.N {
				b.StopTimer()
				runtime.GC()
				peak := watchHeap()
				b.StartTimer()
				body, ctype := multipartBody(b, tc.file, tc.body(tc.size))
				if status, got := e.post(b, rc.Ticket.ID, rc.QueryCode, ctype, body, -1); status != http.StatusCreated {
					b.Fatalf("%d %v", status, got)
				}
				b.StopTimer()
				top = max(top, peak())
				b.StartTimer()
			}
			b.ReportMetric(float64(top)/(1<<20), "peak-heap-MB")
		})
	}
}

// watchHeap samples the live heap until the returned function is called, which gives
// the most it grew above where it stood at the start.
func watchHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base, top := read(), uint64(0)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for tick := time.NewTicker(time.Millisecond); ; {
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
				top = max(top, read())
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return max(top, base) - base
	}
}

// noise is bytes that compress to nothing, as photos and recordings do.
type noise struct{}

func (noise) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(uint32(i)*2654435761>>13) ^ byte(i>>7)
	}
	return len(p), nil
}

func noisePicture(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range m.Pix {
		m.Pix[i] = byte(rng.Uint32())
	}
	return m
}

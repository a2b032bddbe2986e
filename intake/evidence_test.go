package intake

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/webp"

	"qingfeng/internal/evidencetest"
)

const testCode = "ABCDEFGHJKMN"

// evidenceKit is evidence on one Redis backend and one blob store.
type evidenceKit struct {
	ev    *Evidence
	store *Store
	keys  *Keyring
	c     conn
	dir   string // the data directory, when the blobs are there
}

func newEvidenceKit(t *testing.T, c conn, limits EvidenceLimits) *evidenceKit {
	t.Helper()
	dir := t.TempDir()
	blobs, err := NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := newEvidenceKitOn(t, c, blobs, limits)
	k.dir = dir
	return k
}

func newEvidenceKitOn(t *testing.T, c conn, blobs BlobStore, limits EvidenceLimits) *evidenceKit {
	t.Helper()
	keys, err := NewKeyring([][]byte{key(5)})
	if err != nil {
		t.Fatal(err)
	}
	s := testStore(t, c, WithKeyring(keys))
	return &evidenceKit{ev: NewEvidence(NewIntake(s, nil, keys), blobs, limits), store: s, keys: keys, c: c}
}

// ticket files a ticket whose query code is testCode.
func (k *evidenceKit) ticket(t *testing.T, source string) *Ticket {
	t.Helper()
	tk, _, err := k.store.Create(context.Background(), Ticket{Source: source, Channel: "web", Category: "extortion",
		Text: "村会计截留种粮补贴，我有收据和录音", QueryHash: k.keys.QueryHash(testCode)}, "reporter", RoleReporter)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (k *evidenceKit) upload(t *testing.T, tk *Ticket, name string, body []byte) (*Attachment, error) {
	t.Helper()
	return k.ev.AttachByCode(context.Background(), tk.ID, testCode, Upload{Name: name, Body: bytes.NewReader(body), Channel: "web"})
}

func (k *evidenceKit) download(t *testing.T, tk *Ticket, aid string) []byte {
	t.Helper()
	_, r, err := k.ev.Download(context.Background(), tk.ID, aid, "intake1", RoleIntake)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// files lists every file under the data directory, .partial included.
func (k *evidenceKit) files(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(k.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, k.dir))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// redisText is everything the namespace holds, as text.
func (k *evidenceKit) redisText(t *testing.T) string {
	t.Helper()
	var all []string
	for _, key := range k.c.rdb.Keys(context.Background(), "qf:{"+k.c.ns+"}:*").Val() {
		all = append(all, key, storedText(t, k.c.rdb, key))
	}
	return strings.Join(all, "\n")
}

func jpegSegments(t *testing.T, b []byte) []byte {
	t.Helper()
	var markers []byte
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		m := b[i+1]
		markers = append(markers, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(b[i+2])<<8 | int(b[i+3])
	}
	return markers
}

func samePixels(t *testing.T, what string, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("%s: bounds %v, want %v", what, b.Bounds(), a.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("%s: pixel (%d,%d) changed", what, x, y)
			}
		}
	}
}

// A reporter's photo comes back to staff without what could identify them, its pixels
// untouched; a PDF comes back intact and is found nowhere in the clear, neither in the
// data directory nor in Redis; the thumbnail stands the right way up.
func TestEvidenceRoundTripStripsAndSeals(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		k := newEvidenceKit(t, c, DefaultEvidenceLimits())
		tk := k.ticket(t, "web:rt")
		secrets := []string{evidencetest.SecretMake, evidencetest.SecretOwner, evidencetest.SecretGPS, "Exif", "Photoshop", "xmpmeta"}

		photo := evidencetest.JPEGWithSecrets(t, 64, 48)
		a, err := k.upload(t, tk, "../../张三 的照片.JPG", photo)
		if err != nil {
			t.Fatal(err)
		}
		if a.Type != "image/jpeg" || a.Kind != "image" || a.Name != "张三 的照片.JPG" || !a.Thumb || a.Removed < 4 {
			t.Errorf("attachment %+v", a)
		}
		got := k.download(t, tk, a.ID)
		if bytes.ContainsRune(jpegSegments(t, got), 0xE1) {
			t.Errorf("the stripped JPEG still has an APP1 segment: markers % X", jpegSegments(t, got))
		}
		for _, s := range secrets {
			if bytes.Contains(got, []byte(s)) {
				t.Errorf("the stripped JPEG still holds %q", s)
			}
		}
		before, _ := jpeg.Decode(bytes.NewReader(photo))
		after, err := jpeg.Decode(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, "jpeg", before, after)
		if int64(len(got)) != a.Size {
			t.Errorf("size %d recorded, %d served", a.Size, len(got))
		}
		thumb, err := k.ev.Thumbnail(context.Background(), tk.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		tb, _ := io.ReadAll(thumb)
		thumb.Close()
		tm, err := jpeg.Decode(bytes.NewReader(tb))
		if err != nil {
			t.Fatalf("thumbnail: %v", err)
		}
		if tm.Bounds().Dx() != 48 || tm.Bounds().Dy() != 64 {
			t.Errorf("thumbnail of a 64×48 photo taken on its side is %v, want 48×64", tm.Bounds())
		}

		pngFile := evidencetest.PNGWithSecrets(t, 30, 20)
		a, err = k.upload(t, tk, "screenshot", pngFile)
		if err != nil {
			t.Fatal(err)
		}
		got = k.download(t, tk, a.ID)
		for _, s := range append(secrets, "tEXt", "eXIf", "iTXt", "tIME") {
			if bytes.Contains(got, []byte(s)) {
				t.Errorf("the stripped PNG still holds %q", s)
			}
		}
		before, _ = png.Decode(bytes.NewReader(pngFile))
		after, err = png.Decode(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, "png", before, after)
		if a.Name != "screenshot.png" {
			t.Errorf("a name without ending became %q", a.Name)
		}

		webpFile := evidencetest.WebPWithSecrets(t)
		a, err = k.upload(t, tk, "w.webp", webpFile)
		if err != nil {
			t.Fatal(err)
		}
		got = k.download(t, tk, a.ID)
		for _, s := range secrets {
			if bytes.Contains(got, []byte(s)) {
				t.Errorf("the stripped WebP still holds %q", s)
			}
		}
		if got[20]&(1<<2|1<<3) != 0 || len(got) != len(webpFile) {
			t.Errorf("WebP flags %08b, length %d of %d", got[20], len(got), len(webpFile))
		}
		before, _ = webp.Decode(bytes.NewReader(webpFile))
		if after, err = webp.Decode(bytes.NewReader(got)); err != nil {
			t.Fatal(err)
		}
		samePixels(t, "webp", before, after)

		doc := evidencetest.PDF("", "BT /F1 12 Tf (hello) Tj ET")
		a, err = k.upload(t, tk, "收据.pdf", doc)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.download(t, tk, a.ID); !bytes.Equal(got, doc) {
			t.Errorf("the PDF came back changed (%d bytes of %d)", len(got), len(doc))
		}
		for _, f := range k.files(t) {
			raw, _ := os.ReadFile(filepath.Join(k.dir, f))
			if bytes.Contains(raw, []byte(evidencetest.PDFMarker)) || bytes.Contains(raw, []byte("%PDF")) || bytes.Contains(raw, []byte("JFIF")) {
				t.Errorf("%s holds the evidence in the clear", f)
			}
		}
		stored := k.redisText(t)
		for _, s := range []string{evidencetest.PDFMarker, "收据", "张三", "image/jpeg"} {
			if strings.Contains(stored, s) {
				t.Errorf("Redis holds %q in the clear", s)
			}
		}
		list, err := k.ev.List(context.Background(), tk.ID)
		var types []string
		for _, a := range list {
			types = append(types, a.Type)
		}
		slices.Sort(types)
		if err != nil || strings.Join(types, " ") != "application/pdf image/jpeg image/png image/webp" {
			t.Errorf("list %+v %v", list, err)
		}
	})
}

// An attachment opens only as the file of its own ticket and attachment id: a blob or a
// record moved elsewhere, a changed byte or a cut end, all fail.
func TestEvidenceIsBoundToItsTicketAndAttachment(t *testing.T) {
	c := connect(t, openRealRedis(t))
	k := newEvidenceKit(t, c, DefaultEvidenceLimits())
	ctx := context.Background()
	one, two := k.ticket(t, "web:b1"), k.ticket(t, "web:b2")
	doc := evidencetest.PDF("", strings.Repeat("q", 3*sealChunk))
	a, err := k.upload(t, one, "a.pdf", doc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.upload(t, two, "b.pdf", doc)
	if err != nil {
		t.Fatal(err)
	}
	readAll := func(id, aid string) error {
		_, r, err := k.ev.Download(ctx, id, aid, "intake1", RoleIntake)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.ReadAll(r)
		return err
	}
	path := func(id, aid string) string { return filepath.Join(k.dir, fileBlob(id, aid)) }
	original, _ := os.ReadFile(path(one.ID, a.ID))
	restore := func() { _ = os.WriteFile(path(one.ID, a.ID), original, 0o600) }
	other, _ := os.ReadFile(path(two.ID, b.ID))

	cases := []struct {
		name   string
		change func()
	}{
		{"the other ticket's file in its place", func() { _ = os.WriteFile(path(one.ID, a.ID), other, 0o600) }},
		{"a byte changed", func() {
			x := bytes.Clone(original)
			x[len(x)/2] ^= 1
			_ = os.WriteFile(path(one.ID, a.ID), x, 0o600)
		}},
		{"the last chunk cut off", func() { _ = os.WriteFile(path(one.ID, a.ID), original[:4+3*(sealChunk+16)], 0o600) }},
		{"a chunk dropped", func() {
			_ = os.WriteFile(path(one.ID, a.ID), append(bytes.Clone(original[:4+sealChunk+16]), original[4+2*(sealChunk+16):]...), 0o600)
		}},
		{"bytes added after the end", func() { _ = os.WriteFile(path(one.ID, a.ID), append(bytes.Clone(original), 0), 0o600) }},
	}
	if err := readAll(one.ID, a.ID); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	for _, tc := range cases {
		tc.change()
		if err := readAll(one.ID, a.ID); !errors.Is(err, errSealedCut) {
			t.Errorf("%s: %v, want it refused", tc.name, err)
		}
		restore()
	}
	// The record moved to the other ticket does not open there.
	rec := k.c.rdb.HGet(ctx, k.store.evidenceKey(one.ID), a.ID).Val()
	k.c.rdb.HSet(ctx, k.store.evidenceKey(two.ID), a.ID, rec)
	if err := readAll(two.ID, a.ID); err == nil || CodeOf(err) == CodeNotFound {
		t.Errorf("a record moved to another ticket opened: %v", err)
	}
}

// What is refused is refused with its reason, and leaves nothing: no file in the data
// directory (nor a temporary one), no record, no audit entry.
func TestEvidenceRefusalsLeaveNothing(t *testing.T) {
	photo := evidencetest.JPEGWithSecrets(t, 64, 48)
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 2000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	brokenScan := append(bytes.Clone(photo[:len(photo)/3]), noise...)
	brokenScan = append(brokenScan, 0xFF, 0xD9)
	cases := []struct {
		name, file string
		body       []byte
		reason     string
	}{
		{"HTML named .jpg", "photo.jpg", []byte("<!doctype html><script>alert(1)</script>"), RefuseUnsupported},
		{"an executable named .pdf", "a.pdf", append([]byte("MZ\x90\x00"), noise...), RefuseUnsupported},
		{"nothing at all", "a.jpg", nil, RefuseEmpty},
		{"over the size limit", "big.pdf", evidencetest.PDF("", strings.Repeat("x", 6001)), RefuseTooLarge},
		{"a JPEG cut short", "cut.jpg", photo[:len(photo)/2], RefuseBadImage},
		{"a JPEG with broken scan data", "noise.jpg", brokenScan, RefuseBadImage},
		{"a PNG header and nothing else", "p.png", []byte("\x89PNG\r\n\x1a\n"), RefuseBadImage},
		{"a PNG whose picture data does not inflate", "p.png", pngWithBrokenPicture(t), RefuseBadImage},
		{"a JPEG without its Huffman tables", "h.jpg", jpegWithout(t, photo, 0xC4), RefuseBadImage},
		{"PDF with JavaScript", "js.pdf", evidencetest.PDF("/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", "x"), RefusePDFScript},
		{"PDF with hex-escaped names", "hex.pdf", evidencetest.PDF("/OpenAction << /S /J#61vaScript /J#53 9 0 R >> ", "x"), RefusePDFScript},
		{"PDF with a Launch action", "launch.pdf", evidencetest.PDF("/OpenAction << /S /Launch /F (cmd.exe) >> ", "x"), RefusePDFScript},
		{"PDF with an embedded file", "emb.pdf", evidencetest.PDF("/Names << /EmbeddedFiles 8 0 R >> ", "x"), RefusePDFEmbedded},
		{"PDF with JavaScript in a compressed object stream", "objstm.pdf",
			evidencetest.ObjStmPDF(t, "1 0 << /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>", false), RefusePDFScript},
		{"PDF with an embedded file in a raw object stream", "raw.pdf",
			evidencetest.ObjStmPDF(t, "1 0 << /Type /Filespec /EF << /F 2 0 R >> /Type /EmbeddedFile >>", true), RefusePDFEmbedded},
		{"PDF with an object stream that does not inflate", "enc.pdf",
			[]byte("%PDF-1.7\n7 0 obj\n<< /Type /ObjStm /Filter /FlateDecode /Length 9 >>\nstream\nnot-zlib!\nendstream\nendobj\n"), RefusePDFUnread},
	}
	eachBackend(t, func(t *testing.T, c conn) {
		limits := DefaultEvidenceLimits()
		limits.MaxBytes = 6000
		k := newEvidenceKit(t, c, limits)
		tk := k.ticket(t, "web:refusals")
		for _, tc := range cases {
			_, err := k.upload(t, tk, tc.file, tc.body)
			if r := Refusal(err); r == nil || r.Reason != tc.reason {
				t.Errorf("%s: %v, want refused as %s", tc.name, err, tc.reason)
			}
		}
		if files := k.files(t); len(files) != 0 {
			t.Errorf("refused uploads left files: %v", files)
		}
		if n := k.c.rdb.Exists(context.Background(), k.store.evidenceKey(tk.ID)).Val(); n != 0 {
			t.Error("refused uploads left a record")
		}
		if audit, _ := k.store.Audit(context.Background(), tk.ID); len(audit) != 1 {
			t.Errorf("refused uploads left audit entries: %+v", audit)
		}
	})
}

// pngWithBrokenPicture is a PNG whose chunks all hold (lengths, CRCs) but whose picture
// data is not zlib: only decoding tells.
func pngWithBrokenPicture(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, evidencetest.Picture(8, 8)); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	for i := 8; i+8 <= len(p); {
		n := int(binary.BigEndian.Uint32(p[i:]))
		if string(p[i+4:i+8]) == "IDAT" {
			for j := i + 8; j < i+8+n; j++ {
				p[j] = 0x5A
			}
			binary.BigEndian.PutUint32(p[i+8+n:], crc32.ChecksumIEEE(p[i+4:i+8+n]))
		}
		i += 12 + n
	}
	return p
}

// jpegWithout is a JPEG without its segments of one marker, its structure intact.
func jpegWithout(t *testing.T, jpg []byte, marker byte) []byte {
	t.Helper()
	out := bytes.Clone(jpg[:2])
	for i := 2; i+4 <= len(jpg); {
		if jpg[i] != 0xFF {
			t.Fatal("not at a marker")
		}
		m, n := jpg[i+1], int(jpg[i+2])<<8|int(jpg[i+3])
		if m == 0xDA {
			return append(out, jpg[i:]...)
		}
		if m != marker {
			out = append(out, jpg[i:i+2+n]...)
		}
		i += 2 + n
	}
	return out
}

// What is not refused: a PDF whose strings and page contents mention the names, or
// whose picture's bytes happen to spell one, is no program.
func TestPDFScanPassesOverStringsAndStreams(t *testing.T) {
	picture := "\x00\x01/JS /JavaScript\xff\xfe endstrea (unbalanced"
	for name, doc := range map[string][]byte{
		"strings and contents": evidencetest.PDF("/OpenAction [3 0 R /Fit] ", "BT (/JavaScript) Tj ET"),
		"binary picture":       evidencetest.PDF("", picture),
		"endstream split":      evidencetest.PDF("", "endstreendstrendstream-like data"),
	} {
		if err := scanPDF(bytes.NewReader(doc)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A file cut off in the middle (the connection dropped, the process killed) is an
// error of the upload, and nothing of it is left.
func TestEvidenceCutUploadLeavesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		k := newEvidenceKit(t, c, DefaultEvidenceLimits())
		tk := k.ticket(t, "web:cut")
		doc := evidencetest.PDF("", strings.Repeat("y", 300<<10))
		for _, at := range []int{10, sealChunk + 7, len(doc) - 1} {
			_, err := k.ev.AttachByCode(context.Background(), tk.ID, testCode,
				Upload{Name: "a.pdf", Body: io.MultiReader(bytes.NewReader(doc[:at]), errReader{}), Channel: "web"})
			if CodeOf(err) != CodeInvalid || Refusal(err) != nil {
				t.Errorf("cut at %d: %v, want the upload's error", at, err)
			}
		}
		if files := k.files(t); len(files) != 0 {
			t.Errorf("cut uploads left files: %v", files)
		}
		if k.c.rdb.Exists(context.Background(), k.store.evidenceKey(tk.ID)).Val() != 0 {
			t.Error("cut uploads left a record")
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// Nine files a ticket: the tenth is refused before it is read, and when uploads race for
// the last places, exactly as many as there are places are kept, and the others' blobs
// are removed.
func TestEvidenceTicketLimit(t *testing.T) {
	c := connect(t, openRealRedis(t))
	k := newEvidenceKit(t, c, DefaultEvidenceLimits())
	tk := k.ticket(t, "web:limit")
	doc := evidencetest.PDF("", "x")
	for i := range 9 {
		if _, err := k.upload(t, tk, fmt.Sprintf("%d.pdf", i), doc); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
	}
	if _, err := k.upload(t, tk, "10.pdf", doc); Refusal(err) == nil || Refusal(err).Reason != RefuseTooMany {
		t.Fatalf("the tenth file: %v", err)
	}

	limits := DefaultEvidenceLimits()
	limits.MaxFiles = 2
	k2 := newEvidenceKit(t, c, limits)
	race := k2.ticket(t, "web:race")
	var wg sync.WaitGroup
	var mu sync.Mutex
	kept, full := 0, 0
	for i := range 6 {
		wg.Go(func() {
			_, err := k2.upload(t, race, fmt.Sprintf("%d.pdf", i), doc)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				kept++
			case Refusal(err) != nil && Refusal(err).Reason == RefuseTooMany:
				full++
			default:
				t.Errorf("racing upload: %v", err)
			}
		})
	}
	wg.Wait()
	if kept != 2 || full != 4 || len(k2.files(t)) != 2 {
		t.Errorf("racing for 2 places: %d kept, %d refused, files %v", kept, full, k2.files(t))
	}
	if bad, err := k2.store.VerifyAudit(context.Background(), race.ID); bad != -1 || err != nil {
		t.Errorf("audit chain after the race: %d %v", bad, err)
	}
}

// Each upload is an audit entry of the reporter, each download one of the member of
// staff, a thumbnail none; the chain holds.
func TestEvidenceAuditEntries(t *testing.T) {
	eachBackend(t, func(t *testing.T, c conn) {
		k := newEvidenceKit(t, c, DefaultEvidenceLimits())
		ctx := context.Background()
		tk := k.ticket(t, "web:audit")
		a, err := k.upload(t, tk, "p.jpg", evidencetest.JPEGWithSecrets(t, 16, 16))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.ev.Attach(ctx, tk.ID, Upload{Name: "v.amr", Body: strings.NewReader("#!AMR\n\x3c\x00"), Channel: "wechat"}); err != nil {
			t.Fatal(err)
		}
		k.download(t, tk, a.ID)
		_, r, err := k.ev.Download(ctx, tk.ID, a.ID, "handler-a", RoleHandler)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		th, err := k.ev.Thumbnail(ctx, tk.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		th.Close()
		audit, err := k.store.Audit(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range audit[1:] {
			got = append(got, fmt.Sprintf("%s/%s/%s", e.Actor, e.Role, e.Action))
		}
		want := []string{"reporter/reporter/evidence", "reporter/reporter/evidence", "intake1/intake/view_evidence", "handler-a/handler/view_evidence"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("audit %v, want %v", got, want)
		}
		if !strings.Contains(audit[1].Note, a.ID) || !strings.Contains(audit[2].Note, "微信") || !strings.Contains(audit[3].Note, a.ID) {
			t.Errorf("notes %q %q %q", audit[1].Note, audit[2].Note, audit[3].Note)
		}
		if strings.Contains(audit[1].Note, "p.jpg") {
			t.Error("the audit note names the file (what the reporter wrote stays sealed)")
		}
		if bad, err := k.store.VerifyAudit(ctx, tk.ID); bad != -1 || err != nil {
			t.Errorf("audit chain: %d %v", bad, err)
		}
		// A wrong code, and an unknown attachment.
		if _, err := k.ev.AttachByCode(ctx, tk.ID, "WRONGWRONGWR", Upload{Body: strings.NewReader("%PDF-")}); CodeOf(err) != CodeNotFound {
			t.Errorf("wrong code: %v", err)
		}
		if _, _, err := k.ev.Download(ctx, tk.ID, "0000000000000000", "intake1", RoleIntake); CodeOf(err) != CodeNotFound {
			t.Errorf("unknown attachment: %v", err)
		}
	})
}

// A file's chunks open only with the cipher of its own ticket, attachment and part,
// even under the same file key.
func TestSealedStreamIsBound(t *testing.T) {
	seal := func(ticket, aid, part string) []byte {
		aead, _ := chunkAEAD(chunkAlgAE, key(9), ticket, aid, part)
		var b bytes.Buffer
		w, _ := newSealWriter(&b, aead)
		w.Write([]byte("evidence"))
		w.Close()
		return b.Bytes()
	}
	sealed := seal("QF-1", "a", partFile)
	for _, other := range [][3]string{{"QF-2", "a", partFile}, {"QF-1", "b", partFile}, {"QF-1", "a", partThumb}} {
		aead, _ := chunkAEAD(chunkAlgAE, key(9), other[0], other[1], other[2])
		r, err := newOpenReader(bytes.NewReader(sealed), aead)
		if err == nil {
			_, err = io.ReadAll(r)
		}
		if !errors.Is(err, errSealedCut) {
			t.Errorf("opened as %v: %v", other, err)
		}
	}
}

func TestSealedStreamRoundTrip(t *testing.T) {
	aead, err := chunkAEAD(chunkAlgSM, key(9), "QF-1", "aid", partFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, sealChunk - 1, sealChunk, sealChunk + 1, 3*sealChunk + 5} {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		var sealed bytes.Buffer
		w, _ := newSealWriter(&sealed, aead)
		// Written in odd pieces, as a stream arrives.
		for rest := plain; len(rest) > 0; {
			k := min(len(rest), 1000+len(rest)%777)
			if _, err := w.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed.Bytes(), bytes.Repeat([]byte{byte(n)}, 64)) && n >= 64 {
			t.Errorf("%d bytes: plaintext visible", n)
		}
		r, err := newOpenReader(bytes.NewReader(sealed.Bytes()), aead)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%d bytes: got %d back, %v", n, len(got), err)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head, name, want string
	}{
		{"\xff\xd8\xff\xe0", "", "image/jpeg"},
		{"\x89PNG\r\n\x1a\n", "", "image/png"},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", "", "image/webp"},
		{"RIFF\x00\x00\x00\x00WAVEfmt ", "", "audio/wav"},
		{"ID3\x04\x00", "", "audio/mpeg"},
		{"\xff\xfb\x90\x64", "", "audio/mpeg"},
		{"#!AMR\n", "", "audio/amr"},
		{"#!AMR-WB\n", "", "audio/amr-wb"},
		{"\x00\x00\x00\x20ftypM4A \x00", "", "audio/mp4"},
		{"\x00\x00\x00\x20ftypisom\x00", "record.m4a", "audio/mp4"},
		{"\x00\x00\x00\x20ftypisom\x00", "clip.mp4", "video/mp4"},
		{"\x00\x00\x00\x14ftypqt  \x00", "", "video/quicktime"},
		{"\x00\x00\x00\x14ftyp3gp4\x00", "", "video/3gpp"},
		{"%PDF-1.4", "", "application/pdf"},
		{"<html><body>", "x.jpg", ""},
		{"GIF89a", "", ""},
		{"PK\x03\x04", "a.docx", ""},
		{"\xff\xf1\x50\x80", "", ""}, // ADTS AAC: no MPEG layer
		{"\x00\x00\x00\x20ftypheic", "", ""},
		{"", "", ""},
	} {
		ft, ok := sniff([]byte(tc.head), tc.name)
		if ft.MIME != tc.want || ok != (tc.want != "") {
			t.Errorf("sniff(%q, %q) = %q %v, want %q", tc.head, tc.name, ft.MIME, ok, tc.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"收据.pdf", "收据.pdf"},
		{`C:\Users\张三\Desktop\收据.PDF`, "收据.PDF"},
		{"../../etc/passwd", "passwd.pdf"},
		{"invoice.jpg", "invoice.jpg.pdf"},
		{"abc\u202egpj.pdf", "abcgpj.pdf"},
		{"a\x00b\"c.pdf", "abc.pdf"},
		{"", "0123456789abcdef.pdf"},
		{"...", "0123456789abcdef.pdf"},
		{strings.Repeat("长", 200) + ".pdf", strings.Repeat("长", maxNameRunes) + ".pdf"},
	} {
		if got := cleanName(tc.in, typePDF, "0123456789abcdef"); got != tc.want {
			t.Errorf("cleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The end of a stream is found however the keyword falls: after false starts, split
// across reads of any size.
func TestUntilEndstream(t *testing.T) {
	// Each ends where a false start of the keyword runs into the real one.
	for _, data := range []string{"", "abc", "eeee", "endstrea", "endstr", "en", "endstre", "e\x00endstreamx"[:9],
		strings.Repeat("xe", 5000) + "endstrem", "endstreendstreaendstr"} {
		in := data + "endstream tail"
		for _, size := range []int{1, 2, 3, 7, 100, 1 << 16} {
			u := &untilEndstream{r: bufio.NewReaderSize(strings.NewReader(in), 16)}
			var got []byte
			buf := make([]byte, size)
			for {
				n, err := u.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			rest, _ := io.ReadAll(u.r)
			if string(got) != data || string(rest) != " tail" {
				t.Errorf("%q read %d at a time: data %q, left %q", data, size, got, rest)
			}
		}
	}
}

// An image over the pixel limit is refused from its header, before it is decoded; the
// pixels being decoded at once never exceed the limit, and a wait for them ends with
// the request.
func TestEvidencePixelLimit(t *testing.T) {
	c := connect(t, openRealRedis(t))
	limits := DefaultEvidenceLimits()
	limits.MaxPixels = 64 * 47
	k := newEvidenceKit(t, c, limits)
	tk := k.ticket(t, "web:pixels")
	// Were the limit not checked, this upload would wait for pixels that never come.
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	_, err := k.ev.AttachByCode(wait, tk.ID, testCode, Upload{Name: "p.jpg", Body: bytes.NewReader(evidencetest.JPEGWithSecrets(t, 64, 48))})
	if Refusal(err) == nil || Refusal(err).Reason != RefuseImageSize {
		t.Errorf("64×48 over a limit of 64×47: %v", err)
	}
	if _, err := k.upload(t, tk, "p.jpg", evidencetest.JPEGWithSecrets(t, 64, 47)); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if k.ev.pixels.free != limits.MaxPixels {
		t.Errorf("%d pixels free after the uploads, want all %d back", k.ev.pixels.free, limits.MaxPixels)
	}

	b := newPixelBudget(100)
	if err := b.acquire(context.Background(), 70); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.acquire(ctx, 40); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("70 of 100 held, 40 more: %v, want to wait", err)
	}
	done := make(chan error)
	go func() { done <- b.acquire(context.Background(), 40) }()
	b.release(70)
	if err := <-done; err != nil {
		t.Errorf("after the release: %v", err)
	}
}

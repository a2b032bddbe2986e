package intake

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Evidence takes the files a reporter sends with a complaint (photos, recordings,
// videos, PDFs) and gives them back to staff. A file is read once, as it streams in,
// never held whole: its type is sniffed from its first bytes against an allowlist, an
// image's metadata is stripped and its pixels decoded to prove it is one (and to make a
// thumbnail), a PDF is scanned for programs and embedded files, and the bytes are
// sealed chunk by chunk into the blob store. Only when all of that succeeded is the
// blob committed and the attachment recorded on its ticket, with an audit entry, in one
// script. Every download by staff is an audit entry too.
//
// The web layer calls AttachByCode for a reporter holding the number and query code;
// a channel that already knows the ticket (the chat after filing, WeChat) calls Attach
// with the ticket's id and whatever reader the file arrives on.
type Evidence struct {
	in     *Intake
	blobs  BlobStore
	limits EvidenceLimits
	pixels *pixelBudget // pixels decoded at once: each picture is held until its thumbnail is made
}

// EvidenceLimits are the explicit limits of evidence (README).
type EvidenceLimits struct {
	MaxBytes  int64 // QINGFENG_MAX_FILE_BYTES: one file, as sent
	MaxFiles  int   // QINGFENG_MAX_FILES: files on one ticket
	MaxPixels int64 // an image's width × height, which bounds the memory its decoding takes;
	// this instance decodes at most that many pixels at once
}

// DefaultEvidenceLimits: 20 MiB a file, 9 a ticket, 50 megapixels (a phone's largest
// photos are 48–50 MP).
func DefaultEvidenceLimits() EvidenceLimits {
	return EvidenceLimits{MaxBytes: 20 << 20, MaxFiles: 9, MaxPixels: 50_000_000}
}

// NewEvidence keeps evidence for the tickets of in, in blobs, sealed with in's keyring.
func NewEvidence(in *Intake, blobs BlobStore, limits EvidenceLimits) *Evidence {
	return &Evidence{in: in, blobs: blobs, limits: limits, pixels: newPixelBudget(limits.MaxPixels)}
}

// Limits are the limits in force.
func (e *Evidence) Limits() EvidenceLimits { return e.limits }

// Actions of evidence in a ticket's history; neither changes the ticket's status.
const (
	ActEvidence     Action = "evidence"      // the reporter added a file
	ActViewEvidence Action = "view_evidence" // staff downloaded one
)

// Upload is one file arriving.
type Upload struct {
	Name    string    // as the sender named it: shown to staff (cleaned), never trusted
	Body    io.Reader // read once, to its end or to the first thing refused
	Channel string    // where it came from: web, chat, wechat …
	Actor   string    // for the history: "reporter" unless given
	Role    Role      // RoleReporter unless given
}

// Attachment is a stored file as staff and the reporter see it.
type Attachment struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Size    int64     `json:"size"` // as stored, after stripping
	Type    string    `json:"type"` // sniffed MIME type
	Kind    string    `json:"kind"` // image, audio, video, document
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
	SHA256  string    `json:"sha256"`  // of the stored bytes, so a copy can be checked
	Removed int       `json:"removed"` // metadata segments or chunks removed (images)
	Thumb   bool      `json:"thumb"`   // a thumbnail was made
}

// EvidenceRefusal is a file not taken, and why. Reason is stable, for the web layer to
// word for people; Detail is English, for logs.
type EvidenceRefusal struct {
	Reason string
	Detail string
	Limit  int64 // the limit broken, for too_large and too_many
}

func (r *EvidenceRefusal) Error() string { return "evidence refused: " + r.Reason + ": " + r.Detail }

// Refusal reasons besides the PDF ones (evidence_pdf.go).
const (
	RefuseTooLarge    = "too_large"     // more bytes than MaxBytes
	RefuseTooMany     = "too_many"      // the ticket has MaxFiles already
	RefuseUnsupported = "unsupported"   // not a type of the allowlist
	RefuseEmpty       = "empty"         // no bytes at all
	RefuseBadImage    = "bad_image"     // an image whose bytes do not decode
	RefuseImageSize   = "image_too_big" // more pixels than MaxPixels
)

// Refusal returns the refusal anywhere in err's chain, or nil.
func Refusal(err error) *EvidenceRefusal {
	var r *EvidenceRefusal
	if errors.As(err, &r) {
		return r
	}
	return nil
}

// Attach adds a file to the ticket id, for a channel that knows the ticket.
func (e *Evidence) Attach(ctx context.Context, id string, up Upload) (*Attachment, error) {
	t, err := e.in.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.attach(ctx, t, up)
}

// AttachByCode adds a file for a reporter holding the ticket's number and query code;
// a wrong code and an unknown number are answered alike (CodeNotFound).
func (e *Evidence) AttachByCode(ctx context.Context, number, code string, up Upload) (*Attachment, error) {
	t, err := e.in.authorize(ctx, number, code)
	if err != nil {
		return nil, err
	}
	return e.attach(ctx, t, up)
}

func (e *Evidence) attach(ctx context.Context, t *Ticket, up Upload) (*Attachment, error) {
	if up.Actor == "" {
		up.Actor, up.Role = "reporter", RoleReporter
	}
	// Refused before a byte is read, so a full ticket costs no upload; the script that
	// records the file checks again.
	if n, err := e.count(ctx, t.ID); err != nil {
		return nil, err
	} else if n >= e.limits.MaxFiles {
		return nil, &EvidenceRefusal{Reason: RefuseTooMany, Detail: fmt.Sprintf("ticket %s has %d files", t.ID, n), Limit: int64(e.limits.MaxFiles)}
	}
	rec, err := e.newRecord(up.Channel)
	if err != nil {
		return nil, err
	}
	src := &sourceReader{r: up.Body, left: e.limits.MaxBytes, max: e.limits.MaxBytes}
	in := bufio.NewReaderSize(src, 32<<10)
	head, _ := in.Peek(sniffLen)
	if src.err != nil {
		return nil, src.err
	}
	if len(head) == 0 {
		return nil, &EvidenceRefusal{Reason: RefuseEmpty, Detail: "no bytes"}
	}
	ft, ok := sniff(head, up.Name)
	if !ok {
		return nil, &EvidenceRefusal{Reason: RefuseUnsupported, Detail: fmt.Sprintf("first bytes %q", head)}
	}
	rec.Type, rec.Kind, rec.Name = ft.MIME, ft.Kind, cleanName(up.Name, ft, rec.ID)

	var picture decoded
	defer func() { e.pixels.release(picture.pixels) }()
	if err := e.store(ctx, t.ID, rec, ft, in, src, &picture); err != nil {
		return nil, err
	}
	if picture.img != nil {
		thumb, err := thumbnail(picture.img, rec.Orientation)
		e.pixels.release(picture.pixels) // the pixels go as soon as the thumbnail is made
		picture = decoded{}
		if err == nil {
			err = e.storeThumb(ctx, t.ID, rec, thumb)
		}
		if err != nil {
			e.discard(t.ID, rec)
			return nil, err
		}
		rec.Thumb = true
	}
	if err := e.record(ctx, t, rec, up); err != nil {
		e.discard(t.ID, rec)
		return nil, err
	}
	return &rec.Attachment, nil
}

// store streams the file through stripping, inspection and sealing into its blob, and
// commits the blob only if all of them succeeded.
func (e *Evidence) store(ctx context.Context, id string, rec *evidenceRecord, ft FileType, in *bufio.Reader, src *sourceReader, picture *decoded) error {
	aead, err := chunkAEAD(rec.Alg, rec.Key, id, rec.ID, partFile)
	if err != nil {
		return err
	}
	blob, err := e.blobs.Create(ctx, fileBlob(id, rec.ID))
	if err != nil {
		return unavailable(err)
	}
	sealer, err := newSealWriter(blob, aead)
	if err != nil {
		_ = blob.Abort()
		return unavailable(err)
	}
	sum := sha256.New()
	size := &counter{}
	outs := []io.Writer{sealer, sum, size}
	var check *inspector
	switch ft.Kind {
	case "image":
		check = inspect(func(r io.Reader) (err error) {
			*picture, err = e.decodeImage(ctx, r, ft)
			return err
		})
	case "document":
		check = inspect(scanPDF)
	}
	if check != nil {
		outs = append(outs, check)
	}
	info := imageInfo{}
	err = copyStripped(io.MultiWriter(outs...), in, ft, &info)
	if err == nil {
		err = sealer.Close()
	}
	if check != nil {
		if cerr := check.finish(err); err == nil {
			err = cerr
		}
	}
	switch {
	case src.err != nil: // the sender's fault (too much, or cut off), whatever it broke downstream
		err = src.err
	case errors.Is(err, errMalformed):
		err = &EvidenceRefusal{Reason: RefuseBadImage, Detail: err.Error()}
	case err != nil && Refusal(err) == nil:
		err = unavailable(err) // the blob store failed
	}
	if err != nil {
		_ = blob.Abort()
		return err
	}
	if err := blob.Commit(); err != nil {
		return unavailable(err)
	}
	rec.Size, rec.SHA256, rec.Removed, rec.Orientation = size.n, hex.EncodeToString(sum.Sum(nil)), info.Removed, info.Orientation
	return nil
}

// copyStripped copies a file, without its metadata if it is an image.
func copyStripped(dst io.Writer, src *bufio.Reader, ft FileType, info *imageInfo) error {
	switch ft.MIME {
	case typeJPEG.MIME:
		return stripJPEG(dst, src, info)
	case typePNG.MIME:
		return stripPNG(dst, src, info)
	case typeWebP.MIME:
		return stripWebP(dst, src, info)
	}
	_, err := io.Copy(dst, src)
	return err
}

func (e *Evidence) storeThumb(ctx context.Context, id string, rec *evidenceRecord, thumb []byte) error {
	aead, err := chunkAEAD(rec.Alg, rec.Key, id, rec.ID, partThumb)
	if err != nil {
		return err
	}
	blob, err := e.blobs.Create(ctx, thumbBlob(id, rec.ID))
	if err != nil {
		return unavailable(err)
	}
	sealer, err := newSealWriter(blob, aead)
	if err == nil {
		if _, err = sealer.Write(thumb); err == nil {
			err = sealer.Close()
		}
	}
	if err != nil {
		_ = blob.Abort()
		return unavailable(err)
	}
	if err := blob.Commit(); err != nil {
		return unavailable(err)
	}
	return nil
}

// discard removes the blobs of an attachment that was not recorded. It runs even when
// the request was cancelled, and a failure leaves only sealed bytes nothing points to.
func (e *Evidence) discard(id string, rec *evidenceRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.blobs.Delete(ctx, fileBlob(id, rec.ID))
	_ = e.blobs.Delete(ctx, thumbBlob(id, rec.ID))
}

// Download opens an attachment for a member of staff, after recording the download in
// the ticket's history: no byte goes out unrecorded. The caller closes the reader.
func (e *Evidence) Download(ctx context.Context, id, aid, actor string, role Role) (*Attachment, io.ReadCloser, error) {
	rec, err := e.get(ctx, id, aid)
	if err != nil {
		return nil, nil, err
	}
	r, err := e.open(ctx, id, rec, partFile)
	if err != nil {
		return nil, nil, err
	}
	note := fmt.Sprintf("下载证据 %s（%s）", rec.ID, kindNames[rec.Kind])
	if err := e.in.store.recordRetrying(ctx, id, actor, role, ActViewEvidence, note); err != nil {
		r.Close()
		return nil, nil, err
	}
	return &rec.Attachment, r, nil
}

// Thumbnail opens an image's thumbnail (a JPEG); it is not recorded, being no copy of
// the evidence.
func (e *Evidence) Thumbnail(ctx context.Context, id, aid string) (io.ReadCloser, error) {
	rec, err := e.get(ctx, id, aid)
	if err != nil {
		return nil, err
	}
	if !rec.Thumb {
		return nil, errorf(CodeNotFound, "attachment %s has no thumbnail", aid)
	}
	return e.open(ctx, id, rec, partThumb)
}

func (e *Evidence) open(ctx context.Context, id string, rec *evidenceRecord, part string) (io.ReadCloser, error) {
	aead, err := chunkAEAD(rec.Alg, rec.Key, id, rec.ID, part)
	if err != nil {
		return nil, err
	}
	name := fileBlob(id, rec.ID)
	if part == partThumb {
		name = thumbBlob(id, rec.ID)
	}
	blob, err := e.blobs.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	r, err := newOpenReader(blob, aead)
	if err != nil {
		blob.Close()
		return nil, fmt.Errorf("ticket %s: attachment %s: %w", id, rec.ID, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, blob}, nil
}

// kindNames and channelNames word audit notes, which staff read.
var (
	kindNames    = map[string]string{"image": "图片", "audio": "录音", "video": "视频", "document": "文件"}
	channelNames = map[string]string{"web": "网页", "chat": "网上对话", "wechat": "微信", "sms": "短信", "hotline": "热线"}
)

const (
	partFile  = "file"
	partThumb = "thumb"
)

// Blob names: the ticket's number and the attachment's id, nothing a reporter wrote.
func fileBlob(id, aid string) string  { return id + "/" + aid }
func thumbBlob(id, aid string) string { return id + "/" + aid + ".thumb" }

// evidenceRecord is what Redis keeps of an attachment, sealed whole: what staff see,
// and the file's own key.
type evidenceRecord struct {
	Attachment
	Key         []byte `json:"key"`         // the file key, random per attachment
	Alg         string `json:"alg"`         // the chunks' cipher, the keyring's seal suite when stored
	Orientation int    `json:"orientation"` // EXIF orientation of an image, for its thumbnail
}

func (e *Evidence) newRecord(channel string) (*evidenceRecord, error) {
	var raw [8 + 32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("evidence: random: %w", err)
	}
	alg := chunkAlgAE
	if seal, _ := e.in.keys.Suites(); seal == SuiteSM {
		alg = chunkAlgSM
	}
	return &evidenceRecord{Attachment: Attachment{ID: hex.EncodeToString(raw[:8]), At: e.in.store.now().UTC(), Channel: channel},
		Key: raw[8:], Alg: alg}, nil
}

// ValidAttachmentID says whether s has the form of an attachment id, so a route can
// refuse anything else before asking Redis.
func ValidAttachmentID(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// maxNameRunes bounds a file's name as kept.
const maxNameRunes = 80

// cleanName makes the name a sender gave safe to show and to offer as a download: no
// directories, no control or formatting characters (a right-to-left override can make
// "gpj.exe" read "exe.jpg"), at most maxNameRunes, and an ending that matches what the
// file was found to be. A file without a name is named by its id.
func cleanName(name string, ft FileType, aid string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if !slices.Contains(ft.Exts, strings.ToLower(ext)) {
		stem, ext = name, ft.Exts[0]
	}
	if r := []rune(stem); len(r) > maxNameRunes {
		stem = string(r[:maxNameRunes])
	}
	if strings.Trim(stem, ". ") == "" {
		stem = aid
	}
	return stem + ext
}

// sourceReader reads what a sender sends, refusing more than max bytes, and remembers
// why reading failed (too much, or the connection cut), so a failure is blamed on the
// sender and not on the file.
type sourceReader struct {
	r         io.Reader
	left, max int64
	err       error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if int64(len(p)) > s.left+1 {
		p = p[:s.left+1]
	}
	n, err := s.r.Read(p)
	if int64(n) > s.left {
		s.err = &EvidenceRefusal{Reason: RefuseTooLarge, Detail: fmt.Sprintf("more than %d bytes", s.max), Limit: s.max}
		return 0, s.err
	}
	s.left -= int64(n)
	if err != nil && err != io.EOF {
		s.err = &Error{Code: CodeInvalid, Msg: "the upload was cut off", Err: err}
		return n, s.err
	}
	return n, err
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// inspector runs a check over the bytes written to it in a goroutine of its own. A check
// that refuses early stops the copy at once: its error comes back from Write.
type inspector struct {
	pw   *io.PipeWriter
	done chan error
}

func inspect(check func(io.Reader) error) *inspector {
	pr, pw := io.Pipe()
	i := &inspector{pw: pw, done: make(chan error, 1)}
	go func() {
		err := check(pr)
		if err != nil {
			pr.CloseWithError(err)
		} else {
			_, _ = io.Copy(io.Discard, pr) // the rest, which the check did not need
		}
		i.done <- err
	}()
	return i
}

func (i *inspector) Write(p []byte) (int, error) { return i.pw.Write(p) }

// finish ends the input (with cause, when the copy failed) and waits for the verdict.
func (i *inspector) finish(cause error) error {
	if cause != nil {
		i.pw.CloseWithError(cause)
	} else {
		i.pw.Close()
	}
	return <-i.done
}

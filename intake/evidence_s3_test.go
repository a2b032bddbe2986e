package intake

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"qingfeng/internal/evidencetest"
)

// fakeS3 is a store on an S3-compatible server in the test's process, on loopback.
func fakeS3(t *testing.T) *S3Store {
	t.Helper()
	cfg := S3Config{Endpoint: evidencetest.S3(t), Bucket: "evidence", AccessKey: "test", SecretKey: "test-secret", Prefix: "main/"}
	s, err := NewS3Store(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// objects is every object of the bucket, with its bytes, and the uploads in progress.
func objects(t *testing.T, s *S3Store) (map[string][]byte, int) {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		r, err := s.c.GetObject(ctx, s.bucket, o.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key], _ = io.ReadAll(r)
		r.Close()
	}
	incomplete := 0
	for u := range s.c.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if u.Err == nil {
			incomplete++
		}
	}
	return out, incomplete
}

// The S3 path: a file larger than one part goes up as a multipart upload, sealed, and
// comes back intact; what is cut off or refused leaves no object and no upload open.
func TestEvidenceOnS3(t *testing.T) {
	c := connect(t, openRealRedis(t))
	s3 := fakeS3(t)
	k := newEvidenceKitOn(t, c, s3, DefaultEvidenceLimits())
	ctx := context.Background()
	tk := k.ticket(t, "web:s3")

	doc := evidencetest.PDF("", strings.Repeat("evidence page ", (s3PartSize+s3PartSize/2)/14))
	a, err := k.upload(t, tk, "big.pdf", doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.download(t, tk, a.ID); !bytes.Equal(got, doc) {
		t.Fatalf("the PDF came back changed: %d bytes of %d", len(got), len(doc))
	}
	photo := evidencetest.JPEGWithSecrets(t, 64, 48)
	p, err := k.upload(t, tk, "p.jpg", photo)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.download(t, tk, p.ID); bytes.Contains(got, []byte(evidencetest.SecretGPS)) || bytes.ContainsRune(jpegSegments(t, got), 0xE1) {
		t.Error("the photo on S3 kept its EXIF")
	}
	objs, open := objects(t, s3)
	if len(objs) != 3 || open != 0 { // the PDF, the photo and its thumbnail
		t.Errorf("%d objects (%d uploads open), want 3 and none", len(objs), open)
	}
	for name, b := range objs {
		if !strings.HasPrefix(name, "main/"+tk.ID+"/") {
			t.Errorf("object %s is not under the namespace and ticket", name)
		}
		if bytes.Contains(b, []byte(evidencetest.PDFMarker)) || bytes.Contains(b, []byte("evidence page")) || bytes.Contains(b, []byte("JFIF")) {
			t.Errorf("object %s holds the evidence in the clear", name)
		}
	}

	// Cut off past the first part, refused in the first part, and refused at the end.
	cut := io.MultiReader(bytes.NewReader(doc[:s3PartSize+100]), errReader{})
	if _, err := k.ev.AttachByCode(ctx, tk.ID, testCode, Upload{Name: "cut.pdf", Body: cut, Channel: "web"}); CodeOf(err) != CodeInvalid {
		t.Errorf("cut upload: %v", err)
	}
	if _, err := k.upload(t, tk, "js.pdf", evidencetest.PDF("/OpenAction << /S /JavaScript >> ", "x")); Refusal(err) == nil {
		t.Errorf("PDF with JavaScript: %v", err)
	}
	if _, err := k.upload(t, tk, "late.pdf", append(bytes.Clone(doc), []byte("\n9 0 obj << /JS (x) >> endobj\n")...)); Refusal(err) == nil {
		t.Errorf("PDF with JavaScript at its end: %v", err)
	}
	if after, open := objects(t, s3); len(after) != 3 || open != 0 {
		t.Errorf("after the cut and refused uploads: %d objects, %d uploads open", len(after), open)
	}
	if list, _ := k.ev.List(ctx, tk.ID); len(list) != 2 {
		t.Errorf("%d attachments recorded, want 2", len(list))
	}
}

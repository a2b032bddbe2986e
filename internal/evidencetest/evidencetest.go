// Package evidencetest gives the evidence tests of intake and web their files: photos
// carrying what must be stripped, PDFs with and without what must be refused, and an
// S3-compatible server on loopback.
package evidencetest

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"golang.org/x/image/webp"
)

// What the test photos carry that must not survive: the phone's make and serial number,
// the owner, where it was taken.
const (
	SecretMake  = "SecretPhone-X1"
	SecretOwner = "OwnerZhangSan"
	SecretGPS   = "GPS-39.9042N-116.4074E"
)

// Picture is a small picture with enough detail that a change of its pixels shows.
func Picture(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) * 4), 255})
		}
	}
	return m
}

// tiffWithSecrets is an EXIF TIFF structure (big-endian) with the orientation, the
// make, the owner and a GPS block.
func tiffWithSecrets(orientation uint16) []byte {
	var b bytes.Buffer
	b.WriteString("MM\x00\x2a")
	binary.Write(&b, binary.BigEndian, uint32(8))
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // inline when at most 4 bytes
	}
	entries := []entry{
		{0x010F, 2, uint32(len(SecretMake) + 1), []byte(SecretMake + "\x00")},
		{0x0112, 3, 1, []byte{byte(orientation >> 8), byte(orientation), 0, 0}},
		{0x013B, 2, uint32(len(SecretOwner) + 1), []byte(SecretOwner + "\x00")},
		{0x8825, 2, uint32(len(SecretGPS) + 1), []byte(SecretGPS + "\x00")}, // stands for the GPS IFD
	}
	dataAt := 8 + 2 + 12*len(entries) + 4
	var data bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, binary.BigEndian, e.tag)
		binary.Write(&b, binary.BigEndian, e.typ)
		binary.Write(&b, binary.BigEndian, e.count)
		if len(e.value) <= 4 {
			b.Write(append(e.value, make([]byte, 4-len(e.value))...))
		} else {
			binary.Write(&b, binary.BigEndian, uint32(dataAt+data.Len()))
			data.Write(e.value)
		}
	}
	binary.Write(&b, binary.BigEndian, uint32(0))
	b.Write(data.Bytes())
	return b.Bytes()
}

func jpegSegment(marker byte, payload []byte) []byte {
	out := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(payload)+2))
	return append(out, payload...)
}

// JPEGWithSecrets is a w×h JPEG taken "on its side" (EXIF orientation 6) carrying EXIF
// with make, owner and GPS, XMP, a Photoshop block, a comment, and a second picture with
// its own EXIF after the end of the first (as phones' multi-picture files do).
func JPEGWithSecrets(t testing.TB, w, h int) []byte {
	t.Helper()
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, Picture(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	p := plain.Bytes()
	var out bytes.Buffer
	out.Write(p[:2]) // SOI
	out.Write(jpegSegment(0xE1, append([]byte("Exif\x00\x00"), tiffWithSecrets(6)...)))
	out.Write(jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+SecretGPS+"</x:xmpmeta>")))
	out.Write(jpegSegment(0xED, []byte("Photoshop 3.0\x00"+SecretOwner)))
	out.Write(jpegSegment(0xFE, []byte("taken by "+SecretOwner)))
	out.Write(p[2:])
	out.Write([]byte{0xFF, 0xD8})
	out.Write(jpegSegment(0xE1, append([]byte("Exif\x00\x00"), tiffWithSecrets(1)...)))
	out.Write([]byte{0xFF, 0xD9})
	return out.Bytes()
}

func pngChunk(kind string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, kind...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

// PNGWithSecrets is a PNG with text chunks, an EXIF chunk and a time chunk after IHDR.
func PNGWithSecrets(t testing.TB, w, h int) []byte {
	t.Helper()
	var plain bytes.Buffer
	if err := png.Encode(&plain, Picture(w, h)); err != nil {
		t.Fatal(err)
	}
	p := plain.Bytes()
	ihdrEnd := 8 + 8 + 13 + 4
	var out bytes.Buffer
	out.Write(p[:ihdrEnd])
	out.Write(pngChunk("tEXt", []byte("Author\x00"+SecretOwner)))
	out.Write(pngChunk("eXIf", tiffWithSecrets(1)))
	out.Write(pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+SecretGPS)))
	out.Write(pngChunk("tIME", []byte{0x07, 0xEA, 3, 2, 9, 30, 0}))
	out.Write(p[ihdrEnd:])
	return out.Bytes()
}

// gopherWebP is golang.org/x/image's testdata/gopher-doc.1bpp.lossless.webp (BSD
// licence): a simple lossless WebP.
const gopherWebP = "UklGRrIBAABXRUJQVlA4TKUBAAAvSsAYAA8w//M///MfeJAkbXvaSG7m8Q3GfYSBJekwQztm/IcZlgwnmWImn2BK7aFmBtnVir6q//8VOkFE/xm4baTIu8c48ArEo6+B3zFKYln3pqClSCKX0begFTAXFOLXHSyF8cCNcZEG4OywuA4KVVfJCiArU7GAgJI8+lJP/OKMT/fBAjevg1cYB7YVkFuWga2lyPi5I0HFy5YTpWIHg0RZpkniRVW9odHAKOwosWuOGdxIyn2OvaCDvhg/we6TwadPBPbqBV58MsLmMJ8yZnOWk8SRz4N+QoyPL+MnamzMvcE1rHNEr91F9GKZPVUcS9w7PhhH36suB9qPeYb/oLk6cuTiJ0wOK3m5h1cKjW6EVZCYMK7dxcKCBdgP9HkKr9gkAO2P8GKZGWVdIAatQa+1IDpt6qyorVwdy01xdW8Jkfk6xjEXmVQQ+HQdFr6OKhIN34dXWq0+0qr6EJSCeeVLH9+gvGTLyqM65PQ44ihzlTXxQKjKbAvshXgir7Lil9w4L2bvMycmjQcqXaMCO6BlY28i+FOLzbfI1vEqxAhotocAAA=="

func riffChunk(kind string, data []byte) []byte {
	out := append([]byte(kind), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// WebPWithSecrets is the gopher in the extended format, with EXIF and XMP chunks.
func WebPWithSecrets(t testing.TB) []byte {
	t.Helper()
	simple, _ := base64.StdEncoding.DecodeString(gopherWebP)
	cfg, err := webp.DecodeConfig(bytes.NewReader(simple))
	if err != nil {
		t.Fatal(err)
	}
	vp8x := make([]byte, 10)
	vp8x[0] = 1<<2 | 1<<3 // XMP, EXIF
	for i, v := range []int{cfg.Width - 1, cfg.Height - 1} {
		vp8x[4+3*i], vp8x[5+3*i], vp8x[6+3*i] = byte(v), byte(v>>8), byte(v>>16)
	}
	body := []byte("WEBP")
	body = append(body, riffChunk("VP8X", vp8x)...)
	body = append(body, simple[12:]...) // the VP8L chunk
	body = append(body, riffChunk("EXIF", tiffWithSecrets(1))...)
	body = append(body, riffChunk("XMP ", []byte("<x:xmpmeta>"+SecretGPS+"</x:xmpmeta>"))...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// PDFMarker is text of the test PDF that would show if its bytes were stored in the clear.
const PDFMarker = "Receipt-No-7731-paid-to-director-Wang"

// PDF is a small PDF; extra goes into the catalogue's dictionary, and stream into
// a stream object's data.
func PDF(extra, stream string) []byte {
	return []byte(fmt.Sprintf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n"+
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R %s>>\nendobj\n"+
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"+
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n"+
		"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n"+
		"5 0 obj\n(%s: the string mentions /JavaScript and /JS, which is no action) \nendobj\n"+
		"trailer\n<< /Root 1 0 R >>\n%%%%EOF\n", extra, len(stream), stream, PDFMarker))
}

// ObjStmPDF is a PDF whose catalogue sits in an object stream, compressed with Flate
// unless raw, as PDF 1.5 and later write them.
func ObjStmPDF(t testing.TB, inside string, raw bool) []byte {
	t.Helper()
	var data bytes.Buffer
	filter := ""
	if raw {
		data.WriteString(inside)
	} else {
		zw := zlib.NewWriter(&data)
		zw.Write([]byte(inside))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		filter = "/Filter /FlateDecode "
	}
	return []byte(fmt.Sprintf("%%PDF-1.7\n7 0 obj\n<< /Type /ObjStm /N 1 /First 4 %s/Length %d >>\nstream\n%s\nendstream\nendobj\n%%%%EOF\n",
		filter, data.Len(), data.String()))
}

// S3 starts an S3-compatible server (gofakes3, in memory) on loopback for the test, and
// returns its URL.
func S3(t testing.TB) string {
	t.Helper()
	fake := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	srv := httptest.NewServer(decodeChunkedParts(fake))
	t.Cleanup(srv.Close)
	return srv.URL
}

// decodeChunkedParts decodes the aws-chunked bodies minio-go sends over plain HTTP for
// the parts of a multipart upload, as MinIO does: gofakes3 decodes them only for a
// whole object's PUT, and would store the chunk signatures as data.
func decodeChunkedParts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Content-Sha256") == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" && r.URL.Query().Has("uploadId") {
			var body bytes.Buffer
			br := bufio.NewReader(r.Body)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				size, err := strconv.ParseInt(strings.SplitN(line, ";", 2)[0], 16, 64)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				if _, err := io.CopyN(&body, br, size); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				_, _ = br.Discard(2) // CRLF
				if size == 0 {
					break
				}
			}
			r.Body, r.ContentLength = io.NopCloser(&body), int64(body.Len())
			r.Header.Set("Content-Length", strconv.Itoa(body.Len()))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		}
		next.ServeHTTP(w, r)
	})
}

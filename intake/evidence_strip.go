package intake

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// A photo's metadata can name the reporter: the GPS position where it was taken, the
// phone's make, model and serial number, the owner's name, the time. It is removed
// before anything is stored, by dropping the segments (JPEG), chunks (PNG) or blanking
// the chunks (WebP) that carry it, while the bytes go by. The pixels are left exactly as
// they were, never decoded and encoded again: the evidence is not degraded (a
// recompressed receipt loses its fine print), and what staff see is what the reporter
// took. Only the orientation is kept, in the attachment's record, so that thumbnails
// stand the right way up.

// errMalformed is an image whose structure does not hold; it is refused as one that
// does not decode.
var errMalformed = errors.New("image structure is broken")

// imageInfo is what stripping learnt of an image.
type imageInfo struct {
	Orientation int // EXIF orientation 1–8, 0 when none was given
	Removed     int // segments or chunks removed or blanked
}

func readFullOr(src io.Reader, b []byte) error {
	if _, err := io.ReadFull(src, b); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return errMalformed
		}
		return err
	}
	return nil
}

// stripJPEG copies a JPEG from src to dst without its metadata: every APPn segment but
// JFIF (APP0), the ICC colour profile (APP2) and Adobe's colour transform (APP14), which
// change how the pixels look; every comment; and whatever follows the end of the image
// (where a phone's second, full-size "multi-picture" image and its own EXIF sit).
func stripJPEG(dst io.Writer, src *bufio.Reader, info *imageInfo) error {
	var soi [2]byte
	if err := readFullOr(src, soi[:]); err != nil {
		return err
	}
	if soi != [2]byte{0xFF, 0xD8} {
		return errMalformed
	}
	if _, err := dst.Write(soi[:]); err != nil {
		return err
	}
	seg := make([]byte, 65535)
	marker, err := jpegMarker(src)
	for err == nil {
		switch {
		case marker == 0xD9: // end of image
			if _, err := dst.Write([]byte{0xFF, 0xD9}); err != nil {
				return err
			}
			_, err := io.Copy(io.Discard, src)
			return err
		case marker >= 0xD0 && marker <= 0xD7 || marker == 0x01: // no length
			if _, err = dst.Write([]byte{0xFF, marker}); err == nil {
				marker, err = jpegMarker(src)
			}
			continue
		}
		if err = readFullOr(src, seg[:2]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint16(seg[:2]))
		if n < 2 {
			return errMalformed
		}
		if err = readFullOr(src, seg[2:n]); err != nil {
			return err
		}
		if keepJPEGSegment(marker, seg[2:n], info) {
			if _, err = dst.Write([]byte{0xFF, marker}); err != nil {
				return err
			}
			if _, err = dst.Write(seg[:n]); err != nil {
				return err
			}
		} else {
			info.Removed++
		}
		if marker == 0xDA { // start of scan: entropy-coded data follows
			marker, err = copyJPEGScan(dst, src)
		} else {
			marker, err = jpegMarker(src)
		}
	}
	if err == io.EOF {
		return errMalformed // no end of image
	}
	return err
}

// jpegMarker reads the next marker, passing over fill bytes.
func jpegMarker(src *bufio.Reader) (byte, error) {
	b, err := src.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xFF {
		return 0, errMalformed
	}
	for b == 0xFF {
		if b, err = src.ReadByte(); err != nil {
			return 0, err
		}
	}
	if b == 0x00 {
		return 0, errMalformed
	}
	return b, nil
}

// copyJPEGScan copies entropy-coded data (where 0xFF is followed by a stuffed 0x00 or
// a restart marker) up to the next marker, which it returns.
func copyJPEGScan(dst io.Writer, src *bufio.Reader) (byte, error) {
	for {
		chunk, err := src.ReadSlice(0xFF)
		if err == bufio.ErrBufferFull {
			if _, err := dst.Write(chunk); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if _, err := dst.Write(chunk[:len(chunk)-1]); err != nil {
			return 0, err
		}
		b, err := src.ReadByte()
		for err == nil && b == 0xFF {
			b, err = src.ReadByte()
		}
		if err != nil {
			return 0, err
		}
		if b != 0x00 && (b < 0xD0 || b > 0xD7) {
			return b, nil
		}
		if _, err := dst.Write([]byte{0xFF, b}); err != nil {
			return 0, err
		}
	}
}

func keepJPEGSegment(marker byte, payload []byte, info *imageInfo) bool {
	switch {
	case marker == 0xE0:
		return bytes.HasPrefix(payload, []byte("JFIF\x00"))
	case marker == 0xE1:
		if bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
			info.Orientation = exifOrientation(payload[6:])
		}
		return false
	case marker == 0xE2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case marker == 0xEE:
		return bytes.HasPrefix(payload, []byte("Adobe"))
	case marker > 0xE0 && marker <= 0xEF, marker == 0xFE: // other APPn, comments
		return false
	}
	return true
}

// exifOrientation reads the Orientation tag (0x0112) of IFD0 in a TIFF structure.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(tiff[4:8]))
	if off < 8 || off+2 > len(tiff) {
		return 0
	}
	n := int(bo.Uint16(tiff[off:]))
	for i := 0; i < n; i++ {
		e := off + 2 + 12*i
		if e+12 > len(tiff) {
			return 0
		}
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

// pngKeep are the chunks that make the picture: the critical ones and those that say
// how its colours are meant to look. Text (tEXt, zTXt, iTXt), EXIF (eXIf), the time
// (tIME) and anything unknown are removed.
var pngKeep = map[string]bool{"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true, "tRNS": true, "gAMA": true,
	"cHRM": true, "sRGB": true, "iCCP": true, "sBIT": true, "bKGD": true, "pHYs": true}

// stripPNG copies a PNG from src to dst with only the chunks of pngKeep (their CRCs
// stay valid: a kept chunk is copied whole).
func stripPNG(dst io.Writer, src *bufio.Reader, info *imageInfo) error {
	var head [8]byte
	if err := readFullOr(src, head[:]); err != nil {
		return err
	}
	if _, err := dst.Write(head[:]); err != nil {
		return err
	}
	for first := true; ; first = false {
		if err := readFullOr(src, head[:]); err != nil {
			return err
		}
		n, kind := binary.BigEndian.Uint32(head[:4]), string(head[4:8])
		if n > 1<<31-1 || first && kind != "IHDR" {
			return errMalformed
		}
		out := io.Discard
		if pngKeep[kind] {
			out = dst
			if _, err := dst.Write(head[:]); err != nil {
				return err
			}
		} else {
			info.Removed++
		}
		if err := copyExactly(out, src, int64(n)+4); err != nil { // data and CRC
			return err
		}
		if kind == "IEND" {
			_, err := io.Copy(io.Discard, src)
			return err
		}
	}
}

// copyExactly copies n bytes, an early end being a broken structure.
func copyExactly(dst io.Writer, src io.Reader, n int64) error {
	k, err := io.CopyN(dst, src, n)
	if err == io.EOF && k < n {
		return errMalformed
	}
	return err
}

// stripWebP copies a WebP from src to dst with its EXIF and XMP chunks blanked: renamed
// JUNK (RIFF's own name for filler, which readers pass over) and zeroed, since the RIFF
// header's length, already sent, must stay true. The extended header's flags for them
// are cleared.
func stripWebP(dst io.Writer, src *bufio.Reader, info *imageInfo) error {
	var head [12]byte
	if err := readFullOr(src, head[:]); err != nil {
		return err
	}
	if _, err := dst.Write(head[:]); err != nil {
		return err
	}
	left := int64(binary.LittleEndian.Uint32(head[4:8])) - 4
	for left >= 8 {
		var ch [8]byte
		if err := readFullOr(src, ch[:]); err != nil {
			return err
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		n += n & 1 // chunks are padded to an even length
		if n+8 > left {
			return errMalformed
		}
		left -= n + 8
		switch string(ch[:4]) {
		case "EXIF", "XMP ":
			info.Removed++
			copy(ch[:4], "JUNK")
			if _, err := dst.Write(ch[:]); err != nil {
				return err
			}
			if err := copyExactly(io.Discard, src, n); err != nil {
				return err
			}
			if _, err := io.CopyN(dst, zeros{}, n); err != nil {
				return err
			}
			continue
		case "VP8X":
			if n != 10 {
				return errMalformed
			}
			var x [10]byte
			if err := readFullOr(src, x[:]); err != nil {
				return err
			}
			x[0] &^= 1<<2 | 1<<3 // XMP, EXIF
			if _, err := dst.Write(ch[:]); err != nil {
				return err
			}
			if _, err := dst.Write(x[:]); err != nil {
				return err
			}
			continue
		}
		if _, err := dst.Write(ch[:]); err != nil {
			return err
		}
		if err := copyExactly(dst, src, n); err != nil {
			return err
		}
	}
	if left != 0 {
		return errMalformed
	}
	_, err := io.Copy(io.Discard, src) // past the RIFF length: not part of the image
	return err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

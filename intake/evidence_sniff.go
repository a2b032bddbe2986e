package intake

import (
	"bytes"
	"path"
	"strings"
)

// FileType is what an evidence file was found to be, by its bytes alone: the name and
// the Content-Type a sender claims are never believed.
type FileType struct {
	MIME string   // served as this Content-Type
	Kind string   // image, audio, video, document
	Exts []string // the usual name endings; the first is given to a name without one
}

// The allowlist. Anything else is refused (EvidenceRefusal "unsupported").
var (
	typeJPEG = FileType{"image/jpeg", "image", []string{".jpg", ".jpeg"}}
	typePNG  = FileType{"image/png", "image", []string{".png"}}
	typeWebP = FileType{"image/webp", "image", []string{".webp"}}
	typeMP3  = FileType{"audio/mpeg", "audio", []string{".mp3"}}
	typeM4A  = FileType{"audio/mp4", "audio", []string{".m4a", ".aac"}}
	typeAMR  = FileType{"audio/amr", "audio", []string{".amr"}}
	typeAWB  = FileType{"audio/amr-wb", "audio", []string{".awb", ".amr"}}
	typeWAV  = FileType{"audio/wav", "audio", []string{".wav"}}
	typeMP4  = FileType{"video/mp4", "video", []string{".mp4", ".m4v"}}
	typeMOV  = FileType{"video/quicktime", "video", []string{".mov"}}
	typeGPP  = FileType{"video/3gpp", "video", []string{".3gp", ".3g2"}}
	typePDF  = FileType{"application/pdf", "document", []string{".pdf"}}
)

// sniffLen is how much of a file sniffing reads.
const sniffLen = 16

// sniff names the type of a file from its first bytes, and from its name only to tell
// an audio-only MP4 (an .m4a recording whose brand is the generic one) from a video.
func sniff(head []byte, name string) (FileType, bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return typeJPEG, true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return typeWebP, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return typeWAV, true
	case bytes.HasPrefix(head, []byte("#!AMR-WB\n")):
		return typeAWB, true
	case bytes.HasPrefix(head, []byte("#!AMR\n")):
		return typeAMR, true
	case bytes.HasPrefix(head, []byte("ID3")) || mpegAudioFrame(head):
		return typeMP3, true
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return typePDF, true
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return isoMedia(string(head[8:12]), name)
	}
	return FileType{}, false
}

// mpegAudioFrame is the header of an MPEG audio frame (an MP3 without ID3 tag): the sync
// bits, and no reserved version, layer, bit rate or sampling rate.
func mpegAudioFrame(h []byte) bool {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (h[1]>>3)&3, (h[1]>>1)&3
	bitrate, rate := h[2]>>4, (h[2]>>2)&3
	return version != 1 && layer != 0 && bitrate != 15 && bitrate != 0 && rate != 3
}

// isoMedia reads the major brand of an ISO base media file (MP4 and its kin).
func isoMedia(brand, name string) (FileType, bool) {
	switch {
	case brand == "M4A " || brand == "M4B " || brand == "M4P ":
		return typeM4A, true
	case brand == "qt  ":
		return typeMOV, true
	case strings.HasPrefix(brand, "3gp") || strings.HasPrefix(brand, "3g2"):
		return typeGPP, true
	case strings.HasPrefix(brand, "iso") || strings.HasPrefix(brand, "mp4") || brand == "avc1" || brand == "M4V " ||
		brand == "MSNV" || brand == "mmp4" || brand == "dash" || brand == "f4v ":
		if strings.EqualFold(path.Ext(name), ".m4a") {
			return typeM4A, true
		}
		return typeMP4, true
	}
	return FileType{}, false
}

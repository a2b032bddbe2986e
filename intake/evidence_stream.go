package intake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm4"
)

// Evidence files are too large to seal in one piece with Keyring.Seal, which holds the
// whole value: each file gets a random key of its own, sealed with the keyring inside
// the file's record in Redis (so rotating or switching the keyring's suite works as
// for every other sealed value), and its bytes are sealed in chunks of 64 KiB. Memory
// stays one chunk, whatever the file's size.
//
// A chunk's key is drawn from the file key, the ticket, the attachment id and the part
// (the file or its thumbnail), so a file moved to another ticket or attachment does not
// open there. Its nonce is the chunk's index, so chunks cannot be reordered or dropped;
// every chunk but the last is full and the last is not, so the file cannot be cut short
// at a chunk's end either.
//
//	"QFE1" chunk* last-chunk
//	chunk: sealChunk bytes sealed (sealChunk + tag)   last-chunk: 0 to sealChunk-1 bytes sealed

const (
	sealChunk  = 64 << 10
	sealMagic  = "QFE1"
	chunkAlgAE = "aes" // AES-256-GCM
	chunkAlgSM = "sm4" // SM4-GCM
)

var errSealedCut = errors.New("sealed evidence is cut short or altered")

// chunkAEAD is the cipher of one part of one attachment.
func chunkAEAD(alg string, fileKey []byte, ticket, aid, part string) (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, fileKey)
	mac.Write([]byte("qingfeng evidence\x00" + ticket + "\x00" + aid + "\x00" + part))
	key := mac.Sum(nil)
	var block cipher.Block
	var err error
	switch alg {
	case chunkAlgAE:
		block, err = aes.NewCipher(key)
	case chunkAlgSM:
		block, err = sm4.NewCipher(key[:16])
	default:
		return nil, fmt.Errorf("evidence cipher %q is unknown", alg)
	}
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(nonce []byte, index uint64) {
	clear(nonce)
	binary.BigEndian.PutUint64(nonce, index)
}

// sealWriter seals what is written to it, chunk by chunk; Close seals the last chunk.
type sealWriter struct {
	w     io.Writer
	aead  cipher.AEAD
	buf   []byte // plaintext not yet sealed
	out   []byte // one sealed chunk
	nonce []byte
	index uint64
	err   error
}

func newSealWriter(w io.Writer, aead cipher.AEAD) (*sealWriter, error) {
	if _, err := io.WriteString(w, sealMagic); err != nil {
		return nil, err
	}
	return &sealWriter{w: w, aead: aead, buf: make([]byte, 0, sealChunk),
		out: make([]byte, 0, sealChunk+aead.Overhead()), nonce: make([]byte, aead.NonceSize())}, nil
}

func (s *sealWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 && s.err == nil {
		k := copy(s.buf[len(s.buf):cap(s.buf)], p)
		s.buf, p, n = s.buf[:len(s.buf)+k], p[k:], n+k
		// A full chunk is never the last: the last one is always shorter (perhaps empty),
		// which is how the reader knows it.
		if len(s.buf) == sealChunk {
			s.flush()
		}
	}
	return n, s.err
}

func (s *sealWriter) flush() {
	chunkNonce(s.nonce, s.index)
	s.out = s.aead.Seal(s.out[:0], s.nonce, s.buf, nil)
	if _, err := s.w.Write(s.out); err != nil {
		s.err = err
	}
	s.buf, s.index = s.buf[:0], s.index+1
}

// Close seals the last chunk; it does not close the underlying writer.
func (s *sealWriter) Close() error {
	if s.err == nil {
		s.flush()
	}
	return s.err
}

// openReader gives back what a sealWriter wrote, failing if anything was changed, cut
// or moved.
type openReader struct {
	r     io.Reader
	aead  cipher.AEAD
	in    []byte
	plain []byte // opened and not yet read
	nonce []byte
	index uint64
	done  bool
	err   error
}

func newOpenReader(r io.Reader, aead cipher.AEAD) (*openReader, error) {
	magic := make([]byte, len(sealMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != sealMagic {
		return nil, fmt.Errorf("%w: no header", errSealedCut)
	}
	return &openReader{r: r, aead: aead, in: make([]byte, sealChunk+aead.Overhead()),
		nonce: make([]byte, aead.NonceSize())}, nil
}

func (o *openReader) Read(p []byte) (int, error) {
	for len(o.plain) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		if o.done {
			return 0, io.EOF
		}
		o.next()
	}
	n := copy(p, o.plain)
	o.plain = o.plain[n:]
	return n, nil
}

func (o *openReader) next() {
	n, err := io.ReadFull(o.r, o.in)
	last := false
	switch {
	case err == io.ErrUnexpectedEOF:
		last = true
	case err == io.EOF:
		o.err = fmt.Errorf("%w: no last chunk", errSealedCut)
		return
	case err != nil:
		o.err = err
		return
	}
	chunkNonce(o.nonce, o.index)
	plain, err := o.aead.Open(o.in[:0], o.nonce, o.in[:n], nil)
	if err != nil {
		o.err = fmt.Errorf("%w: chunk %d", errSealedCut, o.index)
		return
	}
	if last {
		// Anything after the last chunk was added.
		var one [1]byte
		if k, _ := o.r.Read(one[:]); k > 0 {
			o.err = fmt.Errorf("%w: bytes after the last chunk", errSealedCut)
			return
		}
		o.done = true
	}
	o.plain, o.index = plain, o.index+1
}

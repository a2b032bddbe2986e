package web

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The WeChat Official Account platform's documented message crypto, written out here
// rather than taken from github.com/silenceper/wechat/v2: that library hard-codes
// api.weixin.qq.com in its token and message clients and brings a cache layer, logrus,
// redigo and memcache with it, for some thirty lines of AES and SHA-1.

// wechatSignature is the platform's signature: hex SHA-1 of the parts sorted and joined.
// The URL signature takes (token, timestamp, nonce); the safe-mode message signature
// takes the encrypted message as a fourth part.
func wechatSignature(parts ...string) string {
	sorted := append([]string(nil), parts...)
	sort.Strings(sorted)
	sum := sha1.Sum([]byte(strings.Join(sorted, "")))
	return hex.EncodeToString(sum[:])
}

// signatureMatches compares in constant time, so a forger learns nothing from timing.
func signatureMatches(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// wechatBlock is the block size of the platform's PKCS#7 padding: 32, not AES's 16.
const wechatBlock = 32

// wechatCipher seals and opens safe-mode messages: AES-256-CBC under the
// EncodingAESKey, the IV its first 16 bytes, the plaintext
// random(16) + big-endian length(4) + message + AppID, padded by PKCS#7 to 32 bytes.
type wechatCipher struct {
	key   []byte
	appID string
}

var errWechatCipher = errors.New("wechat: undecryptable message")

// ParseWechatAESKey decodes the 43-character EncodingAESKey (base64 without its "=").
func ParseWechatAESKey(s string) ([]byte, error) {
	if len(s) != 43 {
		return nil, fmt.Errorf("wechat AES key: %d characters, want 43", len(s))
	}
	key, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil {
		return nil, fmt.Errorf("wechat AES key: %w", err)
	}
	return key, nil // 43 base64 characters and one pad are always 32 bytes
}

// decrypt opens the base64 Encrypt field and checks that it was sealed for our AppID.
func (w *wechatCipher) decrypt(encoded string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) < wechatBlock || len(raw)%aes.BlockSize != 0 {
		return nil, errWechatCipher
	}
	block, err := aes.NewCipher(w.key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(block, w.key[:aes.BlockSize]).CryptBlocks(plain, raw)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > wechatBlock || pad > len(plain) {
		return nil, errWechatCipher
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, errWechatCipher
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, errWechatCipher
	}
	msg, appID := plain[20:20+n], plain[20+n:]
	if subtle.ConstantTimeCompare(appID, []byte(w.appID)) != 1 {
		return nil, fmt.Errorf("%w: sealed for another AppID", errWechatCipher)
	}
	return msg, nil
}

// encrypt seals msg the way the platform does, for a safe-mode reply.
func (w *wechatCipher) encrypt(msg []byte) (string, error) {
	var b bytes.Buffer
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("wechat reply: %w", err)
	}
	b.Write(random)
	_ = binary.Write(&b, binary.BigEndian, uint32(len(msg)))
	b.Write(msg)
	b.WriteString(w.appID)
	pad := wechatBlock - b.Len()%wechatBlock
	b.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(w.key)
	if err != nil {
		return "", err
	}
	out := b.Bytes()
	cipher.NewCBCEncrypter(block, w.key[:aes.BlockSize]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}

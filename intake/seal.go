package intake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Keyring encrypts what identifies a reporter (name, phone, ID number) with AES-256-GCM.
// Keys are listed newest first: new writes use the first; records written under any
// listed key stay readable, so rotating means putting a new key in front.
type Keyring struct {
	ids     []string // key ids, newest first
	aeads   map[string]cipher.AEAD
	indexer []byte // HMAC key for lookups by phone: from the oldest key, so rotation keeps it
}

const sealVersion = "v1"

// NewKeyring builds a keyring from raw 32-byte keys, newest first.
func NewKeyring(keys [][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("keyring: no key")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, key := range keys {
		if len(key) != 32 {
			return nil, fmt.Errorf("keyring: key %d is %d bytes, want 32", i+1, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		sum := sha256.Sum256(key)
		id := hex.EncodeToString(sum[:4])
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("keyring: key %d is listed twice", i+1)
		}
		k.ids = append(k.ids, id)
		k.aeads[id] = aead
	}
	oldest := keys[len(keys)-1]
	mac := hmac.New(sha256.New, oldest)
	mac.Write([]byte("qingfeng lookup index"))
	k.indexer = mac.Sum(nil)
	return k, nil
}

// ParseKeys reads keys written as base64, separated by commas or newlines, newest first.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' }) {
		k, err := base64.StdEncoding.DecodeString(f)
		if err != nil {
			return nil, fmt.Errorf("secret key is not base64: %w", err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secret key is empty")
	}
	return keys, nil
}

// LoadOrCreateKeyFile reads the key file at path, or, when there is none, writes a new
// random key there with mode 0600 and reports created=true so the caller can say so.
func LoadOrCreateKeyFile(path string) (keys [][]byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		keys, err := ParseKeys(string(b))
		return keys, false, err
	}
	if !os.IsNotExist(err) {
		return nil, false, fmt.Errorf("read key file: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write key file: %w", err)
	}
	return [][]byte{key}, true, nil
}

// Seal encrypts plaintext under the newest key. context binds the result to its place
// (the ticket id): a sealed value copied to another ticket does not open there.
func (k *Keyring) Seal(plaintext []byte, context string) (string, error) {
	id := k.ids[0]
	aead := k.aeads[id]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, []byte(context))
	return sealVersion + ":" + id + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal produced under any key of the ring.
func (k *Keyring) Open(sealed, context string) ([]byte, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != sealVersion {
		return nil, fmt.Errorf("open: not a sealed value")
	}
	aead, ok := k.aeads[parts[1]]
	if !ok {
		return nil, fmt.Errorf("open: sealed with key %s, which is not in the keyring", parts[1])
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, fmt.Errorf("open: damaged value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return nil, fmt.Errorf("open: value altered or moved: %w", err)
	}
	return plain, nil
}

// IsSealed says whether v has the form of a value Seal made, as opposed to text an older
// build stored in the clear: the version, a key id of 8 hex digits, and base64 of at
// least a nonce and a tag.
func IsSealed(v string) bool {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[0] != sealVersion || len(parts[1]) != 8 {
		return false
	}
	if _, err := hex.DecodeString(parts[1]); err != nil {
		return false
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[2])
	return err == nil && len(raw) >= 12+16
}

// Current says whether v was sealed under the newest key, so need not be sealed again.
func (k *Keyring) Current(v string) bool {
	return IsSealed(v) && strings.SplitN(v, ":", 3)[1] == k.ids[0]
}

// LookupHash is a keyed hash for finding records by a small-space value such as a phone
// number without storing it: plain SHA-256 of an 11-digit number is reversed by trying
// them all.
func (k *Keyring) LookupHash(kind, value string) string {
	mac := hmac.New(sha256.New, k.indexer)
	mac.Write([]byte(kind))
	mac.Write([]byte{0})
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// queryAlphabet has no 0/O or 1/I/L, so a code read out on the phone is not misheard.
const queryAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// QueryCode is the reporter's code for a ticket made from source: 12 characters (about
// 59 bits), derived with a keyed hash so that a retried delivery gets the same code
// back while the store keeps only QueryHash of it.
func (k *Keyring) QueryCode(source string) string {
	mac := hmac.New(sha256.New, k.indexer)
	mac.Write([]byte("query code\x00" + source))
	sum := mac.Sum(nil)
	out := make([]byte, 12)
	for i := range out {
		out[i] = queryAlphabet[int(sum[i])%len(queryAlphabet)]
	}
	return string(out)
}

// QueryHash is what the store keeps of a query code: the code has enough entropy that a
// plain SHA-256 cannot be reversed.
func QueryHash(code string) string {
	sum := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(sum[:])
}

// KeySource says where the keys come from.
type KeySource struct {
	Secret  string // QINGFENG_SECRET_KEY: base64 keys, newest first
	KeyFile string // QINGFENG_KEY_FILE
	DataDir string // where a key is generated when neither is given
}

// OpenKeyring finds the keys: the secret, else the key file, else a key generated into
// DataDir/secret.key (mode 0600) on first start, which it reports so the operator knows
// to keep that file.
func OpenKeyring(src KeySource, log *slog.Logger) (*Keyring, error) {
	var keys [][]byte
	var err error
	switch {
	case src.Secret != "":
		keys, err = ParseKeys(src.Secret)
	case src.KeyFile != "":
		var b []byte
		if b, err = os.ReadFile(src.KeyFile); err == nil {
			keys, err = ParseKeys(string(b))
		}
	default:
		path := filepath.Join(src.DataDir, "secret.key")
		var created bool
		keys, created, err = LoadOrCreateKeyFile(path)
		if created {
			log.Warn("generated a new encryption key for reporter identities; back it up: without it they cannot be read", "path", path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	return NewKeyring(keys)
}

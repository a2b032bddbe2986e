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
	"hash"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Keyring seals what identifies a reporter, and what they typed, and computes the keyed
// hashes that find records without storing what they are found by. Keys are listed
// newest first: new seals use the first; records sealed under any listed key, in either
// suite, stay readable, so rotating means putting a new key in front, and switching
// suites means only changing the suite of new seals.
type Keyring struct {
	ids     []string               // key ids, newest first
	aeads   map[string]cipher.AEAD // "<alg>:<key id>": every key in every suite
	oldest  []byte                 // the key keyed hashes come from, so rotation keeps them
	seal    Suite                  // the suite of new seals
	hash    Suite                  // the suite of keyed hashes, fixed per deployment (PinHashSuite)
	indexer []byte                 // HMAC key of the keyed hashes, from oldest in the hash suite
}

// Suite is a choice of algorithms for everything sealed or hashed (QINGFENG_CRYPTO).
type Suite string

const (
	// SuiteAES: AES-256-GCM seals, HMAC-SHA256 keyed hashes, SHA-256.
	SuiteAES Suite = "aes"
	// SuiteSM: the Chinese commercial algorithms a GB/T 39786 assessment expects: SM4-GCM
	// seals, HMAC-SM3 keyed hashes, SM3.
	SuiteSM Suite = "sm"
)

// ParseSuite reads QINGFENG_CRYPTO; "" is aes.
func ParseSuite(s string) (Suite, error) {
	switch v := Suite(strings.ToLower(strings.TrimSpace(s))); v {
	case "", SuiteAES:
		return SuiteAES, nil
	case SuiteSM:
		return SuiteSM, nil
	}
	return "", fmt.Errorf("crypto suite %q: want aes or sm", s)
}

// alg is how a sealed record names the suite's cipher.
func (s Suite) alg() string {
	if s == SuiteSM {
		return algSM4
	}
	return algAES
}

func (s Suite) newHash() func() hash.Hash {
	if s == SuiteSM {
		return sm3.New
	}
	return sha256.New
}

// Sealed records: "v2:<alg>:<key id>:<base64 of nonce, ciphertext and tag>", alg being
// aes (AES-256-GCM) or sm4 (SM4-GCM); older builds wrote "v1:<key id>:…", always AES.
const (
	sealVersion   = "v2"
	sealVersionV1 = "v1"
	algAES        = "aes"
	algSM4        = "sm4"
)

// NewKeyring builds a keyring from raw 32-byte keys, newest first, sealing and hashing
// with the aes suite (WithSuites changes that).
func NewKeyring(keys [][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("keyring: no key")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}, seal: SuiteAES}
	for i, key := range keys {
		if len(key) != 32 {
			return nil, fmt.Errorf("keyring: key %d is %d bytes, want 32", i+1, len(key))
		}
		sum := sha256.Sum256(key)
		id := hex.EncodeToString(sum[:4])
		if _, dup := k.aeads[algAES+":"+id]; dup {
			return nil, fmt.Errorf("keyring: key %d is listed twice", i+1)
		}
		aesBlock, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		// SM4 takes 128-bit keys: one drawn from the key with HMAC-SM3, so the two
		// suites never share a cipher key.
		sm4Block, err := sm4.NewCipher(derive(sm3.New, key, "qingfeng sm4 seal key")[:16])
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		for alg, block := range map[string]cipher.Block{algAES: aesBlock, algSM4: sm4Block} {
			aead, err := cipher.NewGCM(block)
			if err != nil {
				return nil, fmt.Errorf("keyring: key %d: %s-GCM: %w", i+1, alg, err)
			}
			k.aeads[alg+":"+id] = aead
		}
		k.ids = append(k.ids, id)
	}
	k.oldest = keys[len(keys)-1]
	return k.WithSuites(SuiteAES, SuiteAES), nil
}

// WithSuites is the keyring sealing new values with seal and computing keyed hashes
// with hash; what it opens does not change.
func (k *Keyring) WithSuites(seal, hash Suite) *Keyring {
	c := *k
	c.seal, c.hash = seal, hash
	c.indexer = derive(hash.newHash(), k.oldest, "qingfeng lookup index")
	return &c
}

// Suites are the suite of new seals and that of keyed hashes.
func (k *Keyring) Suites() (seal, hash Suite) { return k.seal, k.hash }

func derive(h func() hash.Hash, key []byte, label string) []byte {
	mac := hmac.New(h, key)
	mac.Write([]byte(label))
	return mac.Sum(nil)
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

// Seal encrypts plaintext under the newest key, in the keyring's seal suite. context
// binds the result to its place (a ticket and field): a sealed value copied elsewhere
// does not open there.
func (k *Keyring) Seal(plaintext []byte, context string) (string, error) {
	alg, id := k.seal.alg(), k.ids[0]
	aead := k.aeads[alg+":"+id]
	n := aead.NonceSize()
	raw := make([]byte, n, n+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	raw = aead.Seal(raw, raw[:n], plaintext, []byte(context))
	prefix := sealVersion + ":" + alg + ":" + id + ":"
	out := make([]byte, len(prefix)+base64.RawStdEncoding.EncodedLen(len(raw)))
	base64.RawStdEncoding.Encode(out[copy(out, prefix):], raw)
	return string(out), nil
}

// sealed is a sealed record taken apart.
type sealed struct {
	version, alg, id string
	raw              []byte // nonce, ciphertext and tag
}

// parseSealed takes a sealed record apart, of this build or an older one.
func parseSealed(v string) (sealed, bool) {
	var p sealed
	var rest string
	var ok bool
	switch {
	case strings.HasPrefix(v, sealVersion+":"):
		p.version = sealVersion
		if p.alg, rest, ok = strings.Cut(v[len(sealVersion)+1:], ":"); !ok || (p.alg != algAES && p.alg != algSM4) {
			return p, false
		}
	case strings.HasPrefix(v, sealVersionV1+":"):
		p.version, p.alg, rest = sealVersionV1, algAES, v[len(sealVersionV1)+1:]
	default:
		return p, false
	}
	id, payload, ok := strings.Cut(rest, ":")
	if !ok || len(id) != 8 {
		return p, false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return p, false
	}
	raw, err := base64.RawStdEncoding.DecodeString(payload)
	if err != nil || len(raw) < 12+16 {
		return p, false
	}
	p.id, p.raw = id, raw
	return p, true
}

// IsSealed says whether v has the form of a value Seal made (now or in an older build),
// as opposed to text an older build stored in the clear.
func IsSealed(v string) bool {
	_, ok := parseSealed(v)
	return ok
}

// Current says whether v was sealed under the newest key in the present seal suite, so
// need not be sealed again.
func (k *Keyring) Current(v string) bool {
	p, ok := parseSealed(v)
	return ok && p.version == sealVersion && p.alg == k.seal.alg() && p.id == k.ids[0]
}

// Open decrypts what Seal produced, under any key of the ring, in either suite.
func (k *Keyring) Open(v, context string) ([]byte, error) {
	p, ok := parseSealed(v)
	if !ok {
		return nil, fmt.Errorf("open: not a sealed value")
	}
	aead, ok := k.aeads[p.alg+":"+p.id]
	if !ok {
		return nil, fmt.Errorf("open: sealed with key %s, which is not in the keyring", p.id)
	}
	n := aead.NonceSize()
	plain, err := aead.Open(p.raw[n:n], p.raw[:n], p.raw[n:], []byte(context)) // in place: raw is ours
	if err != nil {
		return nil, fmt.Errorf("open: value altered or moved: %w", err)
	}
	return plain, nil
}

// LookupHash is a keyed hash for finding records by a small-space value such as a phone
// number without storing it: plain SHA-256 of an 11-digit number is reversed by trying
// them all.
func (k *Keyring) LookupHash(kind, value string) string {
	mac := hmac.New(k.hash.newHash(), k.indexer)
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
	mac := hmac.New(k.hash.newHash(), k.indexer)
	mac.Write([]byte("query code\x00" + source))
	sum := mac.Sum(nil)
	out := make([]byte, 12)
	for i := range out {
		out[i] = queryAlphabet[int(sum[i])%len(queryAlphabet)]
	}
	return string(out)
}

// QueryHash is what the store keeps of a query code, in the hash suite (SHA-256 or SM3):
// the code has enough entropy that a plain hash cannot be reversed.
func (k *Keyring) QueryHash(code string) string {
	h := k.hash.newHash()()
	h.Write([]byte(strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(h.Sum(nil))
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

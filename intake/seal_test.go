package intake

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// ring is a keyring of the given keys (newest first) sealing and hashing in suite.
func ring(t testing.TB, suite Suite, keys ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return k.WithSuites(suite, suite)
}

// keyID is the key id a sealed record names.
func keyID(t *testing.T, v string) string {
	t.Helper()
	p, ok := parseSealed(v)
	if !ok {
		t.Fatalf("%q is not a sealed record", v)
	}
	return p.id
}

// tamper flips one bit of a sealed record's ciphertext.
func tamper(t *testing.T, v string) string {
	t.Helper()
	i := strings.LastIndex(v, ":")
	raw, err := base64.RawStdEncoding.DecodeString(v[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	return v[:i+1] + base64.RawStdEncoding.EncodeToString(raw)
}

func TestSealRoundTripInBothSuites(t *testing.T) {
	for _, tt := range []struct {
		suite  Suite
		prefix string
	}{{SuiteAES, "v2:aes:"}, {SuiteSM, "v2:sm4:"}} {
		t.Run(string(tt.suite), func(t *testing.T) {
			k := ring(t, tt.suite, key(1))
			phone := "13912345678"
			sealed, err := k.Seal([]byte(phone), "T1")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sealed, tt.prefix+k.ids[0]+":") || !IsSealed(sealed) || !k.Current(sealed) {
				t.Errorf("sealed record %q does not say %s and its key", sealed, tt.prefix)
			}
			if strings.Contains(sealed, phone) || strings.Contains(sealed, "1391234") {
				t.Fatalf("sealed value shows the number: %s", sealed)
			}
			if again, _ := k.Seal([]byte(phone), "T1"); again == sealed {
				t.Error("two seals of the same value are equal: the nonce is not random")
			}
			if got, err := k.Open(sealed, "T1"); err != nil || string(got) != phone {
				t.Fatalf("Open = %q, %v", got, err)
			}
			for name, bad := range map[string]string{"another place": sealed, "tampered": tamper(t, sealed)} {
				ctx := "T1"
				if name == "another place" {
					ctx = "T2"
				}
				if _, err := k.Open(bad, ctx); err == nil {
					t.Errorf("a %s record opened", name)
				}
			}
			for _, bad := range []string{"v1:zz:abc", "plain text", "v2:x:y", "v2:des:" + k.ids[0] + ":" + strings.Repeat("A", 40), ""} {
				if _, err := k.Open(bad, "T1"); err == nil || IsSealed(bad) {
					t.Errorf("Open(%q) succeeded or it counts as sealed", bad)
				}
			}
		})
	}
}

// Records sealed before a switch of suite, a rotation of keys, or both, still open; new
// seals take the new suite and key; a ring without the new key cannot open them.
func TestSwitchingSuitesAndRotatingKeysLocksNothingOut(t *testing.T) {
	for _, tt := range []struct {
		name     string
		old, now *Keyring
	}{
		{"aes to sm", ring(t, SuiteAES, key(1)), ring(t, SuiteSM, key(1))},
		{"sm to aes", ring(t, SuiteSM, key(1)), ring(t, SuiteAES, key(1))},
		{"aes key rotated", ring(t, SuiteAES, key(1)), ring(t, SuiteAES, key(2), key(1))},
		{"sm key rotated", ring(t, SuiteSM, key(1)), ring(t, SuiteSM, key(2), key(1))},
		{"rotated and switched", ring(t, SuiteAES, key(1)), ring(t, SuiteSM, key(2), key(1))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, err := tt.old.Seal([]byte("张三"), "T1")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := tt.now.Open(before, "T1"); err != nil || string(got) != "张三" {
				t.Fatalf("a record of before the change: %q, %v", got, err)
			}
			if tt.now.Current(before) {
				t.Error("a record of before the change counts as current: reseal would leave it")
			}
			after, _ := tt.now.Seal([]byte("李四"), "T2")
			seal, _ := tt.now.Suites()
			if !strings.HasPrefix(after, "v2:"+seal.alg()+":"+tt.now.ids[0]+":") {
				t.Errorf("new record %q is not in the new suite under the newest key", after)
			}
			if keyID(t, after) != keyID(t, before) {
				if _, err := tt.old.Open(after, "T2"); err == nil {
					t.Error("the old ring opened a value sealed with a key it does not have")
				}
			}
			if _, err := tt.now.Open(tamper(t, before), "T1"); err == nil {
				t.Error("a tampered record of before the change opened")
			}
		})
	}
}

// Records an older build sealed ("v1:<key id>:…", AES-256-GCM with the key itself)
// open, and count as due for resealing.
func TestRecordsOfOlderBuildsOpen(t *testing.T) {
	block, _ := aes.NewCipher(key(1))
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	sum := sha256.Sum256(key(1))
	v1 := "v1:" + hex.EncodeToString(sum[:4]) + ":" + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte("王建国"), []byte("T1")))
	for _, suite := range []Suite{SuiteAES, SuiteSM} {
		k := ring(t, suite, key(2), key(1))
		if got, err := k.Open(v1, "T1"); err != nil || string(got) != "王建国" || !IsSealed(v1) || k.Current(v1) {
			t.Errorf("%s: v1 record: %q, %v, current=%v", suite, got, err, k.Current(v1))
		}
	}
}

// Keyed hashes follow the hash suite only: rotation and a switch of the seal suite keep
// them, so indexes, query codes and sessions keyed by them are found again; the aes
// suite's are those of older builds.
func TestKeyedHashes(t *testing.T) {
	base, err := NewKeyring([][]byte{key(1)})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := NewKeyring([][]byte{key(2), key(1)})
	if err != nil {
		t.Fatal(err)
	}
	// As older builds computed them.
	indexer := hmac.New(sha256.New, key(1))
	indexer.Write([]byte("qingfeng lookup index"))
	mac := hmac.New(sha256.New, indexer.Sum(nil))
	mac.Write([]byte("phone\x0013912345678"))
	older := hex.EncodeToString(mac.Sum(nil)[:16])
	code := sha256.Sum256([]byte("ABC234"))
	for _, tt := range []struct {
		name string
		a, b *Keyring
		same bool
	}{
		{"aes, rotated", base.WithSuites(SuiteAES, SuiteAES), rotated.WithSuites(SuiteAES, SuiteAES), true},
		{"sm, rotated", base.WithSuites(SuiteSM, SuiteSM), rotated.WithSuites(SuiteSM, SuiteSM), true},
		{"seal suite switched", base.WithSuites(SuiteAES, SuiteAES), rotated.WithSuites(SuiteSM, SuiteAES), true},
		{"hash suite switched", base.WithSuites(SuiteAES, SuiteAES), base.WithSuites(SuiteAES, SuiteSM), false},
	} {
		for _, h := range []func(*Keyring) string{
			func(k *Keyring) string { return k.LookupHash("phone", "13912345678") },
			func(k *Keyring) string { return k.QueryCode("sms:m-1") },
			func(k *Keyring) string { return k.QueryHash(" abc234") },
		} {
			if (h(tt.a) == h(tt.b)) != tt.same {
				t.Errorf("%s: %s vs %s, want same=%v", tt.name, h(tt.a), h(tt.b), tt.same)
			}
		}
	}
	if got := base.LookupHash("phone", "13912345678"); got != older {
		t.Errorf("aes lookup hash %s differs from older builds' %s", got, older)
	}
	if got := base.QueryHash(" abc234"); got != hex.EncodeToString(code[:]) {
		t.Errorf("aes query hash %s is not the SHA-256 older builds stored", got)
	}
	// The sm suite's, computed here with SM3 alone.
	smIndexer := hmac.New(sm3.New, key(1))
	smIndexer.Write([]byte("qingfeng lookup index"))
	smMAC := hmac.New(sm3.New, smIndexer.Sum(nil))
	smMAC.Write([]byte("phone\x0013912345678"))
	smCode := sm3.Sum([]byte("ABC234"))
	sm := base.WithSuites(SuiteAES, SuiteSM)
	if got, want := sm.LookupHash("phone", "13912345678"), hex.EncodeToString(smMAC.Sum(nil)[:16]); got != want {
		t.Errorf("sm lookup hash %s, want HMAC-SM3 %s", got, want)
	}
	if got := sm.QueryHash(" abc234"); got != hex.EncodeToString(smCode[:]) {
		t.Errorf("sm query hash %s is not SM3", got)
	}
	if sm.LookupHash("phone", "13912345678") == sm.LookupHash("phone", "13912345679") {
		t.Error("different numbers share a lookup hash")
	}
}

func TestParseSuite(t *testing.T) {
	for in, want := range map[string]Suite{"": SuiteAES, "aes": SuiteAES, " SM ": SuiteSM, "sm4": "", "gm": ""} {
		got, err := ParseSuite(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ParseSuite(%q) = %q, %v", in, got, err)
		}
	}
}

func TestKeyringRefusesBadKeys(t *testing.T) {
	if _, err := NewKeyring(nil); err == nil {
		t.Error("empty keyring accepted")
	}
	if _, err := NewKeyring([][]byte{[]byte("short")}); err == nil {
		t.Error("short key accepted")
	}
	if _, err := NewKeyring([][]byte{key(1), key(1)}); err == nil {
		t.Error("duplicate key accepted")
	}
	if _, err := ParseKeys("not base64!"); err == nil {
		t.Error("bad base64 accepted")
	}
	if _, err := ParseKeys(" , "); err == nil {
		t.Error("empty key list accepted")
	}
}

func TestKeyFileIsCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	keys, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(keys) != 1 || len(keys[0]) != 32 {
		t.Fatalf("create: %v, created=%v", err, created)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again[0], keys[0]) {
		t.Errorf("reuse: %v, created=%v, same=%v", err, created, bytes.Equal(again[0], keys[0]))
	}
}

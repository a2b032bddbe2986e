package intake

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealHidesAndRestores(t *testing.T) {
	k, err := NewKeyring([][]byte{key(1)})
	if err != nil {
		t.Fatal(err)
	}
	phone := "13912345678"
	sealed, err := k.Seal([]byte(phone), "T1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, phone) || strings.Contains(sealed, "1391234") {
		t.Fatalf("sealed value shows the number: %s", sealed)
	}
	again, _ := k.Seal([]byte(phone), "T1")
	if again == sealed {
		t.Error("two seals of the same value are equal: the nonce is not random")
	}
	got, err := k.Open(sealed, "T1")
	if err != nil || string(got) != phone {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, "T2"); err == nil {
		t.Error("a value sealed for T1 opened on T2")
	}
	damaged := sealed[:len(sealed)-2] + "AA"
	for _, bad := range []string{damaged, "v1:zz:abc", "plain text", "v2:x:y", ""} {
		if _, err := k.Open(bad, "T1"); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	old, err := NewKeyring([][]byte{key(1)})
	if err != nil {
		t.Fatal(err)
	}
	sealedOld, _ := old.Seal([]byte("张三"), "T1")
	rotated, err := NewKeyring([][]byte{key(2), key(1)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, "T1"); err != nil || string(got) != "张三" {
		t.Fatalf("old record after rotation: %q, %v", got, err)
	}
	sealedNew, _ := rotated.Seal([]byte("李四"), "T2")
	if strings.Split(sealedNew, ":")[1] == strings.Split(sealedOld, ":")[1] {
		t.Error("new writes still use the old key")
	}
	if _, err := old.Open(sealedNew, "T2"); err == nil {
		t.Error("the old ring opened a value sealed with the new key")
	}
	// Lookups by phone survive rotation.
	if old.LookupHash("phone", "13912345678") != rotated.LookupHash("phone", "13912345678") {
		t.Error("phone lookup hash changed with rotation")
	}
	if rotated.LookupHash("phone", "13912345678") == rotated.LookupHash("phone", "13912345679") {
		t.Error("different numbers share a lookup hash")
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

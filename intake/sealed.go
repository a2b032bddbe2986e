package intake

import (
	"fmt"
)

// What a reporter typed is kept sealed with the identity keyring, each value bound to
// its ticket and field, so that Redis, its append-only file and its replicas hold no
// complaint text, and a sealed value copied to another ticket or field does not open.
// Values an older build stored in the clear are read as they are until `qingfeng reseal`
// seals them.

// sealedFields are the ticket hash fields that hold what the reporter wrote, or what was
// read out of it: the text, the analysis (which quotes it), the official as named, and
// the evidence references.
var sealedFields = map[string]bool{"text": true, "analysis": true, "subject_name": true, "subject_position": true,
	"attachments": true}

// fieldSupplement names the reporter's additions for binding.
const fieldSupplement = "supplement"

// WithKeyring seals what the reporter typed with k, and keys the search index by k's
// keyed hashes of the words. Without it the store keeps text as given: tests of other
// things, and tools that read no text.
func WithKeyring(k *Keyring) StoreOption { return func(s *Store) { s.keys = k } }

// sealContext binds a sealed value to its ticket and field.
func sealContext(id, field string) string { return "ticket\x00" + id + "\x00" + field }

// sealValue seals v for the field of ticket id; empty stays empty, so that "none" is
// still told apart without opening anything.
func (s *Store) sealValue(id, field, v string) (string, error) {
	if v == "" || s.keys == nil {
		return v, nil
	}
	out, err := s.keys.Seal([]byte(v), sealContext(id, field))
	if err != nil {
		return "", fmt.Errorf("ticket %s: seal %s: %w", id, field, err)
	}
	return out, nil
}

// openValue opens what sealValue made; a value an older build wrote in the clear is
// returned as it is.
func (s *Store) openValue(id, field, v string) (string, error) {
	if !IsSealed(v) {
		return v, nil
	}
	if s.keys == nil {
		return "", fmt.Errorf("ticket %s: %s is sealed and this store has no keyring (QINGFENG_SECRET_KEY, QINGFENG_KEY_FILE)", id, field)
	}
	plain, err := s.keys.Open(v, sealContext(id, field))
	if err != nil {
		return "", fmt.Errorf("ticket %s: %s: %w", id, field, err)
	}
	return string(plain), nil
}

// termKey is the search index of one word: a keyed hash, so that no word a reporter
// wrote (a name, a place) is ever a key name.
func (s *Store) termKey(term string) string {
	if s.keys == nil {
		return s.key("idx", "word", "clear", term)
	}
	return s.key("idx", "word", s.keys.LookupHash("term", term))
}

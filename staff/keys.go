package staff

import (
	"crypto/sha256"
	"encoding/hex"
)

// The directory's Redis layout, every key under qf:{ns}:staff: (one hash tag, so a
// script may touch them all in Redis Cluster):
//
//	accounts                  hash: user name → Account (JSON)
//	bodies                    hash: body id → Body (JSON)
//	session:<sha256(token)>   Session (JSON), for sessionLife; the token itself is never stored
//	fails:<h(user)>           failed logins of one account from anywhere, for failureWindow
//	fails:<h(user)>:<h(addr)> failed logins of one account from one client, for failureWindow
//	totp-used:<user>:<code>   a one-time code already used, for three periods
//	trail                     list: the admin trail, TrailEntry JSON, hash-chained
//	trail:head                hash {seq, hash}: the trail's last entry, to catch a cut tail
//
// User names and client addresses in the fails keys are hashed: what a stranger types
// into the login form never becomes a key name, and every such key has a fixed length.

func (d *Directory) key(parts ...string) string {
	k := d.prefix
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (d *Directory) accountsKey() string  { return d.key("accounts") }
func (d *Directory) bodiesKey() string    { return d.key("bodies") }
func (d *Directory) trailKey() string     { return d.key("trail") }
func (d *Directory) trailHeadKey() string { return d.key("trail", "head") }

// sessionKey stores only a hash of the token, so a copy of Redis opens no session.
func (d *Directory) sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return d.key("session", hex.EncodeToString(sum[:]))
}

func (d *Directory) totpUsedKey(username, code string) string {
	return d.key("totp-used", username, code)
}

// failKeys are the failure counters of one account: from this client, and from anywhere.
func (d *Directory) failKeys(username, client string) (perClient, perAccount string) {
	user := shortHash(username)
	return d.key("fails", user, shortHash(username+"\x00"+client)), d.key("fails", user)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxSkew is how old (or how far ahead) a signed request's timestamp may be.
const maxSkew = 5 * time.Minute

// verifySignature checks X-Qingfeng-Timestamp and X-Qingfeng-Signature:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func verifySignature(secret []byte, timestamp, signature string, body []byte, now time.Time) *apiError {
	if len(secret) == 0 {
		return fail(http.StatusServiceUnavailable, "not_configured")
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
		return fail(http.StatusUnauthorized, "stale")
	}
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return fail(http.StatusUnauthorized, "bad_signature")
	}
	return nil
}

// Sign is what a sender computes; the tests and the load command use it too.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

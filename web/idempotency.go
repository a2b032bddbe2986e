package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
)

// A webhook delivery is known by its sender's id (the SMS message id, Twilio's
// MessageSid, the hotline's call id) and answered from what its first completed delivery
// answered. Nothing is set before the work that a retry could trip over: go-redis
// re-sends a command after its timeout, so during a Redis stall the first delivery's own
// claim may land twice, and an identical resend of a signed request must still learn its
// ticket and query code.
//
// Keys, the id only as a keyed hash (no personal value in a key name):
//
//	web:answer:<kind>:<hash>  the answer, sealed with the identity keyring and bound to
//	                          this key name; kept answerTTL for the sender's retries
//	web:claim:<kind>:<hash>   a random token while one delivery does the work; it lives
//	                          Config.ClaimTTL, so a delivery that died frees the id soon

// answerTTL keeps an answer for a sender's retries, which may come hours later.
const answerTTL = 24 * time.Hour

// claimScript: the stored answer if there is one, else the claim. A claim already holding
// our own token is ours: it is this very call, re-sent by the client after a timeout.
//
//	KEYS[1] answer, KEYS[2] claim; ARGV[1] token, ARGV[2] claim TTL (ms)
//	→ {"done", sealed answer} | {"claimed"} | {"busy"}
var claimScript = redis.NewScript(`
local answer = redis.call('GET', KEYS[1])
if answer then return {'done', answer} end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return {'busy'} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {'claimed'}
`)

// finishScript stores the answer and drops our claim (a repeat of it changes nothing).
//
//	KEYS[1] answer, KEYS[2] claim; ARGV[1] token, ARGV[2] sealed answer, ARGV[3] answer TTL (ms)
var finishScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`)

// releaseScript drops our claim after failed work, so the sender's retry does it.
//
//	KEYS[1] claim; ARGV[1] token
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// once answers the delivery of id: with the stored answer when one delivery of it has
// completed, 409 in_progress while another holds a live claim, else by doing work and
// storing what it answered. Failed work stores nothing, so a retry does it again.
func once[T any](ctx context.Context, s *Server, kind, id string, work func(context.Context) (*T, error)) (*T, error) {
	if s.cfg.Keys == nil {
		return nil, fail(http.StatusServiceUnavailable, "not_configured")
	}
	hash := s.tickets.LookupHash("webhook "+kind, id)
	answerKey, claimKey := s.key("answer", kind, hash), s.key("claim", kind, hash)
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	res, err := s.claim(ctx, answerKey, claimKey, token)
	if err != nil {
		return nil, unavailable(err)
	}
	switch res[0] {
	case "done":
		plain, err := s.cfg.Keys.Open(res[1], answerKey)
		if err != nil {
			return nil, fmt.Errorf("stored %s answer: %w", kind, err)
		}
		var ans T
		if err := json.Unmarshal(plain, &ans); err != nil {
			return nil, fmt.Errorf("stored %s answer: %w", kind, err)
		}
		return &ans, nil
	case "busy":
		ae := fail(http.StatusConflict, "in_progress")
		ae.RetryAfter = time.Second
		return nil, ae
	}
	// The work and what follows it run to the end even if the sender hangs up: a ticket
	// made must be answered to its retry.
	ctx = context.WithoutCancel(ctx)
	ans, err := work(ctx)
	if err != nil {
		if rerr := releaseScript.Run(ctx, s.rdb, []string{claimKey}, token).Err(); rerr != nil {
			s.log.Warn("could not release a webhook claim; it expires by itself", "kind", kind, "err", rerr)
		}
		return nil, err
	}
	plain, err := json.Marshal(ans)
	if err != nil {
		return nil, fmt.Errorf("encode %s answer: %w", kind, err)
	}
	sealed, err := s.cfg.Keys.Seal(plain, answerKey)
	if err != nil {
		return nil, fmt.Errorf("seal %s answer: %w", kind, err)
	}
	if err := finishScript.Run(ctx, s.rdb, []string{answerKey, claimKey}, token, sealed, answerTTL.Milliseconds()).Err(); err != nil {
		// The work is done and this sender gets its answer now; only a later retry misses it.
		s.log.Warn("could not store a webhook answer", "kind", kind, "err", err)
	}
	return ans, nil
}

// claimTries is how often a delivery asks for its id before answering 503.
const claimTries = 4

// claim runs claimScript, asking again with the same token when Redis does not answer.
// go-redis re-sends a command that timed out, but not one whose new connection timed out
// while being set up; a copy of the claim sent before may still land when Redis wakes,
// and only this token takes it up again instead of leaving the sender a 409.
func (s *Server) claim(ctx context.Context, answerKey, claimKey, token string) ([]string, error) {
	wait := 50 * time.Millisecond
	for try := 1; ; try++ {
		res, err := claimScript.Run(ctx, s.rdb, []string{answerKey, claimKey}, token, s.cfg.ClaimTTL.Milliseconds()).StringSlice()
		if err == nil || try == claimTries {
			return res, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("claim token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

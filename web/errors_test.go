package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"qingfeng/intake"
	"qingfeng/staff"
)

// The one mapping of errors to HTTP: a store that does not answer is 503 however it
// failed and whatever a handler made of it; what intake or a handler classified keeps
// its class; a command Redis refused is a bug, 500.
func TestFromDomain(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "x"}}
	loading := redisReply("LOADING Redis is loading the dataset in memory")
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"connection refused", fmt.Errorf("login throttle: %w", syscall.ECONNREFUSED), 503, "unavailable"},
		{"dial error", refused, 503, "unavailable"},
		{"connection dropped", fmt.Errorf("read session: %w", io.EOF), 503, "unavailable"},
		{"client closed", redis.ErrClosed, 503, "unavailable"},
		{"pool timeout", redis.ErrPoolTimeout, 503, "unavailable"},
		{"deadline", context.DeadlineExceeded, 503, "unavailable"},
		{"Redis loading", loading, 503, "unavailable"},
		{"Redis failing over", redisReply("MASTERDOWN Link with MASTER is down"), 503, "unavailable"},
		{"Redis out of memory", redisReply("OOM command not allowed when used memory > 'maxmemory'"), 503, "unavailable"},
		{"intake: store unreachable", &intake.Error{Code: intake.CodeUnavailable, Msg: "store unreachable", Err: io.EOF}, 503, "unavailable"},
		{"a handler's 422 over a store failure", &apiError{Status: 422, Code: "invalid", Msg: "x", Err: fmt.Errorf("load bodies: %w", redis.ErrClosed)}, 503, "unavailable"},
		{"a handler's 422 over bad input", &apiError{Status: 422, Code: "invalid", Msg: "x", Err: staff.ErrInvalid}, 422, "invalid"},
		{"a handler's 400 over a cut-off body", &apiError{Status: 400, Code: "bad_upload", Msg: "x", Err: io.ErrUnexpectedEOF}, 400, "bad_upload"},
		{"a handler's 502 over a gateway's failure", &apiError{Status: 502, Code: "handoff_undelivered", Msg: "x", Err: refused}, 502, "handoff_undelivered"},
		{"intake: upload cut off", &intake.Error{Code: intake.CodeInvalid, Msg: "the upload was cut off", Err: io.ErrUnexpectedEOF}, 422, "invalid"},
		{"intake: stale version", &intake.Error{Code: intake.CodeConflict, Msg: "stale"}, 409, "conflict"},
		{"intake: not found", &intake.Error{Code: intake.CodeNotFound, Msg: "no ticket"}, 404, "not_found"},
		{"a command Redis refused", redisReply("WRONGTYPE Operation against a key holding the wrong kind of value"), 500, "internal"},
		{"anything else", errors.New("boom"), 500, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fromDomain(tc.err)
			if got.Status != tc.status || got.Code != tc.code || got.Msg == "" {
				t.Errorf("%v: %d %s %q, want %d %s", tc.err, got.Status, got.Code, got.Msg, tc.status, tc.code)
			}
		})
	}
}

// redisReply is a reply error as Redis sends it.
type redisReply string

func (e redisReply) Error() string { return string(e) }
func (redisReply) RedisError()     {}

package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"qingfeng/bot"
	"qingfeng/intake"
)

// apiError is the one error type handlers return: the HTTP status, a stable code, the
// Chinese message for the citizen or sender, and the cause for the log.
type apiError struct {
	Status     int
	Code       string
	Msg        string
	Err        error
	RetryAfter time.Duration // when set, sent as Retry-After so a sender knows when to come back
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	return e.Code
}

func (e *apiError) Unwrap() error { return e.Err }

func fail(status int, code string, args ...any) *apiError {
	m := messages[code]
	if len(args) > 0 {
		m = fmt.Sprintf(m, args...)
	}
	return &apiError{Status: status, Code: code, Msg: m}
}

// unavailable is Redis (or another dependency) not answering: 503, so the sender retries.
func unavailable(err error) *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: messages["unavailable"], Err: err}
}

// fromDomain maps intake's and bot's errors to HTTP, in this one place. A store that
// does not answer is 503 whatever the layers above made of it: a handler that took the
// failure for bad input (422) is overruled, so the sender retries instead of changing
// what it sent.
func fromDomain(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) && !(ae.Status == http.StatusUnprocessableEntity && storeDown(ae.Err)) {
		return ae
	}
	if storeDown(err) || errors.Is(err, bot.ErrUnavailable) {
		return unavailable(err)
	}
	switch intake.CodeOf(err) {
	case intake.CodeNotFound:
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Msg: messages["not_found"], Err: err}
	case intake.CodeInvalid:
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Msg: messages["invalid"], Err: err}
	case intake.CodeConflict:
		return &apiError{Status: http.StatusConflict, Code: "conflict", Msg: messages["in_progress"], Err: err}
	case intake.CodeForbidden:
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Msg: messages["forbidden"], Err: err}
	case intake.CodeIllegalMove:
		return &apiError{Status: http.StatusConflict, Code: "illegal_move", Msg: messages["invalid"], Err: err}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			return &apiError{Status: he.Code, Code: "too_large", Msg: messages["too_large"], Err: err}
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return &apiError{Status: he.Code, Code: "no_route", Msg: http.StatusText(he.Code), Err: err}
		}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Msg: messages["internal"], Err: err}
}

// storeDown reports whether err is Redis (or another dependency) not answering: no
// connection, a dropped or timed-out one, a closed or exhausted pool, or a server that
// cannot serve now (loading, failing over, out of memory, too many clients). Errors that
// say a command was wrong (WRONGTYPE, a script's refusal) are not among them: those are
// bugs, and stay 500. What intake has classified keeps its class: an upload cut off
// mid-way is the sender's, not the store's.
func storeDown(err error) bool {
	switch intake.CodeOf(err) {
	case intake.CodeUnavailable:
		return true
	case "":
	default:
		return false
	}
	if err == nil {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) ||
		redis.IsLoadingError(err) || redis.IsMasterDownError(err) || redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsReadOnlyError(err) || redis.IsOOMError(err) || redis.IsMaxClientsError(err) || redis.IsNoReplicasError(err)
}

// handleError writes every error response, and logs it, the same way. Staff read that
// the service, not their session, is the trouble: they stay logged in.
func (s *Server) handleError(err error, c echo.Context) {
	ae := fromDomain(err)
	if ae.Code == "unavailable" && strings.HasPrefix(c.Request().URL.Path, "/staff/") {
		staffAe := *ae
		staffAe.Msg = messages["staff_unavailable"]
		ae = &staffAe
	}
	level := s.log.Info
	if ae.Status >= 500 {
		level = s.log.Error
	}
	level("request failed", "method", c.Request().Method, "path", c.Path(), "status", ae.Status, "code", ae.Code, "err", ae.Err)
	if c.Response().Committed {
		return
	}
	if ae.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ae.RetryAfter.Seconds()))))
	}
	_ = c.JSON(ae.Status, map[string]string{"error": ae.Code, "message": ae.Msg})
}

package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/labstack/echo/v4"
)

// metrics are the server's own, in a set of its own (tests run several servers), and
// written in the Prometheus text format with the Go runtime's and the process's.
type serverMetrics struct {
	set *metrics.Set
}

// latencyBuckets are the request-time histogram's upper bounds, in seconds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, 1}

func newMetrics() *serverMetrics { return &serverMetrics{set: metrics.NewSet()} }

// request counts and times one request under its route pattern (never the raw path,
// which would carry ticket numbers).
func (m *serverMetrics) request(route string, status int, took time.Duration) {
	m.set.GetOrCreateCounter(fmt.Sprintf(`qingfeng_http_requests_total{route=%s,status="%d"}`, strconv.Quote(route), status)).Inc()
	m.set.GetOrCreatePrometheusHistogramExt(fmt.Sprintf(`qingfeng_http_request_seconds{route=%s}`, strconv.Quote(route)), latencyBuckets).
		Update(took.Seconds())
}

// ticketCreated counts a new ticket by channel.
func (m *serverMetrics) ticketCreated(channel string) {
	m.set.GetOrCreateCounter(fmt.Sprintf(`qingfeng_tickets_created_total{channel=%s}`, strconv.Quote(channel))).Inc()
}

func (m *serverMetrics) write(w io.Writer) {
	m.set.WritePrometheus(w)
	metrics.WriteProcessMetrics(w)
}

// MetricsHandler serves the metrics on a listen address of their own
// (QINGFENG_METRICS_ADDR): route counts and the process's figures are for the operator's
// scraper, not for the public.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set(echo.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set(echo.HeaderXContentTypeOptions, "nosniff")
		s.metrics.write(w)
	})
}

// observe counts and times every request.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil {
			status = fromDomain(err).Status
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.request(route, status, time.Since(start))
		return err
	}
}

package web

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	tickets  *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qingfeng_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "qingfeng_http_request_seconds",
			Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, 1}}, []string{"route"}),
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qingfeng_tickets_created_total",
			Help: "Tickets created, by channel."}, []string{"channel"}),
	}
	reg.MustRegister(m.requests, m.latency, m.tickets)
	return m
}

// observe counts and times every request under its route pattern (never the raw path,
// which would carry ticket numbers).
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
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		return err
	}
}

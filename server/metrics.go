package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// durationBuckets are the upper bounds (seconds) of the request duration
// histogram.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// metrics holds the counters /metrics exposes in the Prometheus text format
// (version 0.0.4), written by hand: the handful of series here does not
// justify the client library.
type metrics struct {
	mu        sync.Mutex
	requests  map[[3]string]uint64 // method, route, code
	durations map[string]*histogram

	labels        labeledCounter // by format
	labelFailures atomic.Int64
	batchFiles    labeledCounter // by outcome
	busy          atomic.Int64
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

type labeledCounter struct {
	mu sync.Mutex
	m  map[string]uint64
}

func (lc *labeledCounter) inc(label string) {
	lc.mu.Lock()
	if lc.m == nil {
		lc.m = map[string]uint64{}
	}
	lc.m[label]++
	lc.mu.Unlock()
}

func (lc *labeledCounter) snapshot() map[string]uint64 {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	out := make(map[string]uint64, len(lc.m))
	for k, v := range lc.m {
		out[k] = v
	}
	return out
}

func newMetrics() *metrics {
	return &metrics{requests: map[[3]string]uint64{}, durations: map[string]*histogram{}}
}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[3]string{method, route, strconv.Itoa(code)}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.durations[route] = h
	}
	sec := d.Seconds()
	for i, ub := range durationBuckets {
		if sec <= ub {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.n++
}

// observe is the middleware counting requests by route template (never by
// raw path, which would make one series per job or ProduceID) and logging
// them when asked.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "other"
		}
		code := c.Response().Status
		s.metrics.observe(c.Request().Method, route, code, time.Since(start))
		if s.cfg.LogRequests {
			s.log.Info("request", "method", c.Request().Method, "path", c.Request().URL.Path, "status", code,
				"ms", time.Since(start).Milliseconds(), "client", c.RealIP())
		}
		return nil
	}
}

func promLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func (s *Server) serveMetrics(c echo.Context) error {
	var b strings.Builder
	m := s.metrics
	m.mu.Lock()
	fmt.Fprintln(&b, "# HELP aigclabel_http_requests_total HTTP requests by method, route and status code.")
	fmt.Fprintln(&b, "# TYPE aigclabel_http_requests_total counter")
	keys := make([][3]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.Join(keys[i][:], " ") < strings.Join(keys[j][:], " ") })
	for _, k := range keys {
		fmt.Fprintf(&b, "aigclabel_http_requests_total{method=\"%s\",route=\"%s\",code=\"%s\"} %d\n", promLabel(k[0]), promLabel(k[1]), k[2], m.requests[k])
	}
	fmt.Fprintln(&b, "# HELP aigclabel_http_request_duration_seconds HTTP request duration by route.")
	fmt.Fprintln(&b, "# TYPE aigclabel_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.durations[r]
		var cum uint64
		for i, ub := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "aigclabel_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %d\n", promLabel(r), ub, cum)
		}
		fmt.Fprintf(&b, "aigclabel_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", promLabel(r), h.n)
		fmt.Fprintf(&b, "aigclabel_http_request_duration_seconds_sum{route=\"%s\"} %g\n", promLabel(r), h.sum)
		fmt.Fprintf(&b, "aigclabel_http_request_duration_seconds_count{route=\"%s\"} %d\n", promLabel(r), h.n)
	}
	m.mu.Unlock()

	counter := func(name, help, label string, vals map[string]uint64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		ks := make([]string, 0, len(vals))
		for k := range vals {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(&b, "%s{%s=\"%s\"} %d\n", name, label, promLabel(k), vals[k])
		}
	}
	counter("aigclabel_labels_total", "Files labeled, by format.", "format", m.labels.snapshot())
	counter("aigclabel_batch_files_total", "Batch files finished, by outcome.", "outcome", m.batchFiles.snapshot())
	fmt.Fprintf(&b, "# HELP aigclabel_label_failures_total Labeling attempts that failed.\n# TYPE aigclabel_label_failures_total counter\naigclabel_label_failures_total %d\n", m.labelFailures.Load())
	fmt.Fprintf(&b, "# HELP aigclabel_workers_busy Worker slots in use.\n# TYPE aigclabel_workers_busy gauge\naigclabel_workers_busy %d\n", m.busy.Load())
	fmt.Fprintf(&b, "# HELP aigclabel_workers Worker slots.\n# TYPE aigclabel_workers gauge\naigclabel_workers %d\n", cap(s.sem))
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if n, err := s.st.QueueLength(ctx); err == nil {
		fmt.Fprintf(&b, "# HELP aigclabel_batch_queue_files Batch files queued or running (all servers).\n# TYPE aigclabel_batch_queue_files gauge\naigclabel_batch_queue_files %d\n", n)
	}
	fmt.Fprintf(&b, "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}

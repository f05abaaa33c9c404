// Package server is aigclabel's HTTP service (github.com/labstack/echo/v4):
// labeling, detection, verification and propagation of single files, batch
// jobs, registry lookups, the public key set, health and metrics, and the web
// page. Every labeling event is recorded in the registry (package
// server/store) before the labeled file is returned.
//
// The API is versioned under /api/v1 and described by the OpenAPI 3 document
// served at /api/v1/openapi.json. Errors are JSON {"error": ..., "code": ...}.
//
// Servers are stateless apart from the registry: several of them may share
// one PostgreSQL registry, and batch work queued there is done by whichever
// server claims it.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/aigclabel/aigclabel/labeler/sign"
	"github.com/aigclabel/aigclabel/server/store"
	"github.com/aigclabel/aigclabel/server/upload"
	"github.com/aigclabel/aigclabel/web"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// Config configures a Server. Zero values mean the defaults noted.
type Config struct {
	// Store is the registry (required).
	Store *store.Store
	// Log receives the server's logs; nil discards them.
	Log *slog.Logger

	// MaxBody is the largest request body in bytes (default 64 MiB).
	MaxBody int64
	// MaxPixels is the largest image, in pixels, accepted before decoding
	// (default 50 million).
	MaxPixels int64
	// MaxDuration is the longest audio accepted, read from its header
	// (default 30 minutes).
	MaxDuration time.Duration
	// MaxZipEntries and MaxZipBytes bound a batch zip: number of files and
	// total uncompressed size (defaults 1000 and 256 MiB: a batch is held in memory while it is stored).
	MaxZipEntries int
	MaxZipBytes   int64
	// Timeout bounds one request's work, and one batch file's (default 60 s).
	Timeout time.Duration
	// Workers is how many files are processed at once, requests and batch
	// files together (default: the number of CPUs).
	Workers int
	// BatchWorkers is how many batch files are processed at once (default:
	// the number of CPUs; 0 < BatchWorkers <= Workers is sensible). A
	// negative value runs no batch worker (API only).
	BatchWorkers int
	// BatchPause is a pause after each batch file, leaving CPU to
	// interactive requests (default 0).
	BatchPause time.Duration
	// Lease is how long a claimed batch file stays with its server before
	// another may take it over (default: Timeout plus one minute).
	Lease time.Duration
	// RateLimit is the requests per second each client address may make to
	// the public endpoints without an API key (default 5, in bursts of 11;
	// negative: no limit). Full detection costs about a quarter second of CPU
	// per megapixel, so anonymous clients are kept to a few a second.
	RateLimit float64
	// PurgeEvery is how often this server purges expired registry rows
	// (store.Purge: events past the retention, finished jobs past the job
	// retention); 0 means every 6 hours, negative never.
	PurgeEvery time.Duration
	// ShutdownGrace is how long shutdown waits for running work before
	// checkpointing it (default 20 s).
	ShutdownGrace time.Duration
	// BehindProxy trusts X-Forwarded-For for the client address.
	BehindProxy bool
	// LogRequests logs every request at Info level.
	LogRequests bool

	// KeySet is the public key set seals are verified against and that
	// GET /api/v1/keys publishes; nil means none.
	KeySet *sign.KeySet
	// Sealer, when set, seals every label (ReservedCode1) and propagation
	// (ReservedCode2).
	Sealer *sign.Sealer
	// WatermarkKey is the watermark key; nil means the development key.
	WatermarkKey []byte
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Web serves the page at "/"; nil means web.Handler().
	Web http.Handler
}

// Server is the HTTP service.
type Server struct {
	cfg     Config
	st      *store.Store
	log     *slog.Logger
	e       *echo.Echo
	sem     chan struct{}
	metrics *metrics
	keys    keyCache
	worker  string
	wake    chan struct{}

	mu       sync.Mutex
	draining bool
	drain    chan struct{} // closed when shutdown starts: ends event streams
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: a store is required")
	}
	ncpu := runtime.NumCPU()
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.MaxBody, 64<<20)
	def(&cfg.MaxPixels, 50_000_000)
	def(&cfg.MaxZipBytes, 256<<20)
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = 30 * time.Minute
	}
	if cfg.MaxZipEntries <= 0 {
		cfg.MaxZipEntries = 1000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = ncpu
	}
	if cfg.BatchWorkers == 0 {
		cfg.BatchWorkers = ncpu
	}
	if cfg.Lease <= 0 {
		cfg.Lease = cfg.Timeout + time.Minute
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 5
	}
	if cfg.PurgeEvery == 0 {
		cfg.PurgeEvery = 6 * time.Hour
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 20 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Web == nil {
		cfg.Web = web.Handler()
	}
	if cfg.Sealer != nil {
		// Publish (and trust) the server's own sealing key, unless the key
		// set names it already.
		ks := &sign.KeySet{}
		if cfg.KeySet != nil {
			ks.Keys = append(ks.Keys, cfg.KeySet.Keys...)
		}
		known := false
		for _, k := range ks.Keys {
			known = known || k.KeyID == cfg.Sealer.KeyID()
		}
		if !known {
			if err := ks.AddKey(sign.KeyEntry{KeyID: cfg.Sealer.KeyID(), Public: cfg.Sealer.Public(), Comment: "aigclabel server sealing key"}); err != nil {
				return nil, fmt.Errorf("server: publishing the sealing key: %w", err)
			}
		}
		cfg.KeySet = ks
	}
	var id [6]byte
	rand.Read(id[:])
	s := &Server{
		cfg: cfg, st: cfg.Store, log: cfg.Log,
		sem:     make(chan struct{}, cfg.Workers),
		metrics: newMetrics(),
		worker:  hex.EncodeToString(id[:]),
		wake:    make(chan struct{}, 1),
		drain:   make(chan struct{}),
	}
	s.keys.ttl = 10 * time.Second
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler (routes, middleware, the web page).
func (s *Server) Handler() http.Handler { return s.e }

func (s *Server) routes() {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	if s.cfg.BehindProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	e.Use(middleware.Recover(), s.observe)
	s.e = e

	e.GET("/healthz", s.healthz)
	e.GET("/metrics", s.serveMetrics)

	api := e.Group("/api/v1", s.limitBody, s.authenticate)
	var limited []echo.MiddlewareFunc
	if s.cfg.RateLimit > 0 {
		limited = append(limited, middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			// A request with a valid API key is accountable and not limited.
			Skipper: func(c echo.Context) bool { return c.Get(ctxKey) != nil },
			Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
				Rate: rate.Limit(s.cfg.RateLimit), Burst: int(2*s.cfg.RateLimit) + 1, ExpiresIn: 3 * time.Minute,
			}),
			DenyHandler: func(c echo.Context, _ string, _ error) error {
				return apiErr(http.StatusTooManyRequests, "rate_limited", "too many requests from this address; retry later or use an API key")
			},
		}))
	}
	api.GET("/openapi.json", s.openapi)
	api.POST("/label", s.handleLabel, s.require(store.RoleProducer))
	api.POST("/propagate", s.handlePropagate, s.require(store.RolePlatform))
	api.POST("/detect", s.handleDetect, limited...)
	api.POST("/verify", s.handleVerify, limited...)
	api.POST("/batch", s.handleBatchCreate, s.require(store.RoleProducer))
	api.GET("/batch/:id", s.handleBatchStatus, s.require(store.RoleProducer, store.RolePlatform))
	api.GET("/batch/:id/events", s.handleBatchEvents, s.require(store.RoleProducer, store.RolePlatform))
	api.GET("/batch/:id/result", s.handleBatchResult, s.require(store.RoleProducer, store.RolePlatform))
	api.GET("/records/:produceID", s.handleRecord, limited...)
	api.GET("/lookup", s.handleLookupGet, limited...)
	api.POST("/lookup", s.handleLookupPost, limited...)
	api.GET("/matches/byBinding", s.handleMatchesByBinding, limited...)
	api.POST("/matches/byContent", s.handleMatchesByContent, limited...)
	api.GET("/keys", s.handleKeys, limited...)
	api.GET("/export", s.handleExport, s.require())
	api.GET("/admin/keys", s.handleAdminKeys, s.require())
	api.POST("/admin/keys", s.handleAdminKeyAdd, s.require())
	api.DELETE("/admin/keys/:id", s.handleAdminKeyRevoke, s.require())
	api.Any("/*", func(c echo.Context) error {
		return apiErr(http.StatusNotFound, "not_found", "no such API endpoint: %s %s", c.Request().Method, c.Request().URL.Path)
	})

	web := echo.WrapHandler(s.cfg.Web)
	e.GET("/*", web)
	e.HEAD("/*", web)
}

// Serve serves HTTP on ln and runs the batch workers until ctx is done, then
// shuts down gracefully: it stops accepting connections, lets requests and
// batch files in progress finish for up to ShutdownGrace, and puts batch
// files still running back in the queue (another server, or this one on its
// next start, does them).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if n, err := s.st.Recover(ctx); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("requeued batch files left running by a previous run", "files", n)
	}
	hs := &http.Server{
		Handler:           s.e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.Timeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	var wg sync.WaitGroup
	claimCtx, stopClaiming := context.WithCancel(ctx)
	defer stopClaiming()
	for i := 0; i < s.cfg.BatchWorkers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.batchWorker(claimCtx, workCtx)
		}()
	}
	if s.cfg.PurgeEvery > 0 {
		go s.purgeLoop(claimCtx)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "store", s.st.Backend(), "workers", s.cfg.Workers, "batchWorkers", s.cfg.BatchWorkers)

	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	close(s.drain)
	s.log.Info("shutting down: finishing running work", "grace", s.cfg.ShutdownGrace)
	graceCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	stopClaiming()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if err := hs.Shutdown(graceCtx); err != nil {
		hs.Close()
	}
	select {
	case <-done:
	case <-graceCtx.Done():
		// Out of time: cancel running batch files; their workers release them.
		stopWork()
		<-done
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// purgeLoop removes expired registry rows now and then. Several servers
// sharing a registry may all run it: deleting expired rows twice is harmless.
func (s *Server) purgeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.PurgeEvery):
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		res, err := s.st.Purge(pctx)
		cancel()
		if err != nil {
			s.log.Warn("purging expired registry rows", "err", err)
		} else if res.Events+res.Jobs > 0 {
			s.log.Info("purged expired registry rows", "events", res.Events, "jobs", res.Jobs)
		}
	}
}

// acquire takes a worker slot, waiting until one is free or ctx ends.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		s.metrics.busy.Add(1)
		return nil
	case <-ctx.Done():
		return apiErr(http.StatusServiceUnavailable, "busy", "every worker stayed busy for the request's time limit; retry later")
	}
}

func (s *Server) release() {
	s.metrics.busy.Add(-1)
	<-s.sem
}

func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "shutting down", "store": s.st.Backend()})
	}
	if err := s.st.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "registry unreachable", "store": s.st.Backend(), "error": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "store": s.st.Backend()})
}

// limitBody refuses declared oversized bodies at once and caps the rest.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.cfg.MaxBody {
			return apiErr(http.StatusRequestEntityTooLarge, "too_large", "request body of %d bytes is larger than the limit of %d bytes", r.ContentLength, s.cfg.MaxBody)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.cfg.MaxBody)
		return next(c)
	}
}

// limits are the upload limits of this server.
func (s *Server) limits() upload.Limits {
	return upload.Limits{MaxPixels: s.cfg.MaxPixels, MaxDuration: s.cfg.MaxDuration, MaxZipEntries: s.cfg.MaxZipEntries, MaxZipBytes: s.cfg.MaxZipBytes}
}

// withTimeout gives the request's work the configured time limit.
func (s *Server) withTimeout(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.cfg.Timeout)
}

func (s *Server) String() string { return fmt.Sprintf("aigclabel server (%s)", s.st.Backend()) }

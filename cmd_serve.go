package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aigclabel/aigclabel/labeler/sign"
	"github.com/aigclabel/aigclabel/server"
	"github.com/aigclabel/aigclabel/server/store"
)

func init() {
	commands["serve"] = command{summary: "serve the HTTP API, batch jobs, the registry and the web page", run: cmdServe}
}

// daysValue is a duration flag that also accepts days ("184d").
type daysValue struct{ d *time.Duration }

func (v daysValue) String() string {
	if v.d == nil {
		return ""
	}
	if *v.d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", *v.d/(24*time.Hour))
	}
	return v.d.String()
}

func (v daysValue) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return fmt.Errorf("want a number of days like 184d")
		}
		*v.d = time.Duration(days) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// storeFlags registers the registry flags shared by serve, keys and registry.
func storeFlags(fs *flag.FlagSet) func() (string, store.Options) {
	dsn := fs.String("db", store.DefaultPath, "registry: a SQLite file `path`, or a postgres://user@host/db DSN (several servers may share one PostgreSQL)")
	opts := store.Options{Retention: store.DefaultRetention, JobRetention: store.DefaultJobRetention}
	fs.Var(daysValue{&opts.Retention}, "retention", "keep labeling events this long (e.g. 365d); at least 184d, the six months of the Labeling Measures Art. 9")
	fs.Var(daysValue{&opts.JobRetention}, "job-retention", "keep finished batch jobs and their outputs this long")
	return func() (string, store.Options) { return *dsn, opts }
}

func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "listen `address` (host:port; port 0 picks a free one)")
	storeOpts := storeFlags(fs)
	var cfg server.Config
	maxBodyMB := fs.Int64("max-body-mb", 64, "largest request body, MiB")
	fs.Int64Var(&cfg.MaxPixels, "max-pixels", 50_000_000, "largest image accepted, in pixels, checked from its header before decoding")
	fs.DurationVar(&cfg.MaxDuration, "max-duration", 30*time.Minute, "longest audio accepted, checked from its header before decoding")
	fs.IntVar(&cfg.MaxZipEntries, "zip-max-entries", 1000, "most files in one batch")
	zipMB := fs.Int64("zip-max-mb", 256, "largest total uncompressed size of a batch zip, MiB")
	fs.DurationVar(&cfg.Timeout, "timeout", 60*time.Second, "time limit of one request's work and of one batch file")
	fs.IntVar(&cfg.Workers, "workers", 0, "files processed at once (default: the number of CPUs)")
	fs.IntVar(&cfg.BatchWorkers, "batch-workers", 0, "batch files processed at once (default: the number of CPUs; -1: none on this server)")
	fs.DurationVar(&cfg.BatchPause, "batch-pause", 0, "pause after each batch file, leaving CPU to interactive requests")
	fs.Float64Var(&cfg.RateLimit, "rate-limit", 5, "requests per second per client address on the public endpoints without a key (-1: no limit)")
	fs.DurationVar(&cfg.PurgeEvery, "purge-every", 6*time.Hour, "how often to remove registry rows past their retention (-1s: never; `aigclabel registry purge` does it by hand)")
	fs.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 20*time.Second, "on SIGTERM/SIGINT, how long running work may finish before it is checkpointed")
	fs.BoolVar(&cfg.BehindProxy, "behind-proxy", false, "take the client address from X-Forwarded-For (only behind a trusted proxy)")
	fs.BoolVar(&cfg.LogRequests, "log-requests", false, "log every request")
	keySet := fs.String("keyset", "", "public key set `file` (labeler/sign format) that seals are verified against and /api/v1/keys publishes")
	sealKey := fs.String("seal-key", "", "PEM private key `file` sealing every label (ReservedCode1) and propagation (ReservedCode2)")
	wmKey := fs.String("wm-key", "", "watermark key `file` (default: the development key, for tests only)")
	logJSON := fs.Bool("log-json", false, "log as JSON lines instead of text")
	if _, err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	cfg.Log = log
	cfg.MaxBody = *maxBodyMB << 20
	cfg.MaxZipBytes = *zipMB << 20
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "aigclabel serve: "+format+"\n", a...)
		return 1
	}
	if *keySet != "" {
		b, err := os.ReadFile(*keySet)
		if err != nil {
			return fail("--keyset: %v", err)
		}
		if cfg.KeySet, err = sign.ParseKeySet(b); err != nil {
			return fail("--keyset: %v", err)
		}
	}
	if *sealKey != "" {
		b, err := os.ReadFile(*sealKey)
		if err != nil {
			return fail("--seal-key: %v", err)
		}
		priv, err := sign.ParsePrivateKeyPEM(b)
		if err != nil {
			return fail("--seal-key: %v", err)
		}
		if cfg.Sealer, err = sign.NewSealer(priv, "", rand.Reader); err != nil {
			return fail("--seal-key: %v", err)
		}
	}
	if *wmKey != "" {
		b, err := os.ReadFile(*wmKey)
		if err != nil {
			return fail("--wm-key: %v", err)
		}
		cfg.WatermarkKey = b
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dsn, so := storeOpts()
	st, err := store.Open(ctx, dsn, so)
	if err != nil {
		return fail("%v", err)
	}
	defer st.Close()
	cfg.Store = st
	srv, err := server.New(cfg)
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail("%v", err)
	}
	where := dsn
	if store.IsPostgres(dsn) {
		where = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "aigclabel: listening on http://%s (registry: %s)\n", ln.Addr(), where)
	if err := srv.Serve(ctx, ln); err != nil {
		return fail("%v", err)
	}
	log.Info("stopped")
	return 0
}

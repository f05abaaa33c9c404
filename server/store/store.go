// Package store is the registry: the log of every labeling event the
// Labeling Measures (Art. 9) require providers to keep, the API keys, and the
// batch job queue. It runs on SQLite (modernc.org/sqlite, WAL; one server) or
// on PostgreSQL (pgx; several servers sharing one database), with the same
// schema created by the same migrations.
//
// Batch inputs and outputs live in the database as blobs, so any server
// sharing it can work on any job, and a crash never leaves a half-written
// output: a file's output, its state change and its registry row are written
// in one transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// MinRetention is the shortest retention accepted: six months (Measures
// Art. 9) counted as the longest six calendar months, 184 days.
const MinRetention = 184 * 24 * time.Hour

// DefaultRetention is the retention used when none is configured.
const DefaultRetention = 365 * 24 * time.Hour

// DefaultJobRetention is how long finished batch jobs (and their outputs)
// are kept; labeling events are kept for the (longer) event retention.
const DefaultJobRetention = 7 * 24 * time.Hour

// DefaultPath is the SQLite database used when no DSN is given.
const DefaultPath = "data/aigclabel.db"

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// RetentionError is returned by Open for a retention shorter than MinRetention.
type RetentionError struct{ Retention time.Duration }

func (e *RetentionError) Error() string {
	return fmt.Sprintf("store: a retention of %.4g days is shorter than the six months the Labeling Measures (Art. 9) require (minimum %d days)",
		e.Retention.Hours()/24, int(MinRetention/(24*time.Hour)))
}

// Options configures Open. Zero values mean the defaults.
type Options struct {
	// Retention is how long labeling events are kept; at least MinRetention.
	Retention time.Duration
	// JobRetention is how long finished batch jobs are kept.
	JobRetention time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is an open registry. It is safe for concurrent use.
type Store struct {
	db      *sql.DB // every write (SQLite: one connection, so writers queue here instead of spinning on SQLITE_BUSY)
	rdb     *sql.DB // reads (SQLite: a second pool; PostgreSQL: the same pool)
	pg      bool
	opts    Options
	adds    chan pendingEvent
	stopped chan struct{}
}

// Open opens (creating when needed) the registry named by dsn and brings its
// schema up to date. A dsn starting with postgres:// or postgresql:// selects
// PostgreSQL; anything else is a SQLite file path (optionally prefixed with
// sqlite: or file:); "" means DefaultPath.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Retention < MinRetention {
		return nil, &RetentionError{opts.Retention}
	}
	if opts.JobRetention <= 0 {
		opts.JobRetention = DefaultJobRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{opts: opts, adds: make(chan pendingEvent, 1024), stopped: make(chan struct{})}
	var err error
	if IsPostgres(dsn) {
		s.pg = true
		if s.db, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("store: opening PostgreSQL: %w", err)
		}
		s.db.SetMaxOpenConns(16)
		s.db.SetMaxIdleConns(16)
		s.rdb = s.db
	} else {
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if path == "" {
			path = DefaultPath
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: creating the database folder: %w", err)
			}
		}
		u := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		if s.db, err = sql.Open("sqlite", u); err != nil {
			return nil, fmt.Errorf("store: opening SQLite %s: %w", path, err)
		}
		s.db.SetMaxOpenConns(1)
		if s.rdb, err = sql.Open("sqlite", u); err != nil {
			return nil, fmt.Errorf("store: opening SQLite %s: %w", path, err)
		}
		s.rdb.SetMaxOpenConns(4)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("store: connecting: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	go s.writer()
	return s, nil
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Backend returns "sqlite" or "postgres".
func (s *Store) Backend() string {
	if s.pg {
		return "postgres"
	}
	return "sqlite"
}

// Retention returns the configured event retention.
func (s *Store) Retention() time.Duration { return s.opts.Retention }

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.PingContext(ctx) }

// Close flushes pending events and closes the database.
func (s *Store) Close() error {
	close(s.adds)
	<-s.stopped
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// q rewrites the ? placeholders of a query for the backend: PostgreSQL wants
// $1, $2, ... None of this package's queries has a ? inside a literal.
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) now() time.Time { return s.opts.Now() }

// micros converts a time to the stored form: Unix microseconds, which sort,
// compare and survive both backends unchanged.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

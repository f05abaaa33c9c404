package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/bits"
	"sort"
	"time"
)

// Event kinds.
const (
	KindLabel     = "label"
	KindPropagate = "propagate"
)

// Event is one labeling event: who labeled what, when, and how. Its JSON is
// the export format and what lookups return.
type Event struct {
	ID          int64     `json:"id"`
	Time        time.Time `json:"time"`
	Kind        string    `json:"kind"`
	KeyID       string    `json:"keyId,omitempty"`
	Client      string    `json:"client,omitempty"`
	Producer    string    `json:"producer"`
	ProduceID   string    `json:"produceId"`
	Propagator  string    `json:"propagator,omitempty"`
	PropagateID string    `json:"propagateId,omitempty"`
	WatermarkID string    `json:"watermarkId,omitempty"`
	HashBefore  string    `json:"hashBefore"`
	HashAfter   string    `json:"hashAfter"`
	Format      string    `json:"format"`
	// Options is the labeling options as JSON (labeler.Options' encoding).
	Options json.RawMessage `json:"options"`
	// Record is the AIGC record written, as JSON.
	Record json.RawMessage `json:"record"`
	JobID  string          `json:"jobId,omitempty"`
	// Fingerprint is the text fingerprint (64-bit SimHash) for approximate
	// lookup of text content; nil for other formats.
	Fingerprint *uint64 `json:"fingerprint,omitempty"`
}

const eventCols = `id, at, kind, key_id, client, producer, produce_id, propagator, propagate_id, watermark_id,
	hash_before, hash_after, format, options, record, job_id, fp`

const insertEvent = `INSERT INTO events (at, kind, key_id, client, producer, produce_id, propagator, propagate_id,
	watermark_id, hash_before, hash_after, format, options, record, job_id, fp, fpb0, fpb1, fpb2, fpb3)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

type pendingEvent struct {
	ev   *Event
	done chan error
}

// AddEvent records ev, setting its ID (and its Time when zero). It returns
// once the row is committed. Concurrent calls are committed together in one
// transaction (group commit), which is what lets one SQLite file keep up with
// thousands of labels per second.
func (s *Store) AddEvent(ctx context.Context, ev *Event) error {
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	p := pendingEvent{ev: ev, done: make(chan error, 1)}
	select {
	case s.adds <- p:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the event will be written: wait for the outcome even if the
	// caller gives up, so a reported failure is never a silent success.
	return <-p.done
}

// writer is the single goroutine committing queued events in groups.
func (s *Store) writer() {
	defer close(s.stopped)
	for p := range s.adds {
		group := []pendingEvent{p}
	drain:
		for len(group) < 512 {
			select {
			case q, ok := <-s.adds:
				if !ok {
					break drain
				}
				group = append(group, q)
			default:
				break drain
			}
		}
		err := s.commitEvents(group)
		for _, q := range group {
			q.done <- err
		}
	}
}

func (s *Store) commitEvents(group []pendingEvent) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: recording events: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.q(insertEvent))
	if err != nil {
		return fmt.Errorf("store: recording events: %w", err)
	}
	defer stmt.Close()
	for _, p := range group {
		if err := stmt.QueryRowContext(ctx, eventArgs(p.ev)...).Scan(&p.ev.ID); err != nil {
			return fmt.Errorf("store: recording an event: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: recording events: %w", err)
	}
	return nil
}

func eventArgs(ev *Event) []any {
	opts, rec := string(ev.Options), string(ev.Record)
	if opts == "" {
		opts = "{}"
	}
	if rec == "" {
		rec = "{}"
	}
	args := []any{micros(ev.Time), ev.Kind, ev.KeyID, ev.Client, ev.Producer, ev.ProduceID, ev.Propagator,
		ev.PropagateID, ev.WatermarkID, ev.HashBefore, ev.HashAfter, ev.Format, opts, rec, ev.JobID}
	if ev.Fingerprint == nil {
		return append(args, nil, nil, nil, nil, nil)
	}
	fp := *ev.Fingerprint
	return append(args, int64(fp), int64(fp>>48), int64(fp>>32&0xffff), int64(fp>>16&0xffff), int64(fp&0xffff))
}

// addEventTx records ev inside an existing transaction (batch completion).
func (s *Store) addEventTx(ctx context.Context, tx *sql.Tx, ev *Event) error {
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	return tx.QueryRowContext(ctx, s.q(insertEvent), eventArgs(ev)...).Scan(&ev.ID)
}

type scanner interface{ Scan(dest ...any) error }

func scanEvent(r scanner) (Event, error) {
	var ev Event
	var at int64
	var opts, rec string
	var fp sql.NullInt64
	err := r.Scan(&ev.ID, &at, &ev.Kind, &ev.KeyID, &ev.Client, &ev.Producer, &ev.ProduceID, &ev.Propagator,
		&ev.PropagateID, &ev.WatermarkID, &ev.HashBefore, &ev.HashAfter, &ev.Format, &opts, &rec, &ev.JobID, &fp)
	ev.Time, ev.Options, ev.Record = fromMicros(at), json.RawMessage(opts), json.RawMessage(rec)
	if fp.Valid {
		v := uint64(fp.Int64)
		ev.Fingerprint = &v
	}
	return ev, err
}

func (s *Store) queryEvents(ctx context.Context, where string, args ...any) ([]Event, error) {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+eventCols+` FROM events WHERE `+where+` ORDER BY id LIMIT 1000`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: querying events: %w", err)
	}
	defer rows.Close()
	evs := []Event{}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: reading events: %w", err)
		}
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

// EventsByProduceID returns the events that wrote or propagated ProduceID id.
func (s *Store) EventsByProduceID(ctx context.Context, id string) ([]Event, error) {
	return s.queryEvents(ctx, `produce_id = ? OR propagate_id = ?`, id, id)
}

// EventsByWatermark returns the events that embedded watermark id (16 hex digits).
func (s *Store) EventsByWatermark(ctx context.Context, id string) ([]Event, error) {
	return s.queryEvents(ctx, `watermark_id = ?`, id)
}

// EventsByContentHash returns the events whose output had content hash h
// (hex SHA-256 with the metadata slot excluded): the hash survives stripping
// the metadata, so it finds the record of a stripped copy.
func (s *Store) EventsByContentHash(ctx context.Context, h string) ([]Event, error) {
	return s.queryEvents(ctx, `hash_after = ?`, h)
}

// EventsByJob returns the events a batch job wrote.
func (s *Store) EventsByJob(ctx context.Context, jobID string) ([]Event, error) {
	return s.queryEvents(ctx, `job_id = ?`, jobID)
}

// Match is an approximate text match.
type Match struct {
	Event    Event `json:"event"`
	Distance int   `json:"distance"` // Hamming distance between fingerprints, 0 to 64
}

// EventsByFingerprint returns the events whose text fingerprint is within
// maxDist bits of fp, nearest first. Candidates come from four 16-bit bands
// of the fingerprint, each indexed: two fingerprints within 3 bits share at
// least one band (pigeonhole), so matches up to distance 3 are never missed;
// farther ones are found when a band happens to survive.
func (s *Store) EventsByFingerprint(ctx context.Context, fp uint64, maxDist int) ([]Match, error) {
	evs, err := s.queryEvents(ctx, `fpb0 = ? OR fpb1 = ? OR fpb2 = ? OR fpb3 = ?`,
		int64(fp>>48), int64(fp>>32&0xffff), int64(fp>>16&0xffff), int64(fp&0xffff))
	if err != nil {
		return nil, err
	}
	ms := []Match{}
	for _, ev := range evs {
		if ev.Fingerprint == nil {
			continue
		}
		if d := bits.OnesCount64(*ev.Fingerprint ^ fp); d <= maxDist {
			ms = append(ms, Match{Event: ev, Distance: d})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Distance < ms[j].Distance })
	return ms, nil
}

// CountEvents returns the number of events recorded.
func (s *Store) CountEvents(ctx context.Context) (int64, error) {
	var n int64
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&n)
	return n, err
}

// PurgeResult tells what Purge removed.
type PurgeResult struct {
	Events int64 `json:"events"`
	Jobs   int64 `json:"jobs"`
}

// Purge removes the events older than the retention and the batch jobs
// created before the job retention, and nothing else.
func (s *Store) Purge(ctx context.Context) (PurgeResult, error) {
	var res PurgeResult
	now := s.now()
	r, err := s.db.ExecContext(ctx, s.q(`DELETE FROM events WHERE at < ?`), micros(now.Add(-s.opts.Retention)))
	if err != nil {
		return res, fmt.Errorf("store: purging events: %w", err)
	}
	res.Events, _ = r.RowsAffected()
	cut := micros(now.Add(-s.opts.JobRetention))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM job_files WHERE job_id IN (SELECT id FROM jobs WHERE created < ?)`), cut); err != nil {
		return res, fmt.Errorf("store: purging jobs: %w", err)
	}
	if r, err = tx.ExecContext(ctx, s.q(`DELETE FROM jobs WHERE created < ?`), cut); err != nil {
		return res, fmt.Errorf("store: purging jobs: %w", err)
	}
	res.Jobs, _ = r.RowsAffected()
	return res, tx.Commit()
}

// EachEvent calls fn for every event with since <= time < until (zero
// bounds are open), oldest first, streaming from the database.
func (s *Store) EachEvent(ctx context.Context, since, until time.Time, fn func(Event) error) error {
	lo, hi := int64(0), int64(1<<62)
	if !since.IsZero() {
		lo = micros(since)
	}
	if !until.IsZero() {
		hi = micros(until)
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT `+eventCols+` FROM events WHERE at >= ? AND at < ? ORDER BY id`), lo, hi)
	if err != nil {
		return fmt.Errorf("store: exporting events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("store: exporting events: %w", err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
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
	// Fingerprint is the text fingerprint in textwm's string form (SimHash
	// and sampled shingles) for approximate lookup of text; "" for other
	// formats.
	Fingerprint string `json:"fingerprint,omitempty"`
}

const eventCols = `id, at, kind, key_id, client, producer, produce_id, propagator, propagate_id, watermark_id,
	hash_before, hash_after, format, options, record, job_id, fingerprint`

const insertEvent = `INSERT INTO events (at, kind, key_id, client, producer, produce_id, propagator, propagate_id,
	watermark_id, hash_before, hash_after, format, options, record, job_id, fingerprint, fp, fpb0, fpb1, fpb2, fpb3)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

type pendingEvent struct {
	ev   *Event
	done chan error
}

// AddEvent records ev, setting its Time when zero (and its ID for text
// events; other rows get theirs from the database, read back by lookups).
// It returns once the row is committed. Concurrent calls are committed together in one
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
	// Events without a fingerprint (all but text) go in multi-row INSERTs:
	// one statement for many rows is what keeps the pure-Go SQLite fast.
	var plain []*Event
	var stmt *sql.Stmt
	for _, p := range group {
		if p.ev.Fingerprint == "" {
			plain = append(plain, p.ev)
			continue
		}
		if stmt == nil {
			if stmt, err = tx.PrepareContext(ctx, s.q(insertEvent)); err != nil {
				return fmt.Errorf("store: recording events: %w", err)
			}
			defer stmt.Close()
		}
		if err := s.insertEvent(ctx, tx, stmt, p.ev); err != nil {
			return fmt.Errorf("store: recording an event: %w", err)
		}
	}
	for len(plain) > 0 {
		n := min(len(plain), 40)
		q, _, _ := strings.Cut(insertEvent, " RETURNING")
		q += strings.Repeat(", "+q[strings.LastIndex(q, "("):], n-1)
		args := make([]any, 0, n*21)
		for _, ev := range plain[:n] {
			args = append(args, eventArgs(ev)...)
		}
		if _, err := tx.ExecContext(ctx, s.q(q), args...); err != nil {
			return fmt.Errorf("store: recording events: %w", err)
		}
		plain = plain[n:]
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
		ev.PropagateID, ev.WatermarkID, ev.HashBefore, ev.HashAfter, ev.Format, opts, rec, ev.JobID, ev.Fingerprint}
	fp, err := textwm.ParseFingerprint(ev.Fingerprint)
	if ev.Fingerprint == "" || err != nil {
		return append(args, nil, nil, nil, nil, nil)
	}
	h := fp.SimHash
	return append(args, int64(h), int64(h>>48), int64(h>>32&0xffff), int64(h>>16&0xffff), int64(h&0xffff))
}

// insertEvent writes ev and, for text, its fingerprint's sampled shingles.
func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, ev *Event) error {
	if ev.Fingerprint != "" {
		if _, err := textwm.ParseFingerprint(ev.Fingerprint); err != nil {
			return fmt.Errorf("store: event fingerprint: %w", err)
		}
	}
	if err := stmt.QueryRowContext(ctx, eventArgs(ev)...).Scan(&ev.ID); err != nil {
		return err
	}
	if ev.Fingerprint == "" {
		return nil
	}
	fp, _ := textwm.ParseFingerprint(ev.Fingerprint)
	for len(fp.Sample) > 0 {
		n := min(len(fp.Sample), 200)
		q := "INSERT INTO event_shingles (event_id, h) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")
		args := make([]any, 0, 2*n)
		for _, h := range fp.Sample[:n] {
			args = append(args, ev.ID, int64(h))
		}
		if _, err := tx.ExecContext(ctx, s.q(q), args...); err != nil {
			return err
		}
		fp.Sample = fp.Sample[n:]
	}
	return nil
}

// addEventTx records ev inside an existing transaction (batch completion).
func (s *Store) addEventTx(ctx context.Context, tx *sql.Tx, ev *Event) error {
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	stmt, err := tx.PrepareContext(ctx, s.q(insertEvent))
	if err != nil {
		return err
	}
	defer stmt.Close()
	return s.insertEvent(ctx, tx, stmt, ev)
}

type scanner interface{ Scan(dest ...any) error }

func scanEvent(r scanner) (Event, error) {
	var ev Event
	var at int64
	var opts, rec string
	err := r.Scan(&ev.ID, &at, &ev.Kind, &ev.KeyID, &ev.Client, &ev.Producer, &ev.ProduceID, &ev.Propagator,
		&ev.PropagateID, &ev.WatermarkID, &ev.HashBefore, &ev.HashAfter, &ev.Format, &opts, &rec, &ev.JobID, &ev.Fingerprint)
	ev.Time, ev.Options, ev.Record = fromMicros(at), json.RawMessage(opts), json.RawMessage(rec)
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
	Event Event `json:"event"`
	// Similarity is textwm.Similarity of the two fingerprints: how much of
	// the shorter text the longer contains, 0 (unrelated) to nearly 1.
	Similarity float64 `json:"similarity"`
}

// maxCandidates bounds the events scored for one fingerprint lookup.
const maxCandidates = 50

// EventsByFingerprint returns the events whose text is similar to the one
// fp was computed from (textwm.Similarity at least min), most similar
// first. Candidates come from two indexes: the four 16-bit bands of the
// SimHash (texts within 3 bits share one, by pigeonhole: near-duplicates of
// similar length), and the sampled shingle hashes (the events sharing the
// most samples: an excerpt and its whole text).
func (s *Store) EventsByFingerprint(ctx context.Context, fp textwm.Fingerprint, min float64) ([]Match, error) {
	h := fp.SimHash
	ids := map[int64]int{}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT id FROM events WHERE fpb0 = ? OR fpb1 = ? OR fpb2 = ? OR fpb3 = ? LIMIT 1000`),
		int64(h>>48), int64(h>>32&0xffff), int64(h>>16&0xffff), int64(h&0xffff))
	if err != nil {
		return nil, fmt.Errorf("store: fingerprint lookup: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids[id] = 1 << 30 // band matches first
	}
	rows.Close()
	for sample := fp.Sample; len(sample) > 0; {
		n := len(sample)
		if n > 500 {
			n = 500
		}
		args := make([]any, n)
		for i, v := range sample[:n] {
			args[i] = int64(v)
		}
		sample = sample[n:]
		q := `SELECT event_id, COUNT(*) FROM event_shingles WHERE h IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `) GROUP BY event_id`
		rows, err := s.rdb.QueryContext(ctx, s.q(q), args...)
		if err != nil {
			return nil, fmt.Errorf("store: fingerprint lookup: %w", err)
		}
		for rows.Next() {
			var id int64
			var c int
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return nil, err
			}
			ids[id] += c
		}
		rows.Close()
	}
	type cand struct {
		id    int64
		score int
	}
	cands := make([]cand, 0, len(ids))
	for id, c := range ids {
		cands = append(cands, cand{id, c})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	ms := []Match{}
	for _, c := range cands {
		evs, err := s.queryEvents(ctx, `id = ?`, c.id)
		if err != nil || len(evs) == 0 {
			continue
		}
		other, err := textwm.ParseFingerprint(evs[0].Fingerprint)
		if err != nil {
			continue
		}
		if sim := textwm.Similarity(fp, other); sim >= min {
			ms = append(ms, Match{Event: evs[0], Similarity: sim})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Similarity > ms[j].Similarity })
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
	old := micros(now.Add(-s.opts.Retention))
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM event_shingles WHERE event_id IN (SELECT id FROM events WHERE at < ?)`), old); err != nil {
		return res, fmt.Errorf("store: purging events: %w", err)
	}
	r, err := s.db.ExecContext(ctx, s.q(`DELETE FROM events WHERE at < ?`), old)
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

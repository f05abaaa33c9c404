package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// File states in a batch job.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// MaxAttempts is how many times a file is claimed before it is failed: a
// file that keeps killing its worker (or the whole server) fails alone
// instead of stalling its job forever.
const MaxAttempts = 3

// ErrNoWork is returned by Claim when no file is waiting.
var ErrNoWork = errors.New("store: no queued work")

// ErrLeaseLost is returned when a worker finishes a file it no longer holds
// (its lease expired and another worker took it); its result is discarded.
var ErrLeaseLost = errors.New("store: the file's lease was lost")

// Job is a batch job and its progress.
type Job struct {
	ID      string          `json:"id"`
	Created time.Time       `json:"created"`
	KeyID   string          `json:"-"`
	Client  string          `json:"-"`
	Options json.RawMessage `json:"options"`
	Total   int             `json:"total"`
	Queued  int             `json:"queued"`
	Running int             `json:"running"`
	Done    int             `json:"done"`
	Failed  int             `json:"failed"`
	// State is "queued", "running" or "done" (every file done or failed).
	State string `json:"state"`
}

// JobFile is one file of a job.
type JobFile struct {
	Seq     int             `json:"seq"`
	Name    string          `json:"name"`
	State   string          `json:"state"`
	OutName string          `json:"output,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Code    string          `json:"code,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// NewFile is an input of CreateJob.
type NewFile struct {
	Name string
	Data []byte
}

// NewJobID returns a random job ID (128 bits, hex).
func NewJobID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// CreateJob stores a job and its input files, all queued, in one transaction.
// j.ID, KeyID, Client and Options are taken from j; j.Created is set.
func (s *Store) CreateJob(ctx context.Context, j *Job, files []NewFile) error {
	j.Created = s.now().UTC().Truncate(time.Microsecond)
	j.Total, j.Queued, j.State = len(files), len(files), Queued
	opts := string(j.Options)
	if opts == "" {
		opts = "{}"
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: creating a job: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO jobs (id, created, key_id, client, options, total) VALUES (?, ?, ?, ?, ?, ?)`),
		j.ID, micros(j.Created), j.KeyID, j.Client, opts, j.Total); err != nil {
		return fmt.Errorf("store: creating a job: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO job_files (job_id, seq, queued, name, state, input) VALUES (?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("store: creating a job: %w", err)
	}
	defer stmt.Close()
	for i, f := range files {
		data := f.Data
		if data == nil {
			data = []byte{}
		}
		if _, err := stmt.ExecContext(ctx, j.ID, i, micros(j.Created), f.Name, Queued, data); err != nil {
			return fmt.Errorf("store: storing job file %d: %w", i, err)
		}
	}
	return tx.Commit()
}

// Job returns job id with its per-file states (without the file bytes).
func (s *Store) Job(ctx context.Context, id string) (Job, []JobFile, error) {
	var j Job
	var created int64
	var opts string
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT id, created, key_id, client, options, total FROM jobs WHERE id = ?`), id).
		Scan(&j.ID, &created, &j.KeyID, &j.Client, &opts, &j.Total)
	if errors.Is(err, sql.ErrNoRows) {
		return j, nil, ErrNotFound
	}
	if err != nil {
		return j, nil, fmt.Errorf("store: reading job: %w", err)
	}
	j.Created, j.Options = fromMicros(created), json.RawMessage(opts)
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT seq, name, state, out_name, result, code, error FROM job_files WHERE job_id = ? ORDER BY seq`), id)
	if err != nil {
		return j, nil, fmt.Errorf("store: reading job files: %w", err)
	}
	defer rows.Close()
	files := []JobFile{}
	for rows.Next() {
		var f JobFile
		var res string
		if err := rows.Scan(&f.Seq, &f.Name, &f.State, &f.OutName, &res, &f.Code, &f.Error); err != nil {
			return j, nil, err
		}
		if res != "" {
			f.Result = json.RawMessage(res)
		}
		switch f.State {
		case Queued:
			j.Queued++
		case Running:
			j.Running++
		case Done:
			j.Done++
		case Failed:
			j.Failed++
		}
		files = append(files, f)
	}
	switch {
	case j.Done+j.Failed == j.Total:
		j.State = Done
	case j.Queued == j.Total:
		j.State = Queued
	default:
		j.State = Running
	}
	return j, files, rows.Err()
}

// Claim is a file a worker holds until it completes, fails or releases it,
// or its lease expires.
type Claim struct {
	JobID    string
	Seq      int
	Name     string
	Input    []byte
	Attempts int
	Worker   string
	Job      Job // ID, KeyID, Client and Options
}

// Claim takes the oldest queued file (or one whose lease expired) for worker,
// holding it for lease. It returns ErrNoWork when there is none. On
// PostgreSQL, FOR UPDATE SKIP LOCKED lets many servers claim concurrently
// without taking the same file.
func (s *Store) Claim(ctx context.Context, worker string, lease time.Duration) (Claim, error) {
	now := s.now()
	pick := `SELECT job_id, seq FROM job_files WHERE state = ? OR (state = ? AND lease_until < ?)
		ORDER BY queued, job_id, seq LIMIT 1`
	var query string
	if s.pg {
		query = `UPDATE job_files f SET state = ?, worker = ?, lease_until = ?, attempts = f.attempts + 1
			FROM (` + pick + ` FOR UPDATE SKIP LOCKED) c
			WHERE f.job_id = c.job_id AND f.seq = c.seq
			RETURNING f.job_id, f.seq, f.name, f.input, f.attempts`
	} else {
		query = `UPDATE job_files SET state = ?, worker = ?, lease_until = ?, attempts = attempts + 1
			WHERE (job_id, seq) = (` + pick + `)
			RETURNING job_id, seq, name, input, attempts`
	}
	c := Claim{Worker: worker}
	err := s.db.QueryRowContext(ctx, s.q(query), Running, worker, micros(now.Add(lease)), Queued, Running, micros(now)).
		Scan(&c.JobID, &c.Seq, &c.Name, &c.Input, &c.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNoWork
	}
	if err != nil {
		return c, fmt.Errorf("store: claiming work: %w", err)
	}
	var opts string
	var created int64
	err = s.rdb.QueryRowContext(ctx, s.q(`SELECT id, created, key_id, client, options FROM jobs WHERE id = ?`), c.JobID).
		Scan(&c.Job.ID, &created, &c.Job.KeyID, &c.Job.Client, &opts)
	if err != nil {
		return c, fmt.Errorf("store: reading the claimed file's job: %w", err)
	}
	c.Job.Created, c.Job.Options = fromMicros(created), json.RawMessage(opts)
	return c, nil
}

// Complete stores the output of a claimed file and its labeling event in one
// transaction: after a crash either both exist or neither, so a resumed job
// never loses or duplicates an output or a registry row. It returns
// ErrLeaseLost when the worker no longer holds the file.
func (s *Store) Complete(ctx context.Context, c Claim, outName string, output []byte, result json.RawMessage, ev *Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: completing a file: %w", err)
	}
	defer tx.Rollback()
	r, err := tx.ExecContext(ctx, s.q(`UPDATE job_files SET state = ?, output = ?, out_name = ?, result = ?, input = NULL, finished = ?
		WHERE job_id = ? AND seq = ? AND worker = ? AND state = ?`),
		Done, output, outName, string(result), micros(s.now()), c.JobID, c.Seq, c.Worker, Running)
	if err != nil {
		return fmt.Errorf("store: completing a file: %w", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return ErrLeaseLost
	}
	if ev != nil {
		ev.JobID = c.JobID
		if err := s.addEventTx(ctx, tx, ev); err != nil {
			return fmt.Errorf("store: recording the file's event: %w", err)
		}
	}
	return tx.Commit()
}

// Fail marks a claimed file failed with an error code and message.
func (s *Store) Fail(ctx context.Context, c Claim, code, msg string) error {
	r, err := s.db.ExecContext(ctx, s.q(`UPDATE job_files SET state = ?, code = ?, error = ?, input = NULL, finished = ?
		WHERE job_id = ? AND seq = ? AND worker = ? AND state = ?`),
		Failed, code, msg, micros(s.now()), c.JobID, c.Seq, c.Worker, Running)
	if err != nil {
		return fmt.Errorf("store: failing a file: %w", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return ErrLeaseLost
	}
	return nil
}

// Release puts a claimed file back in the queue untouched (graceful shutdown:
// the work is checkpointed, another worker or the next start does it).
func (s *Store) Release(ctx context.Context, c Claim) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE job_files SET state = ?, worker = '', lease_until = 0, attempts = attempts - 1
		WHERE job_id = ? AND seq = ? AND worker = ? AND state = ?`), Queued, c.JobID, c.Seq, c.Worker, Running)
	if err != nil {
		return fmt.Errorf("store: releasing a file: %w", err)
	}
	return nil
}

// Recover requeues files left running by a server that died. On SQLite only
// one server uses the file, so at start every running file is orphaned; on
// PostgreSQL other servers may be alive, and orphans are reclaimed when their
// lease expires instead. It returns the number of files requeued.
func (s *Store) Recover(ctx context.Context) (int64, error) {
	if s.pg {
		return 0, nil
	}
	r, err := s.db.ExecContext(ctx, s.q(`UPDATE job_files SET state = ?, worker = '', lease_until = 0 WHERE state = ?`), Queued, Running)
	if err != nil {
		return 0, fmt.Errorf("store: recovering running files: %w", err)
	}
	return r.RowsAffected()
}

// EachOutput calls fn with each done file of job id, in order.
func (s *Store) EachOutput(ctx context.Context, id string, fn func(f JobFile, output []byte) error) error {
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT seq, name, out_name, output FROM job_files WHERE job_id = ? AND state = ? ORDER BY seq`), id, Done)
	if err != nil {
		return fmt.Errorf("store: reading outputs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f JobFile
		var out []byte
		if err := rows.Scan(&f.Seq, &f.Name, &f.OutName, &out); err != nil {
			return err
		}
		f.State = Done
		if err := fn(f, out); err != nil {
			return err
		}
	}
	return rows.Err()
}

// QueueLength returns the number of files queued or running.
func (s *Store) QueueLength(ctx context.Context) (int64, error) {
	var n int64
	err := s.rdb.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM job_files WHERE state = ? OR state = ?`), Queued, Running).Scan(&n)
	return n, err
}

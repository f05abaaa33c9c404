package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
	"github.com/aigclabel/aigclabel/server/store/storetest"
)

// backends runs f against SQLite and, when AIGCLABEL_TEST_PG names a
// database (`make test` starts one with .ci/postgres), PostgreSQL.
func backends(t *testing.T, f func(t *testing.T, open func(Options) *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		dsn := filepath.Join(t.TempDir(), "sub", "reg.db")
		f(t, func(o Options) *Store { return mustOpen(t, dsn, o) })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.TempPostgres(t, storetest.Postgres(t))
		f(t, func(o Options) *Store { return mustOpen(t, dsn, o) })
	})
}

func mustOpen(t *testing.T, dsn string, o Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func event(pid, wm string, fp string) *Event {
	return &Event{Kind: KindLabel, KeyID: "k1", Client: "127.0.0.1", Producer: "P", ProduceID: pid, WatermarkID: wm,
		HashBefore: "aa", HashAfter: "h-" + pid, Format: "jpeg", Options: json.RawMessage(`{"producer":"P"}`),
		Record: json.RawMessage(`{"Label":"1"}`), Fingerprint: fp}
}

func TestOpenRefusesShortRetention(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), Options{Retention: 90 * 24 * time.Hour})
	var re *RetentionError
	if !errors.As(err, &re) {
		t.Fatalf("Open with 90 days retention: err = %v, want RetentionError", err)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	backends(t, func(t *testing.T, open func(Options) *Store) {
		s := open(Options{})
		if err := s.AddEvent(context.Background(), event("A", "", "")); err != nil {
			t.Fatal(err)
		}
		s2 := open(Options{}) // a second server on the same database
		v, err := s2.SchemaVersion(context.Background())
		if err != nil || v != len(migrations)-1 {
			t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations)-1)
		}
		if n, _ := s2.CountEvents(context.Background()); n != 1 {
			t.Fatalf("reopening lost or duplicated rows: %d events", n)
		}
	})
}

func TestEventsLookup(t *testing.T) {
	backends(t, func(t *testing.T, open func(Options) *Store) {
		ctx := context.Background()
		s := open(Options{})
		alice := strings.Repeat("Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it. ", 3) +
			"So she was considering in her own mind, as well as she could, for the hot day made her feel very sleepy and stupid, whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the daisies."
		fp := textwm.FingerprintOf(alice).String()
		near := textwm.FingerprintOf(strings.Replace(alice, "very sleepy", "quite sleepy", 1)).String()
		far := textwm.FingerprintOf("The registry keeps every labeling event for six months, with the producer code, the content hashes and the options, indexed for lookups.").String()
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var f string
				switch i {
				case 10:
					f = fp
				case 11:
					f = near
				case 12:
					f = far
				}
				errs <- s.AddEvent(ctx, event(fmt.Sprintf("PID%03d", i), fmt.Sprintf("%016x", i), f))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := s.CountEvents(ctx); n != 100 {
			t.Fatalf("%d events, want 100", n)
		}
		evs, err := s.EventsByProduceID(ctx, "PID042")
		if err != nil || len(evs) != 1 || evs[0].WatermarkID != fmt.Sprintf("%016x", 42) || string(evs[0].Options) != `{"producer":"P"}` {
			t.Fatalf("by ProduceID: %+v, %v", evs, err)
		}
		if evs[0].Time.IsZero() || evs[0].ID == 0 {
			t.Fatalf("event lacks time or id: %+v", evs[0])
		}
		if evs, _ := s.EventsByWatermark(ctx, fmt.Sprintf("%016x", 7)); len(evs) != 1 || evs[0].ProduceID != "PID007" {
			t.Fatalf("by watermark: %+v", evs)
		}
		if evs, _ := s.EventsByContentHash(ctx, "h-PID099"); len(evs) != 1 {
			t.Fatalf("by content hash: %+v", evs)
		}
		if evs, _ := s.EventsByProduceID(ctx, "nope"); len(evs) != 0 {
			t.Fatalf("unknown id matched %+v", evs)
		}
		// An excerpt (the last sentence) finds its whole text and the edited copy, not the other text.
		excerpt := textwm.FingerprintOf(alice[strings.Index(alice, "So she was"):])
		ms, err := s.EventsByFingerprint(ctx, excerpt, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || !strings.HasPrefix(ms[0].Event.ProduceID, "PID01") || !strings.HasPrefix(ms[1].Event.ProduceID, "PID01") || ms[1].Similarity < 0.5 {
			t.Fatalf("fingerprint matches: %+v", ms)
		}
		// The whole text finds itself first.
		whole, _ := textwm.ParseFingerprint(fp)
		if ms, _ := s.EventsByFingerprint(ctx, whole, 0.5); len(ms) != 2 || ms[0].Event.ProduceID != "PID010" {
			t.Fatalf("whole-text matches: %+v", ms)
		}
	})
}

func TestPurgeRemovesOnlyExpired(t *testing.T) {
	backends(t, func(t *testing.T, open func(Options) *Store) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := open(Options{Retention: 200 * 24 * time.Hour, Now: c.now})
		s.AddEvent(ctx, event("OLD", "", textwm.FingerprintOf("an old text of some length, to be purged with its shingles").String()))
		j := &Job{ID: "oldjob", Options: json.RawMessage(`{}`)}
		if err := s.CreateJob(ctx, j, []NewFile{{Name: "a", Data: []byte("x")}}); err != nil {
			t.Fatal(err)
		}
		c.add(100 * 24 * time.Hour)
		s.AddEvent(ctx, event("MID", "", textwm.FingerprintOf("a newer text, kept").String()))
		c.add(101 * 24 * time.Hour) // OLD is 201 days old, MID 101
		s.AddEvent(ctx, event("NEW", "", ""))
		res, err := s.Purge(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Events != 1 || res.Jobs != 1 {
			t.Fatalf("purge removed %+v, want 1 event and 1 job", res)
		}
		for pid, want := range map[string]int{"OLD": 0, "MID": 1, "NEW": 1} {
			if evs, _ := s.EventsByProduceID(ctx, pid); len(evs) != want {
				t.Errorf("%s: %d events after purge, want %d", pid, len(evs), want)
			}
		}
		var orphans int
		s.rdb.QueryRow(`SELECT COUNT(*) FROM event_shingles WHERE event_id NOT IN (SELECT id FROM events)`).Scan(&orphans)
		var kept int
		s.rdb.QueryRow(`SELECT COUNT(*) FROM event_shingles`).Scan(&kept)
		if orphans != 0 || kept == 0 {
			t.Errorf("after purge: %d orphan shingles, %d kept", orphans, kept)
		}
		if _, _, err := s.Job(ctx, "oldjob"); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired job still there: %v", err)
		}
	})
}

func TestExport(t *testing.T) {
	backends(t, func(t *testing.T, open func(Options) *Store) {
		ctx := context.Background()
		s := open(Options{})
		fp := textwm.FingerprintOf("a text to export").String()
		s.AddEvent(ctx, event("E1", "00000000000000ff", fp))
		s.AddEvent(ctx, event("E2", "", ""))
		var jb bytes.Buffer
		n, err := s.Export(ctx, &jb, JSONL, time.Time{}, time.Time{})
		if err != nil || n != 2 {
			t.Fatalf("jsonl: %d, %v", n, err)
		}
		lines := strings.Split(strings.TrimSpace(jb.String()), "\n")
		var ev Event
		if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &ev) != nil || ev.ProduceID != "E1" || ev.Fingerprint != fp {
			t.Fatalf("jsonl lines: %q", lines)
		}
		var cb bytes.Buffer
		if n, err := s.Export(ctx, &cb, CSV, time.Time{}, time.Time{}); err != nil || n != 2 {
			t.Fatalf("csv: %d, %v", n, err)
		}
		recs, err := csv.NewReader(&cb).ReadAll()
		if err != nil || len(recs) != 3 || recs[1][6] != "E1" || recs[1][16] != fp || recs[1][13] != `{"producer":"P"}` {
			t.Fatalf("csv: %q, %v", recs, err)
		}
		if _, err := s.Export(ctx, &cb, "xml", time.Time{}, time.Time{}); err == nil {
			t.Fatal("unknown export format accepted")
		}
	})
}

func TestKeys(t *testing.T) {
	backends(t, func(t *testing.T, open func(Options) *Store) {
		ctx := context.Background()
		s := open(Options{})
		if _, _, err := s.AddKey(ctx, "root", "", ""); err == nil {
			t.Fatal("unknown role accepted")
		}
		if _, _, err := s.AddKey(ctx, RoleProducer, "", ""); err == nil {
			t.Fatal("producer key without producer code accepted")
		}
		k, secret, err := s.AddKey(ctx, RoleProducer, "PRODUCER", "studio")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.KeyBySecret(ctx, secret)
		if err != nil || got.ID != k.ID || got.Producer != "PRODUCER" || got.Role != RoleProducer {
			t.Fatalf("KeyBySecret: %+v, %v", got, err)
		}
		if _, err := s.KeyBySecret(ctx, secret+"x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("wrong secret: %v", err)
		}
		// Only the hash is stored.
		var n int
		s.rdb.QueryRow(s.q(`SELECT COUNT(*) FROM api_keys WHERE hash = ? OR id = ?`), secret, secret).Scan(&n)
		if n != 0 {
			t.Fatal("the secret is stored in clear")
		}
		if err := s.RevokeKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.KeyBySecret(ctx, secret); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked key still accepted: %v", err)
		}
		if err := s.RevokeKey(ctx, k.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoking twice: %v", err)
		}
		ks, _ := s.Keys(ctx)
		if len(ks) != 1 || ks[0].Revoked.IsZero() {
			t.Fatalf("Keys: %+v", ks)
		}
	})
}

func TestJobQueue(t *testing.T) {
	backends(t, func(t *testing.T, open func(Options) *Store) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
		s := open(Options{Now: c.now})
		j := &Job{ID: "job1", KeyID: "k", Options: json.RawMessage(`{"producer":"P"}`)}
		files := []NewFile{{"a.jpg", []byte("A")}, {"b.jpg", []byte("B")}, {"c.jpg", []byte("C")}, {"d.jpg", []byte("D")}}
		if err := s.CreateJob(ctx, j, files); err != nil {
			t.Fatal(err)
		}
		// Two workers claim concurrently: never the same file.
		c1, err1 := s.Claim(ctx, "w1", time.Minute)
		c2, err2 := s.Claim(ctx, "w2", time.Minute)
		if err1 != nil || err2 != nil || c1.Seq == c2.Seq || string(c1.Input) != "A" || string(c2.Input) != "B" {
			t.Fatalf("claims %+v %v / %+v %v", c1, err1, c2, err2)
		}
		if string(c1.Job.Options) != `{"producer":"P"}` || c1.Job.KeyID != "k" {
			t.Fatalf("claim lacks its job: %+v", c1.Job)
		}
		if err := s.Complete(ctx, c1, "a.jpg", []byte("out-A"), json.RawMessage(`{"ok":true}`), event("J1", "", "")); err != nil {
			t.Fatal(err)
		}
		if err := s.Fail(ctx, c2, "unsupported", "bad file"); err != nil {
			t.Fatal(err)
		}
		// w3 takes c, then its lease expires; w4 takes it over and w3's late result is refused.
		c3, _ := s.Claim(ctx, "w3", time.Minute)
		c.add(2 * time.Minute)
		c4, err := s.Claim(ctx, "w4", time.Minute)
		if err != nil || c4.Seq != c3.Seq || c4.Attempts != 2 {
			t.Fatalf("expired lease not reclaimed: %+v %v", c4, err)
		}
		if err := s.Complete(ctx, c3, "c.jpg", []byte("late"), nil, event("LATE", "", "")); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("late completion: %v", err)
		}
		if evs, _ := s.EventsByProduceID(ctx, "LATE"); len(evs) != 0 {
			t.Fatal("a refused completion left a registry row")
		}
		if err := s.Release(ctx, c4); err != nil { // shutdown checkpoint
			t.Fatal(err)
		}
		job, fs, err := s.Job(ctx, "job1")
		if err != nil || job.Done != 1 || job.Failed != 1 || job.Queued != 2 || job.State != Running {
			t.Fatalf("job %+v, %v", job, err)
		}
		if fs[0].OutName != "a.jpg" || string(fs[0].Result) != `{"ok":true}` || fs[1].Code != "unsupported" {
			t.Fatalf("files %+v", fs)
		}
		for range 2 {
			cl, err := s.Claim(ctx, "w5", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, cl, cl.Name, append([]byte("out-"), cl.Input...), nil, event("J"+cl.Name, "", "")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Claim(ctx, "w5", time.Minute); !errors.Is(err, ErrNoWork) {
			t.Fatalf("empty queue: %v", err)
		}
		job, _, _ = s.Job(ctx, "job1")
		if job.State != Done || job.Done != 3 {
			t.Fatalf("finished job %+v", job)
		}
		var outs []string
		s.EachOutput(ctx, "job1", func(f JobFile, out []byte) error { outs = append(outs, f.OutName+"="+string(out)); return nil })
		if strings.Join(outs, ",") != "a.jpg=out-A,c.jpg=out-C,d.jpg=out-D" {
			t.Fatalf("outputs %v", outs)
		}
		if evs, _ := s.EventsByJob(ctx, "job1"); len(evs) != 3 {
			t.Fatalf("%d job events, want 3", len(evs))
		}
	})
}

func TestRecoverSQLite(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "r.db")
	s := mustOpen(t, dsn, Options{})
	s.CreateJob(ctx, &Job{ID: "j"}, []NewFile{{"a", []byte("a")}})
	if _, err := s.Claim(ctx, "dead", time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := s.Recover(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Recover: %d, %v", n, err)
	}
	if _, err := s.Claim(ctx, "alive", time.Hour); err != nil {
		t.Fatalf("recovered file not claimable: %v", err)
	}
}

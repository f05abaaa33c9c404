package store

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Export formats.
const (
	JSONL = "jsonl"
	CSV   = "csv"
)

// csvHeader names the CSV columns, in Event's JSON names.
var csvHeader = []string{"id", "time", "kind", "keyId", "client", "producer", "produceId", "propagator",
	"propagateId", "watermarkId", "hashBefore", "hashAfter", "format", "options", "record", "jobId", "fingerprint"}

// Export writes the events with since <= time < until to w as JSON Lines
// (one Event object a line) or CSV (a header line, then one row an event;
// options and record as JSON text). It
// returns the number of events written.
func (s *Store) Export(ctx context.Context, w io.Writer, format string, since, until time.Time) (int, error) {
	n := 0
	switch format {
	case JSONL:
		enc := json.NewEncoder(w)
		err := s.EachEvent(ctx, since, until, func(ev Event) error {
			n++
			return enc.Encode(ev)
		})
		return n, err
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return 0, err
		}
		err := s.EachEvent(ctx, since, until, func(ev Event) error {
			n++
			return cw.Write([]string{strconv.FormatInt(ev.ID, 10), ev.Time.Format(time.RFC3339Nano), ev.Kind, ev.KeyID,
				ev.Client, ev.Producer, ev.ProduceID, ev.Propagator, ev.PropagateID, ev.WatermarkID, ev.HashBefore,
				ev.HashAfter, ev.Format, string(ev.Options), string(ev.Record), ev.JobID, ev.Fingerprint})
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
		return n, err
	}
	return 0, fmt.Errorf("store: unknown export format %q (want jsonl or csv)", format)
}

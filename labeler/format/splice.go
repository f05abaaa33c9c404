package format

import (
	"bytes"
	"sort"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// Splice is one edit a carrier's Write makes: B[Start:End] becomes Data.
// Start == End inserts.
type Splice struct {
	Start, End int
	Data       []byte
}

// Apply returns a new slice holding b with the splices made, all other bytes
// copied in order. Splices must not overlap; at one offset an insertion goes
// before the replacement of what follows it.
//
// The output is one allocation of the exact size, filled by copying without
// zeroing it first, so a splice costs what a plain copy of the file costs.
func Apply(b []byte, edits []Splice) []byte {
	return AppendSplices(nil, b, edits)
}

// AppendSplices appends b with the splices made (as Apply makes them) to dst
// and returns the extended buffer. When dst has the capacity it allocates
// nothing, so a caller that labels many files can reuse one buffer and pay
// neither an allocation nor the first touch of fresh memory per file; when it
// has not, it makes one exact-size allocation. dst must not overlap b. The
// order of edits may be changed.
func AppendSplices(dst, b []byte, edits []Splice) []byte {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Start != edits[j].Start {
			return edits[i].Start < edits[j].Start
		}
		return edits[i].End < edits[j].End
	})
	parts := make([][]byte, 0, 2*len(edits)+1)
	pos := 0
	for _, e := range edits {
		parts = append(parts, b[pos:e.Start], e.Data)
		pos = e.End
	}
	return AppendParts(dst, append(parts, b[pos:])...)
}

// AppendParts appends the parts to dst in order and returns the extended
// buffer. When dst lacks the room it makes one allocation of the exact size
// and fills it by copying, without zeroing it first (append and
// slices.Grow zero new memory, a pass over a file-sized output that a copy
// does not make).
func AppendParts(dst []byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if cap(dst)-len(dst) >= n {
		for _, p := range parts {
			dst = append(dst, p...)
		}
		return dst
	}
	// bytes.Join allocates the exact size without zeroing; with dst as the
	// first part and an empty last one it always has two parts or more (with
	// one it would copy through append).
	all := make([][]byte, 0, len(parts)+2)
	all = append(all, dst)
	all = append(all, parts...)
	return bytes.Join(append(all, nil), nil)
}

// Appender is implemented by codecs whose Write can write into a caller's
// buffer. The labeler uses it when one is given (labeler.AppendLabel), so
// that labeling many files reuses one output buffer instead of allocating,
// and first touching, a fresh file-sized slice per file.
type Appender interface {
	// AppendWrite appends to dst exactly the bytes Write(b, rec) returns and
	// returns the extended buffer. dst must not overlap b.
	AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error)
}

// AppendWrite appends to dst what c.Write(b, rec) returns, through
// Appender when c implements it and by copying Write's result otherwise.
func AppendWrite(c Codec, dst, b []byte, rec aigc.Record) ([]byte, error) {
	if a, ok := c.(Appender); ok {
		return a.AppendWrite(dst, b, rec)
	}
	out, err := c.Write(b, rec)
	if err != nil {
		return nil, err
	}
	if len(dst) == 0 && cap(dst) < len(out) {
		return out, nil // nothing to keep and no room: Write's slice is the result
	}
	return append(dst, out...), nil
}

// RecordReader is implemented by codecs that can find the AIGC records
// alone at less cost than Read, which also gathers foreign provenance (and,
// for a C2PA store split over JPEG segments, copies it into one slice). The
// labeler's verify-after-write uses it.
type RecordReader interface {
	// ReadRecords returns what Read returns in Metadata.Records.
	ReadRecords(b []byte) ([]Slot, error)
}

// ReadRecords returns the AIGC records c finds in b, through RecordReader
// when c implements it and through Read otherwise.
func ReadRecords(c Codec, b []byte) ([]Slot, error) {
	if r, ok := c.(RecordReader); ok {
		return r.ReadRecords(b)
	}
	md, err := c.Read(b)
	if err != nil {
		return nil, err
	}
	return md.Records, nil
}

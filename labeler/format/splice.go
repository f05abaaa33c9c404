package format

import (
	"bytes"

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
	// Insertion sort, stable: a file has a handful of edits, and
	// sort.SliceStable would allocate its swapper on every call.
	for i := 1; i < len(edits); i++ {
		for j := i; j > 0 && spliceLess(&edits[j], &edits[j-1]); j-- {
			edits[j], edits[j-1] = edits[j-1], edits[j]
		}
	}
	if 2*len(edits)+1 > maxStackParts {
		n := len(b)
		for _, e := range edits {
			n += len(e.Data) - (e.End - e.Start)
		}
		dst = grow(dst, n)
		pos := 0
		for _, e := range edits {
			dst = append(append(dst, b[pos:e.Start]...), e.Data...)
			pos = e.End
		}
		return append(dst, b[pos:]...)
	}
	// The parts are stored into an array by index: escape analysis keeps
	// it, and the edits' data, off the heap (a store through a slice would
	// not).
	var parts [maxStackParts][]byte
	k, pos := 0, 0
	for _, e := range edits {
		parts[k], parts[k+1] = b[pos:e.Start], e.Data
		k += 2
		pos = e.End
	}
	parts[k] = b[pos:]
	return AppendParts(dst, parts[:k+1]...)
}

func spliceLess(a, b *Splice) bool {
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return a.End < b.End
}

// maxStackParts is the number of parts AppendSplices and AppendParts handle
// without a heap allocation besides the output; carriers make far fewer.
const maxStackParts = 32

// AppendParts appends the parts to dst in order and returns the extended
// buffer. When dst lacks the room it makes one allocation of the exact size
// and fills it by copying, without zeroing it first (append and
// slices.Grow zero new memory, a pass over a file-sized output that a copy
// does not make). It makes no other allocation (with more than 32 parts
// the new buffer is zeroed first).
func AppendParts(dst []byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if cap(dst)-len(dst) >= n || len(parts) > maxStackParts {
		dst = grow(dst, n)
		for _, p := range parts {
			dst = append(dst, p...)
		}
		return dst
	}
	// bytes.Join allocates the exact size without zeroing; with dst as the
	// first part and an empty last one it always has two parts or more (with
	// one it would copy through append). As above, stores by index into an
	// array keep the parts off the heap.
	var all [maxStackParts + 2][]byte
	all[0] = dst
	for i, p := range parts {
		all[i+1] = p
	}
	return bytes.Join(all[:len(parts)+2], nil)
}

// grow returns dst with room for n more bytes, copied into a new exact-size
// buffer when it has not.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	d := make([]byte, len(dst), len(dst)+n)
	copy(d, dst)
	return d
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

package format

import (
	"bytes"
	"sort"
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
// zeroing it first (bytes.Join does that), so a splice costs what a plain
// copy of the file costs.
func Apply(b []byte, edits []Splice) []byte {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Start != edits[j].Start {
			return edits[i].Start < edits[j].Start
		}
		return edits[i].End < edits[j].End
	})
	parts := make([][]byte, 0, 2*len(edits)+2)
	pos := 0
	for _, e := range edits {
		parts = append(parts, b[pos:e.Start], e.Data)
		pos = e.End
	}
	// Two parts at least: bytes.Join of one part would copy through append.
	parts = append(parts, b[pos:], nil)
	return bytes.Join(parts, nil)
}

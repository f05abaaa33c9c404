package format

import "sort"

// Splice is one edit a carrier's Write makes: B[Start:End] becomes Data.
// Start == End inserts.
type Splice struct {
	Start, End int
	Data       []byte
}

// Apply returns a new slice holding b with the splices made, all other bytes
// copied in order. Splices must not overlap; at one offset an insertion goes
// before the replacement of what follows it.
func Apply(b []byte, edits []Splice) []byte {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Start != edits[j].Start {
			return edits[i].Start < edits[j].Start
		}
		return edits[i].End < edits[j].End
	})
	n := len(b)
	for _, e := range edits {
		n += len(e.Data) - (e.End - e.Start)
	}
	out := make([]byte, 0, n)
	pos := 0
	for _, e := range edits {
		out = append(out, b[pos:e.Start]...)
		out = append(out, e.Data...)
		pos = e.End
	}
	return append(out, b[pos:]...)
}

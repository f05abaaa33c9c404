// Package text holds the metadata carriers of text formats: the HTML
// <meta name="AIGC"> element and the Markdown YAML front matter AIGC: mapping
// (aigclabel decision 2). Plain text has no metadata carrier; it is labeled
// with an explicit wording and the invisible text watermark instead.
//
// Both codecs splice bytes: Write changes the slot and nothing else, so a
// file's other bytes, line endings (LF or CRLF) and byte-order mark are kept.
// ContentHash hashes the file with the slot removed, normalized so that a file
// before labeling and the same file after labeling or relabeling hash the same
// (see HTMLCodec.ContentHash and MarkdownCodec.ContentHash for the exact
// rules).
package text

import (
	"bytes"
	"crypto/sha256"
	"sort"
)

var bom = []byte("\xEF\xBB\xBF")

// span is a byte range [start, end) of the input.
type span struct{ start, end int }

// cut returns b without the given spans. Spans may be in any order but must
// not overlap.
func cut(b []byte, spans []span) []byte {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := make([]byte, 0, len(b))
	prev := 0
	for _, s := range spans {
		out = append(out, b[prev:s.start]...)
		prev = s.end
	}
	return append(out, b[prev:]...)
}

// edit replaces a span of the input with text (an insertion when the span is
// empty).
type edit struct {
	span
	text []byte
}

// apply returns b with the edits made. Edits must not overlap.
func apply(b []byte, edits []edit) []byte {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	out.Grow(len(b) + 512)
	prev := 0
	for _, e := range edits {
		out.Write(b[prev:e.start])
		out.Write(e.text)
		prev = e.end
	}
	out.Write(b[prev:])
	return out.Bytes()
}

// newline returns the line ending b uses: CRLF when its first line break is
// CRLF, else LF.
func newline(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i > 0 && b[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

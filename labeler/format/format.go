// Package format holds what every carrier package shares: the file kinds
// aigclabel handles, format sniffing, the description of a metadata slot found
// in a file, and the typed errors carriers return.
//
// Each carrier lives in its own package below this one (jpeg, png, webp, wav,
// mp3, text) and provides a Codec. The labeler package maps Kinds to Codecs.
package format

import (
	"bytes"
	"fmt"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// Kind names a file format. The values are stable: they appear in JSON reports.
type Kind string

// The formats aigclabel reads and writes.
const (
	Unknown  Kind = ""
	JPEG     Kind = "jpeg"
	PNG      Kind = "png"
	WebP     Kind = "webp"
	WAV      Kind = "wav"
	MP3      Kind = "mp3"
	HTML     Kind = "html"
	Markdown Kind = "markdown"
	Text     Kind = "text" // plain text: no metadata carrier
)

// IsImage reports whether k is an image format.
func (k Kind) IsImage() bool { return k == JPEG || k == PNG || k == WebP }

// IsAudio reports whether k is an audio format.
func (k Kind) IsAudio() bool { return k == WAV || k == MP3 }

// IsText reports whether k is a text format.
func (k Kind) IsText() bool { return k == HTML || k == Markdown || k == Text }

// Sniff identifies the format from the content alone: file names lie (real
// providers ship JPEG bytes named .png). Text is told apart by its first
// non-blank bytes: an HTML doctype or tag, or a YAML front matter fence; any
// other valid UTF-8 is plain text. Binary data it does not know is Unknown.
func Sniff(b []byte) Kind {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP
	case len(b) >= 12 && (string(b[0:4]) == "RIFF" || string(b[0:4]) == "RF64") && string(b[8:12]) == "WAVE":
		return WAV
	case bytes.HasPrefix(b, []byte("ID3")):
		return MP3
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return MP3 // a bare MPEG audio frame sync (layer bits non-zero)
	}
	return sniffText(b)
}

func sniffText(b []byte) Kind {
	head := b
	if len(head) > 4096 {
		head = head[:4096]
	}
	if !isText(head) {
		return Unknown
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	switch {
	case bytes.HasPrefix(t, []byte("---\n")) || bytes.HasPrefix(t, []byte("---\r\n")):
		return Markdown
	case hasPrefixFold(t, "<!doctype html") || hasPrefixFold(t, "<html") || hasPrefixFold(t, "<head"):
		return HTML
	}
	return Text
}

// isText reports whether b looks like UTF-8 text: no NUL and no C0 controls
// other than tab, CR, LF and form feed. A multi-byte sequence cut by the 4 KiB
// window is allowed.
func isText(b []byte) bool {
	for _, c := range b {
		if c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
			return false
		}
	}
	return true
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// Slot is one place in a file where an AIGC record (or the XMP packet holding
// one) was found.
type Slot struct {
	// Kind names the carrier: "xmp", "exif-usercomment", "png-text", "png-ztxt",
	// "png-itxt", "riff-aigc", "id3-txxx", "html-meta", "yaml-front-matter".
	Kind string `json:"kind"`
	// Offset and Length give the byte range of the whole container element
	// (segment, chunk, frame, tag) in the file.
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
	// Payload is the record's text as found, after the carrier's own
	// unescaping (XML entities, compression), ready for aigc.Parse.
	Payload []byte `json:"-"`
}

// Foreign is provenance written by someone else that aigclabel reports and never
// destroys: a C2PA manifest store, an IPTC DigitalSourceType, generator text.
type Foreign struct {
	// Kind is "c2pa", "iptc-digital-source-type", "generator" or "xmp".
	Kind   string `json:"kind"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	// Value is a short human-readable value (a DigitalSourceType URI, a
	// generator name); Data holds the raw bytes when callers need them (C2PA
	// JUMBF), and is omitted from JSON.
	Value string `json:"value,omitempty"`
	Data  []byte `json:"-"`
}

// Metadata is what a carrier's Read finds in a file.
type Metadata struct {
	Records []Slot    // every AIGC record, in file order
	XMP     []Slot    // every XMP packet, in file order (Payload = the packet)
	Foreign []Foreign // other provenance
}

// Codec reads and writes the AIGC slot of one format. Implementations are
// stateless and safe for concurrent use.
type Codec interface {
	// Read finds every AIGC record, XMP packet and foreign provenance item.
	Read(b []byte) (*Metadata, error)
	// Write returns a copy of b carrying rec in the format's standard slot and
	// no other AIGC record: a record in any other carrier of the file is
	// replaced. Every other byte keeps its value and order, except container
	// lengths and checksums that must change with the slot.
	Write(b []byte, rec aigc.Record) ([]byte, error)
	// ContentHash returns the SHA-256 of the file with its metadata slot
	// excluded, so that writing or rewriting the record does not change it.
	ContentHash(b []byte) ([32]byte, error)
}

// FormatError reports input that is not valid in its format, with the byte
// offset where the problem was found.
type FormatError struct {
	Format Kind
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("%s: invalid format at offset %d: %s", e.Format, e.Offset, e.Msg)
}

// Errorf returns a *FormatError for kind at offset.
func Errorf(kind Kind, offset int64, format string, args ...any) error {
	return &FormatError{Format: kind, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// UnsupportedError reports valid input that aigclabel does not handle (RF64,
// an ID3 version it does not write, plain text's missing metadata slot).
type UnsupportedError struct {
	Format Kind
	Msg    string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: unsupported: %s", e.Format, e.Msg)
}

// RecordChecker is implemented by codecs that can check a file they wrote
// more cheaply than by reading its records, and without allocating: the
// labeler's verify-after-write checks every file it writes.
type RecordChecker interface {
	// HasOnlyRecord reports whether b holds exactly one AIGC record, as
	// ReadRecords finds them, and its payload is rec.Marshal(). False
	// means only that this was not shown: the caller then reads the
	// records to find out what is wrong.
	HasOnlyRecord(b []byte, rec aigc.Record) bool
}

// OneRecord tallies the records a RecordChecker finds against the payload
// it wants.
type OneRecord struct {
	Want  []byte
	n     int
	equal bool
}

// Add counts one record with payload p.
func (o *OneRecord) Add(p []byte) {
	o.n++
	if o.n == 1 {
		o.equal = bytes.Equal(p, o.Want)
	}
}

// OK reports whether exactly one record was added and it was the one wanted.
func (o *OneRecord) OK() bool { return o.n == 1 && o.equal }

// Package mp3 reads and writes the GB 45438 implicit label of MP3 files: an
// ID3v2 "TXXX" frame with description "AIGC" whose value is the compact JSON
// record (TC260-PG-202510A; ffmpeg -metadata AIGC=... writes the same frame,
// and ffprobe shows it as the format tag AIGC).
//
// # Writing
//
// A file without an ID3v2 tag gets a v2.4 tag holding only the TXXX frame,
// text encoding 3 (UTF-8). In an existing v2.3 or v2.4 tag the new frame
// takes the place of the first TXXX:AIGC frame, or follows the last frame;
// every other TXXX:AIGC frame is removed; every other frame (APIC, GEOB with a
// C2PA manifest, TSSE, ...) is kept byte for byte and in order. v2.3 frames
// use encoding 0 (ISO-8859-1) when the record is ASCII, as Annex E records
// are, else encoding 1 (UTF-16 with BOM). When the frames fit in the tag's
// zero padding, the tag keeps its size and the audio does not move; otherwise
// the tag grows without padding. The header (and v2.4 footer) keep their
// version and flags with a rewritten syncsafe size; a v2.3 extended header
// gets its padding size updated.
//
// One exception to "byte for byte": a v2.3 tag unsynchronised as a whole is
// written decoded, flag cleared, because ffmpeg takes v2.3 frame sizes as
// stored sizes and misreads such tags. Its frames keep their decoded bytes.
// v2.4 unsynchronisation, which is per frame, is kept as it is.
//
// Tags whose extended header carries a CRC, and ID3v2.2 tags, are read but not
// written (*format.UnsupportedError): the CRC would go stale, and v2.2 has no
// TXXX frame to convert to. Everything after the tag (MPEG frames, an ID3v1
// tag at the end) is kept as it is.
//
// # Reading
//
// Read handles v2.2 (TXX), v2.3 and v2.4 tags, whole-tag (v2.2/v2.3) and
// per-frame (v2.4) unsynchronisation, extended headers, the v2.4 footer, data
// length indicators, grouping bytes and zlib-compressed frames (inflated up to
// 16 MiB); encrypted frames are skipped. v2.4 frame sizes written as plain
// integers (an old iTunes bug) are recognised when the syncsafe reading does
// not land on a frame boundary. It reports GEOB frames holding a C2PA
// manifest (MIME type application/c2pa, or "c2pa" in the description) as
// foreign provenance of Kind "c2pa", TSSE (encoder software) as "generator",
// and PRIV frames owned by "XMP" as XMP packets.
//
// Only the tag at the start of the file is read; tags appended at the end or
// stacked after the first are not.
//
// # Content hash
//
// ContentHash is the SHA-256 of, in order, every frame of the ID3v2 tag except
// TXXX:AIGC frames, each as stored (header and body; for a v2.2/v2.3 tag
// unsynchronised as a whole, as decoded), followed by every byte after the
// tag. The tag header, extended header, padding and footer are excluded. A
// file without a tag hashes whole. Labeling and relabeling therefore leave it
// unchanged.
package mp3

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// KindTXXX is the Slot.Kind of a record in an ID3v2 TXXX frame.
const KindTXXX = "id3-txxx"

// description is the TXXX description that marks the record.
const description = "AIGC"

// Codec is the MP3 carrier. The zero value is ready to use.
type Codec struct{}

var (
	_ format.Codec    = Codec{}
	_ format.Appender = Codec{}
)

// Read reports every TXXX:AIGC record of the ID3v2 tag, XMP packets in PRIV
// frames, and foreign provenance (C2PA GEOB frames, the TSSE encoder).
func (Codec) Read(b []byte) (*format.Metadata, error) {
	t, err := parseTag(b)
	if err != nil || t == nil {
		return &format.Metadata{}, err
	}
	m := &format.Metadata{}
	for _, f := range t.frames {
		off := int64(t.fileOff(f.start))
		n := int64(t.fileOff(f.end)) - off
		switch f.id {
		case "TXXX", "TXX":
			if desc, value, ok := txxx(f.body); ok && strings.EqualFold(string(desc), description) {
				m.Records = append(m.Records, format.Slot{Kind: KindTXXX, Offset: off, Length: n, Payload: value})
			}
		case "GEOB", "GEO":
			if mime, desc, data, ok := geob(f.body); ok && isC2PA(mime, desc) {
				m.Foreign = append(m.Foreign, format.Foreign{Kind: "c2pa", Offset: off, Length: n, Value: mime, Data: data})
			}
		case "PRIV":
			if owner, data, ok := bytes.Cut(f.body, []byte{0}); ok && string(owner) == "XMP" {
				m.XMP = append(m.XMP, format.Slot{Kind: "xmp", Offset: off, Length: n, Payload: data})
			}
		case "TSSE", "TSS":
			if len(f.body) > 1 {
				m.Foreign = append(m.Foreign, format.Foreign{Kind: "generator", Offset: off, Length: n, Value: string(decodeText(f.body[1:], f.body[0]))})
			}
		}
	}
	return m, nil
}

// geob splits a GEOB frame body: encoding, MIME type, file name, description,
// object.
func geob(body []byte) (mime, desc string, data []byte, ok bool) {
	if len(body) < 1 || body[0] > encUTF8 {
		return "", "", nil, false
	}
	enc := body[0]
	m, rest, ok1 := bytes.Cut(body[1:], []byte{0})
	_, rest, ok2 := splitText(rest, enc)
	d, rest, ok3 := splitText(rest, enc)
	if !ok1 || !ok2 || !ok3 {
		return "", "", nil, false
	}
	return string(m), string(decodeText(d, enc)), rest, true
}

func isC2PA(mime, desc string) bool {
	return strings.EqualFold(mime, "application/c2pa") || strings.EqualFold(mime, "application/x-c2pa-manifest-store") ||
		strings.Contains(strings.ToLower(desc), "c2pa")
}

// isRecord reports a TXXX:AIGC frame.
func isRecord(f frame) bool {
	if f.id != "TXXX" && f.id != "TXX" {
		return false
	}
	desc, _, ok := txxx(f.body)
	return ok && strings.EqualFold(string(desc), description)
}

// maxTagSize is the largest body a syncsafe size can express.
const maxTagSize = 1<<28 - 1

// Write returns b with rec in a TXXX:AIGC frame and no other AIGC record.
func (c Codec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	return c.AppendWrite(nil, b, rec)
}

// AppendWrite appends to dst what Write returns (see format.Appender).
func (Codec) AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error) {
	t, err := parseTag(b)
	if err != nil {
		return nil, err
	}
	value := rec.Marshal()
	if !utf8.Valid(value) {
		// ID3v2 text is UTF-8 or UTF-16: bytes that are neither cannot be
		// stored faithfully.
		return nil, errString("mp3: the record is not valid UTF-8")
	}
	if t == nil {
		fr := newFrame(4, value)
		head := make([]byte, 0, 10+len(fr))
		head = append(head, "ID3\x04\x00\x00"...)
		head = appendSyncsafe(head, len(fr))
		return format.AppendParts(dst, append(head, fr...), b), nil
	}
	switch {
	case t.major == 2:
		return nil, &format.UnsupportedError{Format: format.MP3, Msg: "writing into an ID3v2.2 tag (it has no TXXX frame); the tag is read only"}
	case t.extCRC():
		return nil, &format.UnsupportedError{Format: format.MP3, Msg: "writing into an ID3v2 tag whose extended header holds a CRC of the frames"}
	}
	fr := newFrame(t.major, value)

	var frames []byte
	placed := false
	for _, f := range t.frames {
		if isRecord(f) {
			if !placed {
				frames, placed = append(frames, fr...), true
			}
			continue
		}
		frames = append(frames, t.raw(f)...)
	}
	if !placed {
		frames = append(frames, fr...)
	}

	padding := t.padding
	footer := t.end > 10+t.size
	if !footer && isZero(padding) {
		// Reuse the zero padding so the audio stays where it is, when the
		// frames fit; otherwise grow the tag with no padding.
		padding = make([]byte, max(0, t.size-len(t.ext)-len(frames)))
	}
	ext := t.ext
	if t.major == 3 && len(ext) >= 10 {
		ext = append([]byte(nil), ext...)
		binary.BigEndian.PutUint32(ext[6:], uint32(len(padding)))
	}
	size := len(ext) + len(frames) + len(padding)
	if size > maxTagSize {
		return nil, &format.UnsupportedError{Format: format.MP3, Msg: "ID3v2 tag would exceed 256 MiB"}
	}
	// The new tag is built apart; the audio after it is copied once.
	head := make([]byte, 0, 20+size)
	head = append(head, b[:6]...)
	if t.major == 3 {
		// A v2.3 tag unsynchronised as a whole is written decoded, flag
		// cleared: ffmpeg reads v2.3 frame sizes as stored sizes and
		// misparses such tags, and no current player needs the scheme.
		head[5] &^= flagUnsync
	}
	head = appendSyncsafe(head, size)
	head = append(head, ext...)
	head = append(head, frames...)
	head = append(head, padding...)
	if footer {
		head = append(head, "3DI"...)
		head = append(head, head[3:10]...)
	}
	return format.AppendParts(dst, head, b[t.end:]), nil
}

// newFrame builds the TXXX:AIGC frame for a tag of version major.
func newFrame(major byte, value []byte) []byte {
	var body []byte
	switch {
	case major == 4:
		body = append([]byte{encUTF8}, description+"\x00"...)
		body = append(body, value...)
	case isASCII(value):
		body = append([]byte{encLatin1}, description+"\x00"...)
		body = append(body, value...)
	default:
		body = append([]byte{encUTF16}, utf16LE(description)...)
		body = append(body, 0, 0)
		body = append(body, utf16LE(string(value))...)
	}
	fr := append([]byte(nil), "TXXX"...)
	if major == 4 {
		fr = appendSyncsafe(fr, len(body))
	} else {
		fr = binary.BigEndian.AppendUint32(fr, uint32(len(body)))
	}
	fr = append(fr, 0, 0)
	return append(fr, body...)
}

// utf16LE encodes s as UTF-16 little-endian with a byte order mark.
func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ContentHash returns the SHA-256 defined in the package documentation.
func (Codec) ContentHash(b []byte) ([32]byte, error) {
	t, err := parseTag(b)
	if err != nil {
		return [32]byte{}, err
	}
	if t == nil {
		return sha256.Sum256(b), nil
	}
	h := sha256.New()
	for _, f := range t.frames {
		if !isRecord(f) {
			h.Write(t.raw(f))
		}
	}
	h.Write(b[t.end:])
	return [32]byte(h.Sum(nil)), nil
}

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
	_ format.Codec         = Codec{}
	_ format.Appender      = Codec{}
	_ format.RecordChecker = Codec{}
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
	_, ok := recordValue(f, nil)
	return ok
}

// recordValue returns the value of a TXXX:AIGC frame as Read reports it,
// decoded into buf when it must be converted; ok is false for other
// frames. It does not allocate for UTF-8 and short Latin-1 descriptions
// when buf has the room for the value.
func recordValue(f frame, buf []byte) (value []byte, ok bool) {
	if f.id != "TXXX" && f.id != "TXX" || len(f.body) < 1 || f.body[0] > encUTF8 {
		return nil, false
	}
	enc := f.body[0]
	d, rest, ok := splitText(f.body[1:], enc)
	if !ok {
		return nil, false
	}
	var dbuf [32]byte
	if enc == encLatin1 || enc == encUTF16 || enc == encUTF16BE {
		d = appendText(dbuf[:0], d, enc)
		return appendText(buf[:0], rest, enc), bytes.EqualFold(d, []byte(description))
	}
	return bytes.TrimRight(rest, "\x00"), bytes.EqualFold(bytes.TrimRight(d, "\x00"), []byte(description))
}

// maxTagSize is the largest body a syncsafe size can express.
const maxTagSize = 1<<28 - 1

// Write returns b with rec in a TXXX:AIGC frame and no other AIGC record.
func (c Codec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	return c.AppendWrite(nil, b, rec)
}

// AppendWrite appends to dst what Write returns (see format.Appender). A
// tag holding a few records costs no allocation besides the output's (none
// when dst has the room).
func (Codec) AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error) {
	var t tag
	present, off, err := t.readHeader(b)
	if err != nil {
		return nil, err
	}
	// Frames are checked before anything else, as parseTag checks them.
	const maxRuns = 8
	var runs [maxRuns + 1][2]int // kept frames, in runs between records
	nr, runStart, records, kept := 0, off, 0, 0
	end := off
	for present {
		f, ok, err := t.nextFrame(end)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if isRecord(f) {
			records++
			if nr < len(runs) {
				runs[nr] = [2]int{runStart, f.start}
			}
			nr++
			runStart = f.end
		} else {
			kept += f.end - f.start
		}
		end = f.end
	}
	var mb [512]byte
	value := rec.AppendMarshal(mb[:0])
	if !utf8.Valid(value) {
		// ID3v2 text is UTF-8 or UTF-16: bytes that are neither cannot be
		// stored faithfully.
		return nil, errString("mp3: the record is not valid UTF-8")
	}
	var frHead [16]byte
	if !present {
		fh := frameHead(frHead[:0], 4, value)
		var head [10]byte
		copy(head[:], "ID3\x04\x00\x00")
		appendSyncsafe(head[:6], len(fh)+len(value))
		return format.AppendParts(dst, head[:], fh, value, b), nil
	}
	switch {
	case t.major == 2:
		return nil, &format.UnsupportedError{Format: format.MP3, Msg: "writing into an ID3v2.2 tag (it has no TXXX frame); the tag is read only"}
	case t.extCRC():
		return nil, &format.UnsupportedError{Format: format.MP3, Msg: "writing into an ID3v2 tag whose extended header holds a CRC of the frames"}
	case nr >= maxRuns || t.major == 3 && !isASCII(value):
		return appendWriteTag(dst, b, value)
	}
	runs[nr] = [2]int{runStart, end}
	fh := frameHead(frHead[:0], t.major, value)
	framesLen := kept + len(fh) + len(value)
	padding := t.data[end:]
	footer := t.end > 10+t.size
	if !footer && isZero(padding) {
		// Reuse the zero padding so the audio stays where it is, when the
		// frames fit; otherwise grow the tag with no padding.
		padding = zeros(max(0, t.size-len(t.ext)-framesLen))
	}
	ext := t.ext
	var extBuf [16]byte
	if t.major == 3 && len(ext) >= 10 {
		if len(ext) > len(extBuf) {
			return appendWriteTag(dst, b, value)
		}
		ext = extBuf[:copy(extBuf[:], ext)]
		binary.BigEndian.PutUint32(ext[6:], uint32(len(padding)))
	}
	size := len(ext) + framesLen + len(padding)
	if size > maxTagSize {
		return nil, &format.UnsupportedError{Format: format.MP3, Msg: "ID3v2 tag would exceed 256 MiB"}
	}
	var head, foot [10]byte
	copy(head[:6], b[:6])
	if t.major == 3 {
		// A v2.3 tag unsynchronised as a whole is written decoded, flag
		// cleared: ffmpeg reads v2.3 frame sizes as stored sizes and
		// misparses such tags, and no current player needs the scheme.
		head[5] &^= flagUnsync
	}
	appendSyncsafe(head[:6], size)
	var parts [maxRuns + 8][]byte
	np := 0
	parts[np], parts[np+1] = head[:], ext
	np += 2
	for i, r := range runs[:nr+1] {
		parts[np] = t.data[r[0]:r[1]]
		np++
		if i == 0 {
			// The new frame takes the place of the first record or, with
			// none (one run), follows the last frame.
			parts[np], parts[np+1] = fh, value
			np += 2
		}
	}
	parts[np] = padding
	np++
	if footer {
		copy(foot[:], "3DI")
		copy(foot[3:], head[3:10])
		parts[np] = foot[:]
		np++
	}
	parts[np] = b[t.end:]
	return format.AppendParts(dst, parts[:np+1]...), nil
}

// zeroPad backs zeros: ID3 padding is rarely larger.
var zeroPad [16 << 10]byte

// zeros returns n zero bytes, shared when n is small; callers must not
// modify them.
func zeros(n int) []byte {
	if n <= len(zeroPad) {
		return zeroPad[:n:n]
	}
	return make([]byte, n)
}

// appendWriteTag is AppendWrite for a tag with many records, or a v2.3 tag
// whose record needs UTF-16.
func appendWriteTag(dst, b, value []byte) ([]byte, error) {
	t, err := parseTag(b)
	if err != nil {
		return nil, err
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
	head := make([]byte, 0, 20+size)
	head = append(head, b[:6]...)
	if t.major == 3 {
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

// frameHead appends to dst the header of the TXXX:AIGC frame holding value
// and its body up to the value, for a tag of version major (v2.3: the value
// must be ASCII, written as Latin-1).
func frameHead(dst []byte, major byte, value []byte) []byte {
	enc := byte(encLatin1)
	if major == 4 {
		enc = encUTF8
	}
	n := 1 + len(description) + 1 + len(value)
	dst = append(dst, "TXXX"...)
	if major == 4 {
		dst = appendSyncsafe(dst, n)
	} else {
		dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	dst = append(dst, 0, 0, enc)
	return append(append(dst, description...), 0)
}

// HasOnlyRecord reports whether b holds exactly one AIGC record, rec (see
// format.RecordChecker). It allocates nothing for the files AppendWrite
// writes.
func (Codec) HasOnlyRecord(b []byte, rec aigc.Record) bool {
	var t tag
	present, off, err := t.readHeader(b)
	if err != nil || !present {
		return false
	}
	var mb [512]byte
	one := format.OneRecord{Want: rec.AppendMarshal(mb[:0])}
	var vbuf [512]byte
	for {
		f, ok, err := t.nextFrame(off)
		if err != nil {
			return false
		}
		if !ok {
			break
		}
		if v, ok := recordValue(f, vbuf[:0]); ok {
			one.Add(v)
		}
		off = f.end
	}
	return one.OK()
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

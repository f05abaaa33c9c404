// Package jpeg carries the GB 45438 label in JPEG files: the TC260:AIGC
// property of the XMP packet in an APP1 segment
// ("http://ns.adobe.com/xap/1.0/\0"), as the TC260 image guide places it.
//
// Read also finds records in EXIF UserComment (APP1 "Exif\0\0", the guide's
// Annex B form that MiniMax and Baidu write), C2PA manifest stores (APP11
// JUMBF), IPTC DigitalSourceType and generator names. Write updates the XMP
// packet in place, or inserts one after the JFIF/EXIF segments; a record in
// UserComment is overwritten with spaces (same length, prefix kept) so the
// file carries one label. Every other byte, entropy-coded data included, is
// copied unchanged.
//
// ContentHash is the SHA-256 of the file with every standard XMP APP1 segment
// (marker, length and payload) left out and with an AIGC record in EXIF
// UserComment read as the spaces Write leaves there. Writing or rewriting the
// label therefore never changes it.
package jpeg

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/exif"
	"github.com/aigclabel/aigclabel/labeler/format/xmp"
)

// MaxSize bounds the files the codec accepts.
const MaxSize = 1 << 30

const (
	xmpID  = "http://ns.adobe.com/xap/1.0/\x00"
	exifID = "Exif\x00\x00"
	// MaxXMP is the largest packet one APP1 segment holds: the 16-bit
	// length covers itself (2 bytes) and the 29-byte namespace. Extended XMP
	// is not written.
	MaxXMP = 0xFFFF - 2 - len(xmpID)
)

// JPEG markers.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP0 = 0xE0
	markerAPP1 = 0xE1
	markerAP11 = 0xEB
	markerAP14 = 0xEE
	markerCOM  = 0xFE
)

// Codec is the JPEG carrier. The zero value is ready to use.
type Codec struct{}

var (
	_ format.Codec         = Codec{}
	_ format.Appender      = Codec{}
	_ format.RecordReader  = Codec{}
	_ format.RecordChecker = Codec{}
)

// segment is one marker segment before the first scan.
type segment struct {
	marker   byte
	off, end int    // from the first 0xFF (fill bytes included) to the end of the payload
	data     []byte // payload after the length field
}

func (s *segment) isXMP() bool {
	return s.marker == markerAPP1 && bytes.HasPrefix(s.data, []byte(xmpID))
}
func (s *segment) isExif() bool {
	return s.marker == markerAPP1 && bytes.HasPrefix(s.data, []byte(exifID))
}

// file is a parsed JPEG: its segments up to the first SOS, and where the scan
// (or EOI) begins; bytes from there on are kept as they are.
type file struct {
	segs []segment
	rest int
}

func errorf(off int, msg string, args ...any) error {
	return format.Errorf(format.JPEG, int64(off), msg, args...)
}

// maxStackSegments is the room parse's callers give it on the stack;
// a file with more segments costs an allocation.
const maxStackSegments = 32

// parse reads b's segments up to the first scan, appending them to segs
// (a caller's buffer, so that parsing need not allocate).
func parse(b []byte, segs []segment) (file, error) {
	if len(b) > MaxSize {
		return file{}, errorf(0, "%d bytes exceeds the %d-byte limit", len(b), MaxSize)
	}
	if len(b) < 4 || b[0] != 0xFF || b[1] != markerSOI {
		return file{}, errorf(0, "missing SOI marker")
	}
	f := file{segs: segs}
	pos := 2
	for {
		start := pos
		if pos >= len(b) {
			return file{}, errorf(pos, "file ends before the first scan")
		}
		if b[pos] != 0xFF {
			return file{}, errorf(pos, "expected a marker, found byte 0x%02x", b[pos])
		}
		for pos+1 < len(b) && b[pos+1] == 0xFF {
			pos++ // fill bytes
		}
		if pos+1 >= len(b) {
			return file{}, errorf(pos, "file ends inside a marker")
		}
		m := b[pos+1]
		switch {
		case m == markerEOI:
			f.rest = start
			return f, nil
		case m == 0x01 || m >= 0xD0 && m <= 0xD7:
			pos += 2 // standalone marker
			continue
		case m == 0x00 || m == markerSOI:
			return file{}, errorf(pos, "unexpected marker 0xff%02x", m)
		}
		if pos+4 > len(b) {
			return file{}, errorf(pos, "segment 0xff%02x length runs past the end of the file", m)
		}
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		if n < 2 {
			return file{}, errorf(pos+2, "segment 0xff%02x declares length %d", m, n)
		}
		end := pos + 2 + n
		if end > len(b) {
			return file{}, errorf(pos+2, "segment 0xff%02x of %d bytes runs past the end of the file (%d bytes)", m, n, len(b))
		}
		if m == markerSOS {
			f.rest = start
			return f, nil
		}
		f.segs = append(f.segs, segment{marker: m, off: start, end: end, data: b[pos+4 : end]})
		pos = end
	}
}

// Read finds the AIGC records (XMP TC260:AIGC, EXIF UserComment), the XMP
// packets and foreign provenance (C2PA, IPTC DigitalSourceType, generators).
func (Codec) Read(b []byte) (*format.Metadata, error) {
	return read(b, true)
}

// ReadRecords returns the records Read finds, without reassembling C2PA
// manifest stores: a store split over several APP11 segments is copied into
// one slice, which costs as much as the rest of a read (see
// format.RecordReader).
func (Codec) ReadRecords(b []byte) ([]format.Slot, error) {
	md, err := read(b, false)
	if err != nil {
		return nil, err
	}
	return md.Records, nil
}

func read(b []byte, c2pa bool) (*format.Metadata, error) {
	f, err := parse(b, make([]segment, 0, 16))
	if err != nil {
		return nil, err
	}
	md := &format.Metadata{}
	var jumbf []jumbfBox
	for i := range f.segs {
		s := &f.segs[i]
		off, n := int64(s.off), int64(s.end-s.off)
		switch {
		case s.isXMP():
			xmp.Collect(md, s.data[len(xmpID):], off, n)
		case s.isExif():
			exif.Collect(md, s.data[len(exifID):], off, n)
		case s.marker == markerAP11 && c2pa:
			jumbf = addJUMBF(jumbf, s)
		}
	}
	for _, j := range jumbf {
		if isC2PA(j.parts[0]) {
			md.Foreign = append(md.Foreign, format.Foreign{Kind: "c2pa", Offset: int64(j.off), Length: int64(j.end - j.off),
				Value: "C2PA manifest store (APP11 JUMBF)", Data: j.data()})
		}
	}
	return md, nil
}

// jumbfBox is one JUMBF box reassembled from APP11 segments (JPEG XT: "JP",
// box instance En, sequence Z, then the box header repeated in every segment).
type jumbfBox struct {
	en       uint16
	typ      string
	off, end int
	parts    [][]byte
}

// data returns the box's bytes: a sub-slice of the file when the box lies in
// one segment (no copy), else the parts copied once into a slice of the
// exact size.
func (j *jumbfBox) data() []byte {
	if len(j.parts) == 1 {
		return j.parts[0]
	}
	n := 0
	for _, p := range j.parts {
		n += len(p)
	}
	d := make([]byte, 0, n)
	for _, p := range j.parts {
		d = append(d, p...)
	}
	return d
}

func addJUMBF(boxes []jumbfBox, s *segment) []jumbfBox {
	d := s.data
	if len(d) < 16 || d[0] != 'J' || d[1] != 'P' {
		return boxes
	}
	en := binary.BigEndian.Uint16(d[2:])
	hdr := 8
	if binary.BigEndian.Uint32(d[8:]) == 1 {
		hdr = 16 // XLBox
	}
	typ := string(d[12:16])
	for i := range boxes {
		if boxes[i].en == en && boxes[i].typ == typ {
			if len(d) >= 8+hdr {
				boxes[i].parts = append(boxes[i].parts, d[8+hdr:])
			}
			boxes[i].end = s.end
			return boxes
		}
	}
	return append(boxes, jumbfBox{en: en, typ: typ, off: s.off, end: s.end, parts: [][]byte{d[8:]}})
}

// isC2PA reports whether a JUMBF superbox is a C2PA manifest store: its
// description box's label is "c2pa".
func isC2PA(d []byte) bool {
	if len(d) > 64 {
		d = d[:64]
	}
	return bytes.Contains(d, []byte("jumd")) && bytes.Contains(d, []byte("c2pa"))
}

// Write returns b carrying rec in its XMP APP1 segment and no other record.
func (c Codec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	return c.AppendWrite(nil, b, rec)
}

// AppendWrite appends to dst what Write returns (see format.Appender). A
// file with at most one XMP packet, plain as writers make them, costs no
// allocation besides the output's (none when dst has the room).
func (Codec) AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error) {
	var buf [maxStackSegments]segment
	f, err := parse(b, buf[:0])
	if err != nil {
		return nil, err
	}
	var xmpSeg *segment
	insertAt := 2
	leading := true
	for i := range f.segs {
		s := &f.segs[i]
		if s.isXMP() {
			if xmpSeg != nil {
				return appendWritePackets(dst, b, rec)
			}
			xmpSeg = s
		}
		if leading && (s.marker == markerAPP0 || s.isExif()) {
			insertAt = s.end
		} else {
			leading = false
		}
	}
	var scratch [16 << 10]byte
	var packet []byte
	if xmpSeg == nil {
		packet = xmp.AppendBuild(scratch[:0], rec)
	} else if packet, err = xmp.AppendUpdate(scratch[:0], xmpSeg.data[len(xmpID):], rec); err != nil {
		return nil, errorf(xmpSeg.off, "existing XMP packet cannot be updated: %v", err)
	}
	var hdr [4 + len(xmpID)]byte
	if err := xmpHeader(hdr[:], len(packet)); err != nil {
		return nil, err
	}
	// The new segment is its header and packet inserted where the old one
	// starts (or after the JFIF/EXIF segments), the old one removed.
	var edits [maxStackSegments]format.Splice
	at, end := insertAt, insertAt
	if xmpSeg != nil {
		at, end = xmpSeg.off, xmpSeg.end
	}
	edits[0] = format.Splice{Start: at, End: at, Data: hdr[:]}
	edits[1] = format.Splice{Start: at, End: end, Data: packet}
	ne := 2
	for i := range f.segs {
		s := &f.segs[i]
		if !s.isExif() {
			continue
		}
		if ne == len(edits) {
			return appendWritePackets(dst, b, rec)
		}
		if e, ok := exif.BlankSplice(s.data[len(exifID):], s.end-len(s.data)+len(exifID)); ok {
			edits[ne] = e
			ne++
		}
	}
	return format.AppendSplices(dst, b, edits[:ne]), nil
}

// appendWritePackets is AppendWrite for a file with several XMP packets
// (or more segments than AppendWrite lists on the stack).
func appendWritePackets(dst, b []byte, rec aigc.Record) ([]byte, error) {
	f, err := parse(b, nil)
	if err != nil {
		return nil, err
	}
	var xmps []*segment
	var packets [][]byte
	insertAt := 2
	leading := true
	for i := range f.segs {
		s := &f.segs[i]
		if s.isXMP() {
			xmps = append(xmps, s)
			packets = append(packets, s.data[len(xmpID):])
		}
		if leading && (s.marker == markerAPP0 || s.isExif()) {
			insertAt = s.end
		} else {
			leading = false
		}
	}
	if len(packets) == 0 {
		packets = [][]byte{xmp.Build(rec)}
	} else if packets, err = xmp.Replace(packets, rec); err != nil {
		return nil, errorf(xmps[0].off, "existing XMP packet cannot be updated: %v", err)
	}
	segs := make([][]byte, len(packets))
	for i, p := range packets {
		if segs[i], err = xmpSegment(p); err != nil {
			return nil, err
		}
	}
	var edits []format.Splice
	if len(xmps) == 0 {
		edits = append(edits, format.Splice{Start: insertAt, End: insertAt, Data: segs[0]})
	}
	for i := range f.segs {
		s := &f.segs[i]
		switch {
		case s.isXMP():
			edits = append(edits, format.Splice{Start: s.off, End: s.end, Data: segs[0]})
			segs = segs[1:]
		case s.isExif():
			if e, ok := exif.BlankSplice(s.data[len(exifID):], s.end-len(s.data)+len(exifID)); ok {
				edits = append(edits, e)
			}
		}
	}
	return format.AppendSplices(dst, b, edits), nil
}

// HasOnlyRecord reports whether b holds exactly one AIGC record, rec (see
// format.RecordChecker). It allocates nothing for the files AppendWrite
// writes.
func (Codec) HasOnlyRecord(b []byte, rec aigc.Record) bool {
	var buf [maxStackSegments]segment
	f, err := parse(b, buf[:0])
	if err != nil {
		return false
	}
	var mb [512]byte
	one := format.OneRecord{Want: rec.AppendMarshal(mb[:0])}
	for i := range f.segs {
		s := &f.segs[i]
		switch {
		case s.isXMP():
			xmp.AddRecords(&one, s.data[len(xmpID):])
		case s.isExif():
			if v, ok := exif.Record(s.data[len(exifID):]); ok {
				one.Add(v)
			}
		}
	}
	return one.OK()
}

// xmpHeader writes the APP1 marker, length and namespace of a segment
// holding a packet of n bytes into h.
func xmpHeader(h []byte, n int) error {
	if n > MaxXMP {
		return &format.UnsupportedError{Format: format.JPEG,
			Msg: fmt.Sprintf("XMP packet of %d bytes exceeds the %d-byte APP1 limit (extended XMP is not written)", n, MaxXMP)}
	}
	h[0], h[1] = 0xFF, markerAPP1
	binary.BigEndian.PutUint16(h[2:], uint16(2+len(xmpID)+n))
	copy(h[4:], xmpID)
	return nil
}

// xmpSegment wraps a packet in an APP1 segment.
func xmpSegment(packet []byte) ([]byte, error) {
	s := make([]byte, 4+len(xmpID), 4+len(xmpID)+len(packet))
	if err := xmpHeader(s, len(packet)); err != nil {
		return nil, err
	}
	return append(s, packet...), nil
}

// ContentHash is the SHA-256 of b without its XMP APP1 segments, with an
// EXIF UserComment record read as blanked (see the package comment).
func (Codec) ContentHash(b []byte) ([32]byte, error) {
	var buf [maxStackSegments]segment
	f, err := parse(b, buf[:0])
	if err != nil {
		return [32]byte{}, err
	}
	h := sha256.New()
	pos := 0
	for i := range f.segs {
		s := &f.segs[i]
		switch {
		case s.isXMP():
			h.Write(b[pos:s.off])
			pos = s.end
		case s.isExif():
			t := s.data[len(exifID):]
			h.Write(b[pos : s.end-len(t)])
			n, _ := exif.Normalize(t)
			h.Write(n)
			pos = s.end
		}
	}
	h.Write(b[pos:])
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// TransplantMetadata returns encoded (a JPEG freshly encoded from edited
// pixels, such as image/jpeg writes) carrying the metadata segments of orig:
// every APPn and COM segment before orig's first scan, in orig's order (EXIF,
// ICC profile, XMP, C2PA APP11, ...), in place of encoded's own. The Adobe
// APP14 segment is not copied because its colour-transform flag describes
// orig's encoding, not encoded's. With resetOrientation (for pixels already
// rotated upright), EXIF Orientation is set to 1 in place and XMP
// tiff:Orientation to 1.
func TransplantMetadata(orig, encoded []byte, resetOrientation bool) ([]byte, error) {
	fo, err := parse(orig, nil)
	if err != nil {
		return nil, err
	}
	fe, err := parse(encoded, nil)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(encoded)+fo.rest)
	out = append(out, 0xFF, markerSOI)
	for i := range fo.segs {
		s := &fo.segs[i]
		if !isMetadata(s.marker) || s.marker == markerAP14 {
			continue
		}
		if resetOrientation && s.isXMP() {
			// tiff:Orientation in XMP mirrors the EXIF tag; a new length
			// needs a new segment.
			if seg, err := xmpSegment(xmp.ResetOrientation(s.data[len(xmpID):])); err == nil {
				out = append(out, seg...)
				continue
			}
		}
		start := len(out)
		out = append(out, orig[s.off:s.end]...)
		if resetOrientation && s.isExif() {
			t := out[start+(s.end-s.off)-len(s.data)+len(exifID):]
			if info, err := exif.Parse(t); err == nil {
				exif.SetOrientation(t, info, 1)
			}
		}
	}
	for i := range fe.segs {
		s := &fe.segs[i]
		if !isMetadata(s.marker) {
			out = append(out, encoded[s.off:s.end]...)
		}
	}
	return append(out, encoded[fe.rest:]...), nil
}

func isMetadata(m byte) bool { return m >= markerAPP0 && m <= 0xEF || m == markerCOM }

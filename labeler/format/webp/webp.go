// Package webp carries the GB 45438 label in WebP files: the TC260:AIGC
// property of an XMP packet in the RIFF chunk "XMP ", as the TC260 image guide
// places it.
//
// A simple file (a lone VP8 or VP8L chunk) is converted to the extended
// format on Write: a VP8X chunk is put first, with the XMP flag, the canvas
// size read from the bitstream header and, for VP8L, the alpha flag from its
// header. An existing VP8X gets the XMP flag set. The XMP chunk goes after the
// image data and EXIF, before unknown chunks, as the container specification
// orders them. Read also finds a record in the EXIF chunk's UserComment
// (blanked in place on Write, same length) and reports C2PA chunks.
//
// ContentHash is the SHA-256 of every chunk (8-byte header and data, padding
// byte left out) except "XMP " chunks and the VP8X chunk, in file order,
// followed by any bytes after the RIFF data; the 12-byte RIFF header is left
// out. An AIGC record in EXIF
// UserComment is read as the spaces Write leaves there. Writing or rewriting
// the label, including the conversion to the extended format, never changes
// it.
package webp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/exif"
	"github.com/aigclabel/aigclabel/labeler/format/xmp"
)

// MaxSize bounds the files the codec accepts (RIFF sizes are 32-bit).
const MaxSize = 1 << 30

// VP8X flags.
const (
	flagAnimation = 1 << 1
	flagXMP       = 1 << 2
	flagEXIF      = 1 << 3
	flagAlpha     = 1 << 4
	flagICC       = 1 << 5
)

// Codec is the WebP carrier. The zero value is ready to use.
type Codec struct{}

var (
	_ format.Codec         = Codec{}
	_ format.Appender      = Codec{}
	_ format.RecordChecker = Codec{}
)

type chunk struct {
	id       string
	off, end int    // header through padding
	data     []byte // payload (without padding)
}

type file struct {
	chunks []chunk
	rest   int // bytes after the RIFF data
}

func errorf(off int, msg string, args ...any) error {
	return format.Errorf(format.WebP, int64(off), msg, args...)
}

// maxStackChunks is the room parse's callers give it on the stack; a file
// with more chunks costs an allocation.
const maxStackChunks = 32

// parse reads b's chunks, appending them to chunks (a caller's buffer, so
// that parsing need not allocate).
func parse(b []byte, chunks []chunk) (file, error) {
	if len(b) > MaxSize {
		return file{}, errorf(0, "%d bytes exceeds the %d-byte limit", len(b), MaxSize)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return file{}, errorf(0, "missing RIFF WEBP header")
	}
	size := int64(binary.LittleEndian.Uint32(b[4:]))
	if size+8 > int64(len(b)) {
		return file{}, errorf(4, "RIFF size %d runs past the end of the file (%d bytes)", size, len(b))
	}
	if size < 4 {
		return file{}, errorf(4, "RIFF size %d too small", size)
	}
	end := int(size) + 8
	f := file{chunks: chunks, rest: end}
	pos := 12
	for pos < end {
		if end-pos < 8 {
			return file{}, errorf(pos, "chunk header needs 8 bytes, %d left in the RIFF data", end-pos)
		}
		n := int64(binary.LittleEndian.Uint32(b[pos+4:]))
		if n > int64(end-pos-8) {
			return file{}, errorf(pos+4, "chunk %q of %d bytes runs past the end of the RIFF data", b[pos:pos+4], n)
		}
		cend := pos + 8 + int(n)
		data := b[pos+8 : cend]
		if n%2 == 1 && cend < end {
			cend++ // padding byte; a missing final pad is tolerated
		}
		f.chunks = append(f.chunks, chunk{id: chunkID(b[pos : pos+4]), off: pos, end: cend, data: data})
		pos = cend
	}
	if len(f.chunks) == 0 {
		return file{}, errorf(12, "no chunks")
	}
	return f, nil
}

// chunkID returns id as a string, without allocating for the chunk IDs of
// the WebP container specification and C2PA.
func chunkID(id []byte) string {
	for _, k := range knownIDs {
		if string(id) == k {
			return k
		}
	}
	return string(id)
}

var knownIDs = [...]string{"VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP", "EXIF", "XMP ", "C2PA"}

// tiff returns the TIFF data of an EXIF chunk, which some writers start with
// JPEG's "Exif\0\0".
func tiff(d []byte) []byte {
	return bytes.TrimPrefix(d, []byte("Exif\x00\x00"))
}

// Read finds the AIGC records (XMP, EXIF UserComment), the XMP packets and
// C2PA chunks.
func (Codec) Read(b []byte) (*format.Metadata, error) {
	f, err := parse(b, nil)
	if err != nil {
		return nil, err
	}
	md := &format.Metadata{}
	for i := range f.chunks {
		c := &f.chunks[i]
		off, n := int64(c.off), int64(c.end-c.off)
		switch c.id {
		case "XMP ":
			xmp.Collect(md, c.data, off, n)
		case "EXIF":
			exif.Collect(md, tiff(c.data), off, n)
		case "C2PA":
			md.Foreign = append(md.Foreign, format.Foreign{Kind: "c2pa", Offset: off, Length: n,
				Value: "C2PA manifest store (C2PA chunk)", Data: c.data})
		}
	}
	return md, nil
}

// makeChunk returns a chunk's bytes, padded to even length.
func makeChunk(id string, data []byte) []byte {
	c := make([]byte, 8, 9+len(data))
	copy(c, id)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// Write returns b carrying rec in its XMP chunk and no other record.
func (c Codec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	return c.AppendWrite(nil, b, rec)
}

// AppendWrite appends to dst what Write returns (see format.Appender). A
// file with at most one XMP packet, plain as writers make them, costs no
// allocation besides the output's (none when dst has the room).
func (Codec) AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error) {
	var buf [maxStackChunks]chunk
	f, err := parse(b, buf[:0])
	if err != nil {
		return nil, err
	}
	l, err := survey(&f)
	if err != nil {
		return nil, err
	}
	if l.nXMP > 1 {
		return appendWritePackets(dst, b, rec)
	}
	// The edits' new bytes live on this stack: the XMP chunk in pieces
	// (a pad byte owed by the chunk before it, header, packet, its own pad),
	// the VP8X chunk or flag byte.
	var edits [maxStackChunks]format.Splice
	ne := 0
	for i := range f.chunks {
		if c := &f.chunks[i]; c.id == "EXIF" {
			if ne+6 > len(edits) {
				return appendWritePackets(dst, b, rec)
			}
			t := tiff(c.data)
			if e, ok := exif.BlankSplice(t, c.off+8+len(c.data)-len(t)); ok {
				edits[ne] = e
				ne++
			}
		}
	}
	var scratch [16 << 10]byte
	var packet []byte
	at, end := 0, 0
	if l.xmp != nil {
		at, end = l.xmp.off, l.xmp.end
		if packet, err = xmp.AppendUpdate(scratch[:0], l.xmp.data, rec); err != nil {
			return nil, errorf(l.xmp.off, "existing XMP packet cannot be updated: %v", err)
		}
	} else {
		if l.last < 0 {
			return nil, errorf(12, "no VP8, VP8L or VP8X chunk")
		}
		at = f.chunks[l.last].end
		end = at
		packet = xmp.AppendBuild(scratch[:0], rec)
	}
	zero := [1]byte{}
	if l.xmp == nil && (at-12)%2 == 1 {
		edits[ne] = format.Splice{Start: at, End: at, Data: zero[:]} // the missing pad of the chunk before
		ne++
	}
	var hdr [8]byte
	copy(hdr[:], "XMP ")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(packet)))
	edits[ne] = format.Splice{Start: at, End: at, Data: hdr[:]}
	edits[ne+1] = format.Splice{Start: at, End: at, Data: packet}
	edits[ne+2] = format.Splice{Start: at, End: end, Data: zero[:len(packet)%2]}
	ne += 3
	var flag [1]byte
	var x [18]byte
	e, ok, err := vp8xEdit(&f, &l, &flag, &x)
	if err != nil {
		return nil, err
	}
	if ok {
		edits[ne] = e
		ne++
	}
	start := len(dst)
	out := format.AppendSplices(dst, b, edits[:ne])
	binary.LittleEndian.PutUint32(out[start+4:], uint32(len(out)-start-(len(b)-f.rest)-8))
	return out, nil
}

// layout is what writing needs to know of a file's chunks.
type layout struct {
	vp8x *chunk // the VP8X chunk; nil in a simple file
	xmp  *chunk // the first XMP chunk
	nXMP int
	last int // index of the last chunk the XMP chunk must follow, or -1
	has  present
}

// survey reads f's layout; a VP8X chunk anywhere but first is an error.
func survey(f *file) (layout, error) {
	l := layout{last: -1}
	for i := range f.chunks {
		c := &f.chunks[i]
		l.has.note(c.id)
		switch c.id {
		case "VP8X":
			if i != 0 {
				return l, errorf(c.off, "VP8X chunk is not the first chunk")
			}
			l.vp8x, l.last = c, i
		case "XMP ":
			if l.xmp == nil {
				l.xmp = c
			}
			l.nXMP++
		case "EXIF", "ICCP", "ANIM", "ANMF", "ALPH", "VP8 ", "VP8L":
			l.last = i
		}
	}
	return l, nil
}

// vp8xEdit returns the edit that announces the XMP chunk: the XMP flag set
// in an existing VP8X chunk (written into flag), or a new VP8X chunk (into
// x); ok is false when the flag is already set.
func vp8xEdit(f *file, l *layout, flag *[1]byte, x *[18]byte) (e format.Splice, ok bool, err error) {
	if v := l.vp8x; v != nil {
		if len(v.data) < 10 {
			return e, false, errorf(v.off, "VP8X chunk of %d bytes, want 10", len(v.data))
		}
		if v.data[0]&flagXMP != 0 {
			return e, false, nil
		}
		flag[0] = v.data[0] | flagXMP
		return format.Splice{Start: v.off + 8, End: v.off + 9, Data: flag[:]}, true, nil
	}
	if *x, err = newVP8X(f, l.has); err != nil {
		return e, false, err
	}
	return format.Splice{Start: 12, End: 12, Data: x[:]}, true, nil
}

// present notes which chunks a file has that the VP8X flags announce.
type present struct{ exif, iccp, alph bool }

func (p *present) note(id string) {
	switch id {
	case "EXIF":
		p.exif = true
	case "ICCP":
		p.iccp = true
	case "ALPH":
		p.alph = true
	}
}

// appendWritePackets is AppendWrite for a file with several XMP chunks
// (or more chunks than AppendWrite lists on the stack).
func appendWritePackets(dst, b []byte, rec aigc.Record) ([]byte, error) {
	f, err := parse(b, nil)
	if err != nil {
		return nil, err
	}
	l, err := survey(&f)
	if err != nil {
		return nil, err
	}
	var edits []format.Splice
	var xmps []*chunk
	var packets [][]byte
	for i := range f.chunks {
		switch c := &f.chunks[i]; c.id {
		case "XMP ":
			xmps = append(xmps, c)
			packets = append(packets, c.data)
		case "EXIF":
			t := tiff(c.data)
			if e, ok := exif.BlankSplice(t, c.off+8+len(c.data)-len(t)); ok {
				edits = append(edits, e)
			}
		}
	}
	if len(xmps) > 0 {
		if packets, err = xmp.Replace(packets, rec); err != nil {
			return nil, errorf(xmps[0].off, "existing XMP packet cannot be updated: %v", err)
		}
		for i, c := range xmps {
			edits = append(edits, format.Splice{Start: c.off, End: c.end, Data: makeChunk("XMP ", packets[i])})
		}
	} else {
		if l.last < 0 {
			return nil, errorf(12, "no VP8, VP8L or VP8X chunk")
		}
		at := f.chunks[l.last].end
		x := makeChunk("XMP ", xmp.Build(rec))
		if (at-12)%2 == 1 {
			x = append([]byte{0}, x...) // the missing pad of the chunk before
		}
		edits = append(edits, format.Splice{Start: at, End: at, Data: x})
	}
	var flag [1]byte
	var x [18]byte
	e, ok, err := vp8xEdit(&f, &l, &flag, &x)
	if err != nil {
		return nil, err
	}
	if ok {
		edits = append(edits, e)
	}
	start := len(dst)
	out := format.AppendSplices(dst, b, edits)
	binary.LittleEndian.PutUint32(out[start+4:], uint32(len(out)-start-(len(b)-f.rest)-8))
	return out, nil
}

// HasOnlyRecord reports whether b holds exactly one AIGC record, rec (see
// format.RecordChecker). It allocates nothing for the files AppendWrite
// writes.
func (Codec) HasOnlyRecord(b []byte, rec aigc.Record) bool {
	var buf [maxStackChunks]chunk
	f, err := parse(b, buf[:0])
	if err != nil {
		return false
	}
	var mb [512]byte
	one := format.OneRecord{Want: rec.AppendMarshal(mb[:0])}
	for i := range f.chunks {
		switch c := &f.chunks[i]; c.id {
		case "XMP ":
			xmp.AddRecords(&one, c.data)
		case "EXIF":
			if v, ok := exif.Record(tiff(c.data)); ok {
				one.Add(v)
			}
		}
	}
	return one.OK()
}

// newVP8X builds the VP8X chunk of a simple file from its bitstream header.
func newVP8X(f *file, has present) ([18]byte, error) {
	var x [18]byte
	var w, h int
	var flags byte = flagXMP
	img := -1
	for i := range f.chunks {
		if id := f.chunks[i].id; id == "VP8 " || id == "VP8L" {
			img = i
			break
		}
	}
	if img < 0 {
		return x, errorf(12, "no VP8, VP8L or VP8X chunk")
	}
	c := &f.chunks[img]
	d := c.data
	if c.id == "VP8 " {
		// Frame tag (3 bytes), start code 9d 01 2a, 14-bit width and height.
		if len(d) < 10 || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a || d[0]&1 != 0 {
			return x, errorf(c.off+8, "VP8 key frame header not found")
		}
		w = int(binary.LittleEndian.Uint16(d[6:]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(d[8:]) & 0x3fff)
	} else {
		// Signature 0x2f, then 14 bits width-1, 14 bits height-1, alpha bit.
		if len(d) < 5 || d[0] != 0x2f {
			return x, errorf(c.off+8, "VP8L header not found")
		}
		v := binary.LittleEndian.Uint32(d[1:])
		w = int(v&0x3fff) + 1
		h = int(v>>14&0x3fff) + 1
		if v>>28&1 != 0 {
			flags |= flagAlpha
		}
	}
	if w == 0 || h == 0 {
		return x, errorf(c.off+8, "image of %dx%d pixels", w, h)
	}
	if has.exif {
		flags |= flagEXIF
	}
	if has.iccp {
		flags |= flagICC
	}
	if has.alph {
		flags |= flagAlpha
	}
	copy(x[:], "VP8X")
	binary.LittleEndian.PutUint32(x[4:], 10)
	x[8] = flags
	put24(x[12:], w-1)
	put24(x[15:], h-1)
	return x, nil
}

func put24(b []byte, v int) {
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

// ContentHash is the SHA-256 of b's chunks other than "XMP " and VP8X, with
// an EXIF UserComment record read as blanked (see the package comment).
func (Codec) ContentHash(b []byte) ([32]byte, error) {
	var buf [maxStackChunks]chunk
	f, err := parse(b, buf[:0])
	if err != nil {
		return [32]byte{}, err
	}
	h := sha256.New()
	for i := range f.chunks {
		c := &f.chunks[i]
		switch c.id {
		case "XMP ", "VP8X":
		case "EXIF":
			t := tiff(c.data)
			n, _ := exif.Normalize(t)
			h.Write(b[c.off : c.off+8+len(c.data)-len(t)])
			h.Write(n)
		default:
			h.Write(b[c.off : c.off+8+len(c.data)])
		}
	}
	h.Write(b[f.rest:])
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

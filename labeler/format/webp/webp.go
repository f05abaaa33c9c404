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

var _ format.Codec = Codec{}

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

func parse(b []byte) (*file, error) {
	if len(b) > MaxSize {
		return nil, errorf(0, "%d bytes exceeds the %d-byte limit", len(b), MaxSize)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, errorf(0, "missing RIFF WEBP header")
	}
	size := int64(binary.LittleEndian.Uint32(b[4:]))
	if size+8 > int64(len(b)) {
		return nil, errorf(4, "RIFF size %d runs past the end of the file (%d bytes)", size, len(b))
	}
	if size < 4 {
		return nil, errorf(4, "RIFF size %d too small", size)
	}
	end := int(size) + 8
	f := &file{rest: end}
	pos := 12
	for pos < end {
		if end-pos < 8 {
			return nil, errorf(pos, "chunk header needs 8 bytes, %d left in the RIFF data", end-pos)
		}
		n := int64(binary.LittleEndian.Uint32(b[pos+4:]))
		if n > int64(end-pos-8) {
			return nil, errorf(pos+4, "chunk %q of %d bytes runs past the end of the RIFF data", b[pos:pos+4], n)
		}
		cend := pos + 8 + int(n)
		data := b[pos+8 : cend]
		if n%2 == 1 && cend < end {
			cend++ // padding byte; a missing final pad is tolerated
		}
		f.chunks = append(f.chunks, chunk{id: string(b[pos : pos+4]), off: pos, end: cend, data: data})
		pos = cend
	}
	if len(f.chunks) == 0 {
		return nil, errorf(12, "no chunks")
	}
	return f, nil
}

// tiff returns the TIFF data of an EXIF chunk, which some writers start with
// JPEG's "Exif\0\0".
func tiff(d []byte) []byte {
	return bytes.TrimPrefix(d, []byte("Exif\x00\x00"))
}

// Read finds the AIGC records (XMP, EXIF UserComment), the XMP packets and
// C2PA chunks.
func (Codec) Read(b []byte) (*format.Metadata, error) {
	f, err := parse(b)
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

// AppendWrite appends to dst what Write returns (see format.Appender).
func (Codec) AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error) {
	f, err := parse(b)
	if err != nil {
		return nil, err
	}
	var edits []format.Splice
	var xmps []*chunk
	var packets [][]byte
	var vp8x *chunk
	last := -1 // index of the last chunk the XMP chunk must follow
	has := map[string]bool{}
	for i := range f.chunks {
		c := &f.chunks[i]
		has[c.id] = true
		switch c.id {
		case "VP8X":
			if i != 0 {
				return nil, errorf(c.off, "VP8X chunk is not the first chunk")
			}
			vp8x = c
			last = i
		case "XMP ":
			xmps = append(xmps, c)
			packets = append(packets, c.data)
		case "EXIF":
			t := tiff(c.data)
			if n, changed := exif.Normalize(t); changed {
				dataEnd := c.off + 8 + len(c.data)
				edits = append(edits, format.Splice{Start: dataEnd - len(t), End: dataEnd, Data: n})
			}
			last = i
		case "ICCP", "ANIM", "ANMF", "ALPH", "VP8 ", "VP8L":
			last = i
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
		if last < 0 {
			return nil, errorf(12, "no VP8, VP8L or VP8X chunk")
		}
		at := f.chunks[last].end
		x := makeChunk("XMP ", xmp.Build(rec))
		if (at-12)%2 == 1 {
			x = append([]byte{0}, x...) // the missing pad of the chunk before
		}
		edits = append(edits, format.Splice{Start: at, End: at, Data: x})
	}
	switch {
	case vp8x != nil:
		if len(vp8x.data) < 10 {
			return nil, errorf(vp8x.off, "VP8X chunk of %d bytes, want 10", len(vp8x.data))
		}
		if vp8x.data[0]&flagXMP == 0 {
			edits = append(edits, format.Splice{Start: vp8x.off + 8, End: vp8x.off + 9, Data: []byte{vp8x.data[0] | flagXMP}})
		}
	default:
		x, err := newVP8X(f, has)
		if err != nil {
			return nil, err
		}
		edits = append(edits, format.Splice{Start: 12, End: 12, Data: x})
	}
	start := len(dst)
	out := format.AppendSplices(dst, b, edits)
	binary.LittleEndian.PutUint32(out[start+4:], uint32(len(out)-start-(len(b)-f.rest)-8))
	return out, nil
}

// newVP8X builds the VP8X chunk of a simple file from its bitstream header.
func newVP8X(f *file, has map[string]bool) ([]byte, error) {
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
		return nil, errorf(12, "no VP8, VP8L or VP8X chunk")
	}
	c := &f.chunks[img]
	d := c.data
	if c.id == "VP8 " {
		// Frame tag (3 bytes), start code 9d 01 2a, 14-bit width and height.
		if len(d) < 10 || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a || d[0]&1 != 0 {
			return nil, errorf(c.off+8, "VP8 key frame header not found")
		}
		w = int(binary.LittleEndian.Uint16(d[6:]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(d[8:]) & 0x3fff)
	} else {
		// Signature 0x2f, then 14 bits width-1, 14 bits height-1, alpha bit.
		if len(d) < 5 || d[0] != 0x2f {
			return nil, errorf(c.off+8, "VP8L header not found")
		}
		v := binary.LittleEndian.Uint32(d[1:])
		w = int(v&0x3fff) + 1
		h = int(v>>14&0x3fff) + 1
		if v>>28&1 != 0 {
			flags |= flagAlpha
		}
	}
	if w == 0 || h == 0 {
		return nil, errorf(c.off+8, "image of %dx%d pixels", w, h)
	}
	if has["EXIF"] {
		flags |= flagEXIF
	}
	if has["ICCP"] {
		flags |= flagICC
	}
	if has["ALPH"] {
		flags |= flagAlpha
	}
	x := make([]byte, 10)
	x[0] = flags
	put24(x[4:], w-1)
	put24(x[7:], h-1)
	return makeChunk("VP8X", x), nil
}

func put24(b []byte, v int) {
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

// ContentHash is the SHA-256 of b's chunks other than "XMP " and VP8X, with
// an EXIF UserComment record read as blanked (see the package comment).
func (Codec) ContentHash(b []byte) ([32]byte, error) {
	f, err := parse(b)
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

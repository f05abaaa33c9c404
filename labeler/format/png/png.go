// Package png carries the GB 45438 label in PNG files: the TC260:AIGC
// property of an XMP packet in an uncompressed iTXt chunk with keyword
// "XML:com.adobe.xmp", placed before the image data, as the TC260 image guide
// and Doubao/Jimeng do.
//
// Read also finds records in tEXt/zTXt/iTXt chunks with keyword "AIGC"
// (Alibaba Tongyi and Qwen; the guide's Annex B form), in eXIf UserComment
// (Tencent Yuanbao, MiniMax derivatives) and in XMP exif:UserComment, and
// reports foreign provenance: C2PA caBX chunks, Stable Diffusion "parameters"
// text, Software text and IPTC DigitalSourceType. Write updates the XMP chunk
// in place or inserts one right after IHDR, removes AIGC text chunks (the
// record moves to XMP: one label per file), and blanks an eXIf UserComment
// record in place. Every other chunk keeps its bytes and order. CRCs are
// computed on write.
//
// Read, Write and ContentHash check the CRC of every chunk except the
// compressed image data (IDAT, APNG fdAT), and report a mismatch as a
// *format.FormatError at the CRC's offset. Image data is left out on purpose:
// it is the bulk of the file (checking it would be a second full pass on top of
// the copy or the hash), the carrier never interprets it and copies it byte
// for byte, and its integrity is checked where it matters: image decoders
// verify those CRCs when they decode pixels, and a seal covers the image data
// through ContentHash, so a flipped bit there makes a sealed file fail
// verification. Metadata chunks, which the carrier does interpret, are
// always checked.
//
// ContentHash is the SHA-256 of the file with every XMP iTXt chunk and every
// tEXt/zTXt/iTXt chunk keyed "AIGC" left out (length, type, data and CRC), and
// with an eXIf UserComment record read as the spaces Write leaves there (its
// CRC recomputed). Writing or rewriting the label never changes it.
package png

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/exif"
	"github.com/aigclabel/aigclabel/labeler/format/xmp"
)

// Limits.
const (
	MaxSize     = 1 << 30 // largest file accepted
	MaxInflated = 1 << 20 // largest decompressed zTXt/iTXt text read
)

const (
	signature  = "\x89PNG\r\n\x1a\n"
	xmpKeyword = "XML:com.adobe.xmp"
	aigcKey    = "AIGC"
)

// Codec is the PNG carrier. The zero value is ready to use.
type Codec struct{}

var (
	_ format.Codec         = Codec{}
	_ format.Appender      = Codec{}
	_ format.RecordChecker = Codec{}
)

// chunk is one chunk of the file, or a run of consecutive IDAT chunks: the
// carrier never looks inside image data, and a large image has hundreds of
// IDAT chunks that would otherwise cost a growing slice on every parse.
type chunk struct {
	typ      string
	off, end int    // from the length field to the end of the CRC
	data     []byte // chunk data (of the first chunk of an IDAT run)
}

func (c *chunk) ancillary() bool { return c.typ[0]&0x20 != 0 }

// text is a decoded tEXt, zTXt or iTXt chunk.
type text struct {
	keyword    []byte
	value      []byte // decoded value (inflated when compressed)
	compressed bool
	header     int // iTXt: bytes before the text (keyword through translated keyword)
}

func errorf(off int, msg string, args ...any) error {
	return format.Errorf(format.PNG, int64(off), msg, args...)
}

// file is a parsed PNG: its chunks through IEND and where trailing bytes (if
// any) begin.
type file struct {
	chunks []chunk
	rest   int
}

// maxStackChunks is the room parse's callers give it on the stack; a file
// with more chunks (runs of IDAT count as one) costs an allocation.
const maxStackChunks = 64

// parse reads b's chunks, appending them to chunks (a caller's buffer, so
// that parsing need not allocate).
func parse(b []byte, chunks []chunk) (file, error) {
	if len(b) > MaxSize {
		return file{}, errorf(0, "%d bytes exceeds the %d-byte limit", len(b), MaxSize)
	}
	if !bytes.HasPrefix(b, []byte(signature)) {
		return file{}, errorf(0, "missing PNG signature")
	}
	f := file{chunks: chunks}
	pos := len(signature)
	for {
		if len(b)-pos < 12 {
			return file{}, errorf(pos, "file ends before IEND (%d bytes left, a chunk needs 12)", len(b)-pos)
		}
		n := binary.BigEndian.Uint32(b[pos:])
		if n > 0x7FFFFFFF || uint64(n) > uint64(len(b)-pos-12) {
			return file{}, errorf(pos, "chunk length %d runs past the end of the file (%d bytes)", n, len(b))
		}
		typ := b[pos+4 : pos+8]
		for _, c := range typ {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return file{}, errorf(pos+4, "invalid chunk type % x", typ)
			}
		}
		end := pos + 12 + int(n)
		if !imageData(typ) {
			want := binary.BigEndian.Uint32(b[end-4:])
			if got := crc32.ChecksumIEEE(b[pos+4 : end-4]); got != want {
				return file{}, errorf(end-4, "bad CRC for %s chunk: stored %08x, computed %08x", typ, want, got)
			}
		}
		c := chunk{typ: chunkType(typ), off: pos, end: end, data: b[pos+8 : end-4]}
		if len(f.chunks) == 0 && c.typ != "IHDR" {
			return file{}, errorf(pos, "first chunk is %s, not IHDR", c.typ)
		}
		if n := len(f.chunks); c.typ == "IDAT" && n > 0 && f.chunks[n-1].typ == "IDAT" {
			f.chunks[n-1].end = end // extend the run
		} else {
			f.chunks = append(f.chunks, c)
		}
		pos = end
		if c.typ == "IEND" {
			f.rest = pos
			return f, nil
		}
	}
}

// imageData reports whether typ is a chunk of compressed image data (IDAT,
// or an APNG frame's fdAT), whose CRC the carrier does not check; see the
// package comment.
func imageData(typ []byte) bool {
	return string(typ) == "IDAT" || string(typ) == "fdAT"
}

// chunkType returns typ as a string, without allocating for the chunk
// types of the PNG specification and its registered extensions (a large
// image has hundreds of IDAT chunks, and labeling must not allocate).
func chunkType(typ []byte) string {
	switch string(typ) {
	case "IDAT":
		return "IDAT"
	case "IHDR":
		return "IHDR"
	case "IEND":
		return "IEND"
	case "PLTE":
		return "PLTE"
	case "tEXt":
		return "tEXt"
	case "zTXt":
		return "zTXt"
	case "iTXt":
		return "iTXt"
	case "eXIf":
		return "eXIf"
	case "iCCP":
		return "iCCP"
	case "sRGB":
		return "sRGB"
	case "gAMA":
		return "gAMA"
	case "cHRM":
		return "cHRM"
	case "pHYs":
		return "pHYs"
	case "bKGD":
		return "bKGD"
	case "tRNS":
		return "tRNS"
	case "sBIT":
		return "sBIT"
	case "sPLT":
		return "sPLT"
	case "hIST":
		return "hIST"
	case "tIME":
		return "tIME"
	case "cICP":
		return "cICP"
	case "mDCV":
		return "mDCV"
	case "cLLI":
		return "cLLI"
	case "caBX":
		return "caBX"
	case "acTL":
		return "acTL"
	case "fcTL":
		return "fcTL"
	case "fdAT":
		return "fdAT"
	case "oFFs":
		return "oFFs"
	case "pCAL":
		return "pCAL"
	case "sCAL":
		return "sCAL"
	case "sTER":
		return "sTER"
	case "iDOT":
		return "iDOT"
	case "vpAg":
		return "vpAg"
	}
	return string(typ)
}

// decodeText reads a text chunk; ok is false for other chunks and for text
// chunks too malformed to read (they are then left alone).
func decodeText(c *chunk) (t text, ok bool) {
	if c.typ != "tEXt" && c.typ != "zTXt" && c.typ != "iTXt" {
		return t, false
	}
	d := c.data
	k := bytes.IndexByte(d, 0)
	if k < 1 || k > 79 {
		return t, false
	}
	t.keyword = d[:k]
	d = d[k+1:]
	switch c.typ {
	case "tEXt":
		t.value = d
	case "zTXt":
		if len(d) < 1 || d[0] != 0 {
			return t, false
		}
		v, err := inflate(d[1:])
		if err != nil {
			return t, false
		}
		t.value, t.compressed = v, true
	case "iTXt":
		if len(d) < 2 {
			return t, false
		}
		flag, method := d[0], d[1]
		rest := d[2:]
		l := bytes.IndexByte(rest, 0)
		if l < 0 {
			return t, false
		}
		tr := bytes.IndexByte(rest[l+1:], 0)
		if tr < 0 {
			return t, false
		}
		body := rest[l+1+tr+1:]
		t.header = len(c.data) - len(body)
		switch {
		case flag == 0:
			t.value = body
		case flag == 1 && method == 0:
			v, err := inflate(body)
			if err != nil {
				return t, false
			}
			t.value, t.compressed = v, true
		default:
			return t, false
		}
	}
	return t, true
}

// inflate decompresses zlib data, refusing more than MaxInflated bytes.
func inflate(d []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(d))
	if err != nil {
		return nil, err
	}
	v, err := io.ReadAll(io.LimitReader(r, MaxInflated+1))
	if err != nil {
		return nil, err
	}
	if len(v) > MaxInflated {
		return nil, fmt.Errorf("text inflates to more than %d bytes", MaxInflated)
	}
	return v, nil
}

// kind of a chunk for this package.
const (
	kindOther = iota
	kindXMP
	kindAIGC
	kindExif
)

// classify tells what c is to this package. With full false, a text chunk
// is decoded only when its keyword makes it XMP or a record, which is all
// the kind depends on (Read, which reports other text too, sets full).
func classify(c *chunk, full bool) (int, text) {
	if c.typ == "eXIf" {
		return kindExif, text{}
	}
	if !full && !keyed(c) {
		return kindOther, text{}
	}
	t, ok := decodeText(c)
	switch {
	case !ok:
		return kindOther, t
	case c.typ == "iTXt" && string(t.keyword) == xmpKeyword:
		return kindXMP, t
	case string(t.keyword) == aigcKey:
		return kindAIGC, t
	}
	return kindOther, t
}

// keyed reports whether c may be a text chunk keyed as XMP (iTXt) or AIGC.
func keyed(c *chunk) bool {
	switch c.typ {
	case "iTXt":
		return bytes.HasPrefix(c.data, []byte(xmpKeyword+"\x00")) || bytes.HasPrefix(c.data, []byte(aigcKey+"\x00"))
	case "tEXt", "zTXt":
		return bytes.HasPrefix(c.data, []byte(aigcKey+"\x00"))
	}
	return false
}

var textKinds = map[string]string{"tEXt": "png-text", "zTXt": "png-ztxt", "iTXt": "png-itxt"}

// Read finds the AIGC records (XMP, AIGC text chunks, eXIf UserComment), the
// XMP packets and foreign provenance.
func (Codec) Read(b []byte) (*format.Metadata, error) {
	f, err := parse(b, make([]chunk, 0, 16))
	if err != nil {
		return nil, err
	}
	md := &format.Metadata{}
	for i := range f.chunks {
		c := &f.chunks[i]
		off, n := int64(c.off), int64(c.end-c.off)
		kind, t := classify(c, true)
		switch kind {
		case kindXMP:
			xmp.Collect(md, t.value, off, n)
		case kindAIGC:
			md.Records = append(md.Records, format.Slot{Kind: textKinds[c.typ], Offset: off, Length: n, Payload: t.value})
		case kindExif:
			exif.Collect(md, c.data, off, n)
		default:
			switch {
			case c.typ == "caBX":
				md.Foreign = append(md.Foreign, format.Foreign{Kind: "c2pa", Offset: off, Length: n,
					Value: "C2PA manifest store (caBX chunk)", Data: c.data})
			case string(t.keyword) == "parameters":
				md.Foreign = append(md.Foreign, format.Foreign{Kind: "generator", Offset: off, Length: n,
					Value: "Stable Diffusion parameters: " + clip(t.value, 200)})
			case string(t.keyword) == "Software":
				md.Foreign = append(md.Foreign, format.Foreign{Kind: "generator", Offset: off, Length: n, Value: clip(t.value, 200)})
			}
		}
	}
	return md, nil
}

// clip shortens s to about n bytes for a human-readable value.
func clip(s []byte, n int) string {
	if len(s) <= n {
		return string(s)
	}
	return string(s[:n]) + "…"
}

// Write returns b carrying rec in its XMP iTXt chunk and no other record.
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
	// The new XMP chunk is inserted in pieces where the old one starts (or
	// after IHDR), the old one removed; the pieces live on this stack.
	var edits [maxStackChunks]format.Splice
	ne := 0
	var xmpAt *chunk
	var header []byte
	var packetIn []byte
	var exifCRC [4]byte
	blanked := false
	for i := range f.chunks {
		c := &f.chunks[i]
		if ne+5 > len(edits) {
			return appendWritePackets(dst, b, rec)
		}
		kind, t := classify(c, false)
		switch kind {
		case kindXMP:
			if xmpAt != nil {
				return appendWritePackets(dst, b, rec)
			}
			xmpAt, packetIn = c, t.value
			header = c.data[:t.header]
			if t.compressed {
				header = []byte(freshHeader)
			}
		case kindAIGC:
			edits[ne] = format.Splice{Start: c.off, End: c.end, Data: nil}
			ne++
		case kindExif:
			start, end, spaced, ok := exif.BlankRange(c.data)
			switch {
			case !ok:
			case spaced && !blanked:
				// The chunk keeps its length; its text and CRC change.
				blanked = true
				data := c.off + 8
				sp := exif.Spaces(end - start)
				crc := crc32.Update(crc32.ChecksumIEEE(b[c.off+4:data+start]), crc32.IEEETable, sp)
				binary.BigEndian.PutUint32(exifCRC[:], crc32.Update(crc, crc32.IEEETable, c.data[end:]))
				edits[ne] = format.Splice{Start: data + start, End: data + end, Data: sp}
				edits[ne+1] = format.Splice{Start: c.end - 4, End: c.end, Data: exifCRC[:]}
				ne += 2
			default:
				n, _ := exif.Normalize(c.data)
				edits[ne] = format.Splice{Start: c.off, End: c.end, Data: makeChunk("eXIf", n)}
				ne++
			}
		}
	}
	var scratch [16 << 10]byte
	var packet []byte
	at, end := f.chunks[0].end, f.chunks[0].end
	if xmpAt == nil {
		header = []byte(freshHeader)
		packet = xmp.AppendBuild(scratch[:0], rec)
	} else {
		at, end = xmpAt.off, xmpAt.end
		if packet, err = xmp.AppendUpdate(scratch[:0], packetIn, rec); err != nil {
			return nil, errorf(xmpAt.off, "existing XMP packet cannot be updated: %v", err)
		}
	}
	// The chunk's CRC is computed in the output: crc32 takes its input
	// through a function variable, which would move the packet to the heap.
	var head, crc [8]byte
	binary.BigEndian.PutUint32(head[:], uint32(len(header)+len(packet)))
	copy(head[4:], "iTXt")
	delta := 0 // what the edits before the chunk add to its offset
	for _, e := range edits[:ne] {
		if e.End <= at {
			delta += len(e.Data) - (e.End - e.Start)
		}
	}
	edits[ne] = format.Splice{Start: at, End: at, Data: head[:]}
	edits[ne+1] = format.Splice{Start: at, End: at, Data: header}
	edits[ne+2] = format.Splice{Start: at, End: at, Data: packet}
	edits[ne+3] = format.Splice{Start: at, End: end, Data: crc[:4]}
	start := len(dst)
	out := format.AppendSplices(dst, b, edits[:ne+4])
	c := out[start+at+delta+4 : start+at+delta+8+len(header)+len(packet)]
	binary.BigEndian.PutUint32(out[start+at+delta+8+len(header)+len(packet):], crc32.ChecksumIEEE(c))
	return out, nil
}

// freshHeader is the iTXt header of a new XMP chunk: keyword, no
// compression, no language tag, no translated keyword.
const freshHeader = xmpKeyword + "\x00\x00\x00\x00\x00"

// appendWritePackets is AppendWrite for a file with several XMP chunks
// (or more chunks than AppendWrite lists on the stack).
func appendWritePackets(dst, b []byte, rec aigc.Record) ([]byte, error) {
	f, err := parse(b, nil)
	if err != nil {
		return nil, err
	}
	var xmps []*chunk
	var packets [][]byte
	var headers [][]byte
	var edits []format.Splice
	for i := range f.chunks {
		c := &f.chunks[i]
		kind, t := classify(c, false)
		switch kind {
		case kindXMP:
			xmps = append(xmps, c)
			packets = append(packets, t.value)
			h := c.data[:t.header]
			if t.compressed {
				h = []byte(freshHeader)
			}
			headers = append(headers, h)
		case kindAIGC:
			edits = append(edits, format.Splice{Start: c.off, End: c.end, Data: nil})
		case kindExif:
			if n, changed := exif.Normalize(c.data); changed {
				edits = append(edits, format.Splice{Start: c.off, End: c.end, Data: makeChunk("eXIf", n)})
			}
		}
	}
	if len(xmps) == 0 {
		ihdr := f.chunks[0].end
		edits = append(edits, format.Splice{Start: ihdr, End: ihdr, Data: xmpChunk(nil, xmp.Build(rec))})
	} else {
		if packets, err = xmp.Replace(packets, rec); err != nil {
			return nil, errorf(xmps[0].off, "existing XMP packet cannot be updated: %v", err)
		}
		for i, c := range xmps {
			edits = append(edits, format.Splice{Start: c.off, End: c.end, Data: xmpChunk(headers[i], packets[i])})
		}
	}
	return format.AppendSplices(dst, b, edits), nil
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
		c := &f.chunks[i]
		switch kind, t := classify(c, false); kind {
		case kindXMP:
			xmp.AddRecords(&one, t.value)
		case kindAIGC:
			one.Add(t.value)
		case kindExif:
			if v, ok := exif.Record(c.data); ok {
				one.Add(v)
			}
		}
	}
	return one.OK()
}

// xmpChunk builds an uncompressed iTXt chunk holding packet; header is the
// original chunk's bytes before the text, or nil for a fresh chunk.
func xmpChunk(header, packet []byte) []byte {
	if header == nil {
		header = []byte(freshHeader)
	}
	d := make([]byte, 0, len(header)+len(packet))
	d = append(d, header...)
	return makeChunk("iTXt", append(d, packet...))
}

// makeChunk returns the bytes of a chunk: length, type, data, CRC.
func makeChunk(typ string, data []byte) []byte {
	c := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(c, uint32(len(data)))
	copy(c[4:], typ)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// ContentHash is the SHA-256 of b without its XMP and AIGC text chunks, with
// an eXIf UserComment record read as blanked (see the package comment).
func (Codec) ContentHash(b []byte) ([32]byte, error) {
	var buf [maxStackChunks]chunk
	f, err := parse(b, buf[:0])
	if err != nil {
		return [32]byte{}, err
	}
	// Runs of chunks that are hashed as stored go to the hash in one Write.
	h := sha256.New()
	pos := 0
	for i := range f.chunks {
		c := &f.chunks[i]
		switch kind, _ := classify(c, false); kind {
		case kindXMP, kindAIGC:
			h.Write(b[pos:c.off])
			pos = c.end
		case kindExif:
			h.Write(b[pos:c.off])
			n, _ := exif.Normalize(c.data)
			h.Write(makeChunk("eXIf", n))
			pos = c.end
		}
	}
	h.Write(b[pos:])
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}

// pixelBound lists ancillary chunks that describe the original encoding
// (bit depth, palette, colour type) and must not be copied to a re-encoded
// image; animation chunks are dropped with the original frames.
var pixelBound = map[string]bool{"tRNS": true, "bKGD": true, "sBIT": true, "hIST": true, "sPLT": true,
	"acTL": true, "fcTL": true, "fdAT": true}

// TransplantMetadata returns encoded (a PNG freshly encoded from edited
// pixels, such as image/png writes) carrying orig's ancillary chunks: those
// orig has before IDAT (iCCP, sRGB, gAMA, cHRM, pHYs, text, eXIf, caBX, ...)
// go right after encoded's IHDR, in orig's order, and those after IDAT go
// before IEND. Chunks tied to orig's bit depth or palette (tRNS, bKGD, sBIT,
// hIST, sPLT) and animation chunks are not copied; encoded's own ancillary
// chunks are replaced.
func TransplantMetadata(orig, encoded []byte) ([]byte, error) {
	fo, err := parse(orig, nil)
	if err != nil {
		return nil, err
	}
	fe, err := parse(encoded, nil)
	if err != nil {
		return nil, err
	}
	var pre, post [][]byte
	seenIDAT := false
	for i := range fo.chunks {
		c := &fo.chunks[i]
		if c.typ == "IDAT" {
			seenIDAT = true
		}
		if !c.ancillary() || pixelBound[c.typ] {
			continue
		}
		if seenIDAT {
			post = append(post, orig[c.off:c.end])
		} else {
			pre = append(pre, orig[c.off:c.end])
		}
	}
	out := make([]byte, 0, len(encoded)+len(orig)-fo.rest)
	out = append(out, encoded[:len(signature)]...)
	for i := range fe.chunks {
		c := &fe.chunks[i]
		if c.ancillary() && !pixelBound[c.typ] {
			continue
		}
		if c.typ == "IEND" {
			out = append(out, bytes.Join(post, nil)...)
		}
		out = append(out, encoded[c.off:c.end]...)
		if c.typ == "IHDR" {
			out = append(out, bytes.Join(pre, nil)...)
		}
	}
	return out, nil
}

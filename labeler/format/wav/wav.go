// Package wav reads and writes the GB 45438 implicit label of RIFF/WAVE files
// and gives the labeling pipelines access to the samples.
//
// # The label
//
// TC260-PG-202510A puts the record in a RIFF chunk with ID "AIGC" whose body is
// the compact JSON object (aigc.Record.Marshal). Write places a new chunk just
// before the "data" chunk, the "file header" position the Measures speak of,
// which also lets streaming readers see the label before the audio; when the
// file already has an AIGC chunk, the new one takes the place of the first and
// every other is removed. Readers that assume a 44-byte header do not read such
// files correctly, but neither do they read the LIST chunk ffmpeg puts in the
// same place.
//
// Some tools (gtkit/aigc) also write an "AIGC" sub-chunk inside LIST/INFO. Read
// reports it (Slot.Kind "riff-list-info"), and Write removes it, rewriting the
// LIST size, or dropping the LIST when nothing else was in it: one label per
// file.
//
// Every other chunk (fmt, data, fact, LIST, id3, bext, "C2PA", "_PMX" XMP, ...)
// is kept byte for byte and in order, pad bytes included. Chunk bodies of odd
// size get their pad byte; when the last chunk of the file lacks it, which
// readers such as ffmpeg tolerate and Read accepts, Write adds it; when the
// RIFF size leaves out a final pad byte that is present, the byte is taken as
// the pad. The RIFF size is rewritten. Bytes after the end of the RIFF form
// are kept after it. A RIFF size beyond the end of the file, as streaming
// writers leave it (ffmpeg or sox writing to a pipe), makes the form run to
// the end of the file, and a data chunk declaring more bytes than that is cut
// to what is there (as ffmpeg reads it); Write then sets its size. Any other
// chunk that overruns the file is an error.
// RF64 files are reported as *format.UnsupportedError.
//
// # Content hash
//
// ContentHash is the SHA-256 of, in file order, every top-level chunk of the
// WAVE form except "AIGC" chunks, each as its 8-byte header (ID and size) and
// its body without the pad byte, followed by any bytes after the RIFF form. A
// LIST/INFO chunk holding AIGC sub-chunks is hashed as Write leaves it: with
// those sub-chunks removed and its size field adjusted, or not at all when
// nothing else was in it. The 12-byte RIFF header is excluded. The hash of a
// file and of any labeled or relabeled version of it are therefore equal.
//
// # Samples
//
// DecodePCM and EncodePCM give planar float32 samples for the explicit-label
// (audio prompt) and watermark pipelines; see PCM.
package wav

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// Slot kinds reported by Read.
const (
	KindChunk    = "riff-aigc"      // a top-level "AIGC" chunk
	KindListInfo = "riff-list-info" // an "AIGC" sub-chunk of LIST/INFO
)

// Codec is the WAV carrier. The zero value is ready to use.
type Codec struct{}

var (
	_ format.Codec         = Codec{}
	_ format.Appender      = Codec{}
	_ format.RecordChecker = Codec{}
)

// Read reports every AIGC record (top-level chunks and LIST/INFO sub-chunks),
// XMP packets ("_PMX" chunks) and foreign provenance: "C2PA" chunks as Kind
// "c2pa" and the INFO ISFT software name as Kind "generator".
func (Codec) Read(b []byte) (*format.Metadata, error) {
	f, err := parseRIFF(b)
	if err != nil {
		return nil, err
	}
	m := &format.Metadata{}
	for _, c := range f.chunks {
		switch c.id {
		case idAIGC:
			m.Records = append(m.Records, slot(b, c, KindChunk))
		case idPMX:
			m.XMP = append(m.XMP, slot(b, c, "xmp"))
		case idC2PA:
			m.Foreign = append(m.Foreign, format.Foreign{Kind: "c2pa", Offset: int64(c.off), Length: int64(c.end() - c.off), Data: c.body(b)})
		case idList:
			subs, _ := infoList(b, c, nil)
			for _, s := range subs {
				switch s.id {
				case idAIGC:
					m.Records = append(m.Records, slot(b, s, KindListInfo))
				case idISFT:
					m.Foreign = append(m.Foreign, format.Foreign{Kind: "generator", Offset: int64(s.off), Length: int64(s.end() - s.off), Value: zstring(s.body(b))})
				}
			}
		}
	}
	return m, nil
}

func slot(b []byte, c chunk, kind string) format.Slot {
	return format.Slot{Kind: kind, Offset: int64(c.off), Length: int64(c.end() - c.off), Payload: bytes.TrimRight(c.body(b), "\x00")}
}

// zstring returns a NUL-terminated INFO string without its terminator.
func zstring(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\x00")
	return s
}

// Write returns b with rec in an "AIGC" chunk and no other AIGC record.
func (c Codec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	return c.AppendWrite(nil, b, rec)
}

// AppendWrite appends to dst what Write returns (see format.Appender). A
// file of a few chunks costs no allocation besides the output's (none when
// dst has the room).
func (Codec) AppendWrite(dst, b []byte, rec aigc.Record) ([]byte, error) {
	var cbuf [maxStackChunks]chunk
	f, err := parseRIFFInto(b, cbuf[:0])
	if err != nil {
		return nil, err
	}
	var pbuf [maxStackChunks]piece
	pieces, at := strip(&f, pbuf[:0])
	var mb [512]byte
	payload := rec.AppendMarshal(mb[:0])
	// The output is listed as parts (new headers and chunks, slices of b)
	// and copied once by format.AppendParts, which neither zeroes a new
	// buffer nor allocates when dst has room. The parts and the new bytes
	// are kept on this stack, stored into arrays by index (see
	// format.AppendSplices).
	var hdr, aigcHdr, sizeHdr [8]byte
	copy(hdr[:], b[:8])
	copy(aigcHdr[:4], idAIGC[:])
	binary.LittleEndian.PutUint32(aigcHdr[4:], uint32(len(payload)))
	pad := [1]byte{}
	const maxParts = 32
	if 3*len(pieces)+6 > maxParts {
		return appendWriteMany(dst, b, &f, pieces, at, payload)
	}
	var parts [maxParts][]byte
	np := 0
	add := func(p []byte) { parts[np] = p; np++ }
	add(hdr[:8])
	add(b[8:12])
	record := func() {
		add(aigcHdr[:])
		add(payload)
		add(pad[:len(payload)%2])
	}
	for i, p := range pieces {
		if i == at {
			record()
		}
		if p.list != nil { // rare: the LIST/INFO chunk held a record
			return appendWriteMany(dst, b, &f, pieces, at, payload)
		}
		// As appendRaw: the chunk as it is, a streamed chunk's size fixed,
		// a missing pad byte added.
		c := p.c
		if c.resized {
			copy(sizeHdr[:], b[c.off:c.off+8])
			binary.LittleEndian.PutUint32(sizeHdr[4:], uint32(c.size))
			add(sizeHdr[:])
			add(b[c.off+8 : c.end()])
		} else {
			add(b[c.off:c.end()])
		}
		if c.missingPad() {
			add(pad[:])
		}
	}
	if at == len(pieces) {
		record()
	}
	n := 0
	for _, p := range parts[:np] {
		n += len(p)
	}
	if int64(n)-8 > maxRIFF {
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: "result exceeds the 4 GiB RIFF limit"}
	}
	binary.LittleEndian.PutUint32(hdr[4:8], uint32(n-8))
	add(b[f.formEnd:])
	return format.AppendParts(dst, parts[:np]...), nil
}

// appendWriteMany is AppendWrite for a file with many chunks or a LIST/INFO
// chunk rebuilt without its AIGC sub-chunks.
func appendWriteMany(dst, b []byte, f *riffFile, pieces []piece, at int, payload []byte) ([]byte, error) {
	hdr := append([]byte(nil), b[:12]...)
	parts := make([][]byte, 0, 2*len(pieces)+6)
	parts = append(parts, hdr)
	pad := []byte{0}
	for i, p := range pieces {
		if i == at {
			parts = append(parts, appendChunk(nil, idAIGC, payload))
		}
		if p.list != nil {
			parts = append(parts, appendChunk(nil, idList, p.list))
			continue
		}
		c := p.c
		if c.resized {
			h := append([]byte(nil), b[c.off:c.off+8]...)
			binary.LittleEndian.PutUint32(h[4:], uint32(c.size))
			parts = append(parts, h, b[c.off+8:c.end()])
		} else {
			parts = append(parts, b[c.off:c.end()])
		}
		if c.missingPad() {
			parts = append(parts, pad)
		}
	}
	if at == len(pieces) {
		parts = append(parts, appendChunk(nil, idAIGC, payload))
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if int64(n)-8 > maxRIFF {
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: "result exceeds the 4 GiB RIFF limit"}
	}
	binary.LittleEndian.PutUint32(hdr[4:8], uint32(n-8))
	return format.AppendParts(dst, append(parts, b[f.formEnd:])...), nil
}

// HasOnlyRecord reports whether b holds exactly one AIGC record, rec (see
// format.RecordChecker). It allocates nothing for a file of a few chunks.
func (Codec) HasOnlyRecord(b []byte, rec aigc.Record) bool {
	var cbuf [maxStackChunks]chunk
	f, err := parseRIFFInto(b, cbuf[:0])
	if err != nil {
		return false
	}
	var mb [512]byte
	one := format.OneRecord{Want: rec.AppendMarshal(mb[:0])}
	var sbuf [maxStackChunks]chunk
	for _, c := range f.chunks {
		switch c.id {
		case idAIGC:
			one.Add(bytes.TrimRight(c.body(b), "\x00"))
		case idList:
			subs, _ := infoList(b, c, sbuf[:0])
			for _, s := range subs {
				if s.id == idAIGC {
					one.Add(bytes.TrimRight(s.body(b), "\x00"))
				}
			}
		}
	}
	return one.OK()
}

// ContentHash returns the SHA-256 defined in the package documentation.
func (Codec) ContentHash(b []byte) ([32]byte, error) {
	f, err := parseRIFF(b)
	if err != nil {
		return [32]byte{}, err
	}
	pieces, _ := strip(f, nil)
	h := sha256.New()
	var hdr [8]byte
	for _, p := range pieces {
		body := p.list
		if body == nil {
			body = p.c.body(b)
		}
		copy(hdr[:4], p.c.id[:])
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(body)))
		h.Write(hdr[:])
		h.Write(body)
	}
	h.Write(b[f.formEnd:])
	return [32]byte(h.Sum(nil)), nil
}

// piece is a chunk that survives removing the AIGC records: an original chunk
// carried as it is, or (list != nil) a LIST/INFO rebuilt without its AIGC
// sub-chunks.
type piece struct {
	c    chunk
	list []byte
}

// strip returns the chunks of f without AIGC records (appended to pieces),
// and the index in that
// list where a new AIGC chunk belongs: the place of the first removed one, else
// just before the first data chunk, else the end. Write and ContentHash share
// it, so the hash covers exactly what Write keeps.
func strip(f *riffFile, pieces []piece) ([]piece, int) {
	at := -1
	var sbuf [maxStackChunks]chunk
	dataAt := -1
	for _, c := range f.chunks {
		switch c.id {
		case idAIGC:
			if at < 0 {
				at = len(pieces)
			}
			continue
		case idData:
			if dataAt < 0 {
				dataAt = len(pieces)
			}
		case idList:
			if subs, ok := infoList(f.b, c, sbuf[:0]); ok && hasAIGC(subs) {
				list := append([]byte(nil), idInfo[:]...)
				for _, s := range subs {
					if s.id != idAIGC {
						list = appendRaw(list, f.b, s)
					}
				}
				if len(list) > 4 {
					pieces = append(pieces, piece{c: c, list: list})
				}
				continue
			}
		}
		pieces = append(pieces, piece{c: c})
	}
	switch {
	case at >= 0:
	case dataAt >= 0:
		at = dataAt
	default:
		at = len(pieces)
	}
	return pieces, at
}

func hasAIGC(subs []chunk) bool {
	for _, s := range subs {
		if s.id == idAIGC {
			return true
		}
	}
	return false
}

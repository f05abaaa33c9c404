package wav

import (
	"encoding/binary"
	"fmt"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// Chunk IDs this package acts on. Every other chunk is carried opaquely.
var (
	idAIGC = [4]byte{'A', 'I', 'G', 'C'} // GB 45438 record, TC260-PG-202510A
	idFmt  = [4]byte{'f', 'm', 't', ' '}
	idData = [4]byte{'d', 'a', 't', 'a'}
	idFact = [4]byte{'f', 'a', 'c', 't'}
	idList = [4]byte{'L', 'I', 'S', 'T'}
	idInfo = [4]byte{'I', 'N', 'F', 'O'}
	idISFT = [4]byte{'I', 'S', 'F', 'T'} // INFO: software that wrote the file
	idPMX  = [4]byte{'_', 'P', 'M', 'X'} // XMP packet (Adobe XMP spec part 3)
	idC2PA = [4]byte{'C', '2', 'P', 'A'} // C2PA manifest store (C2PA spec, RIFF embedding)
)

// chunk locates one RIFF chunk inside the file it was parsed from. Like
// x/image/riff, chunks are views: they hold offsets, never copies.
type chunk struct {
	id   [4]byte
	off  int  // offset of the 8-byte chunk header
	size int  // body size as declared in the header (without the pad byte)
	pad  bool // the pad byte of an odd-sized body is present
	// resized: the header declares more bytes than the file holds (a
	// streamed data chunk); size is what is there, and writers fix the header.
	resized bool
}

func (c chunk) body(b []byte) []byte { return b[c.off+8 : c.off+8+c.size] }

// end is the offset just past the chunk, pad byte included when present.
func (c chunk) end() int {
	if c.pad {
		return c.off + 8 + c.size + 1
	}
	return c.off + 8 + c.size
}

// missingPad reports an odd-sized chunk whose pad byte is absent. Only the last
// chunk of a file or list can be in that state (parse refuses it elsewhere):
// many writers omit the final pad byte, and readers such as ffmpeg accept it.
func (c chunk) missingPad() bool { return c.size%2 == 1 && !c.pad }

// riffFile is a parsed RIFF/WAVE file: the chunks of the WAVE form, in order,
// and the offset where the form ends. Bytes after the form (declared RIFF size
// shorter than the file) are kept by writers as they are.
type riffFile struct {
	b       []byte
	chunks  []chunk
	formEnd int
}

// parseRIFF reads the chunk list of a RIFF/WAVE file. It checks every declared
// size against the bytes present. RF64 (and BW64), the 64-bit variants, are
// reported as unsupported rather than invalid.
func parseRIFF(b []byte) (*riffFile, error) {
	f, err := parseRIFFInto(b, nil)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// maxStackChunks is the room parseRIFFInto's callers give it on the stack;
// a file with more chunks costs an allocation.
const maxStackChunks = 16

// parseRIFFInto is parseRIFF appending the chunks to a caller's buffer, so
// that parsing need not allocate.
func parseRIFFInto(b []byte, buf []chunk) (riffFile, error) {
	if len(b) < 12 {
		return riffFile{}, format.Errorf(format.WAV, 0, "%d bytes is too short for a RIFF/WAVE header", len(b))
	}
	switch string(b[0:4]) {
	case "RIFF":
	case "RF64", "BW64":
		return riffFile{}, &format.UnsupportedError{Format: format.WAV, Msg: string(b[0:4]) + " (64-bit RIFF) files are not supported; convert to RIFF/WAVE if under 4 GiB"}
	default:
		return riffFile{}, format.Errorf(format.WAV, 0, "no RIFF signature")
	}
	if string(b[8:12]) != "WAVE" {
		return riffFile{}, format.Errorf(format.WAV, 8, "RIFF form type is %q, not WAVE", b[8:12])
	}
	// int64: a declared size near 4 GiB must not overflow int on 32-bit
	// targets (386, arm).
	formEnd64 := 8 + int64(binary.LittleEndian.Uint32(b[4:8]))
	if formEnd64 < 12 {
		return riffFile{}, format.Errorf(format.WAV, 4, "RIFF size %d is smaller than the form type", formEnd64-8)
	}
	// A form longer than the file is either truncated, or written by a
	// streaming writer that could not seek back to fix the sizes: ffmpeg
	// writing to a pipe leaves 0xFFFFFFFF, sox 0x7FFFF0xx, in the RIFF and
	// data sizes. Like ffmpeg, the form is then read to the end of the file,
	// and a data chunk running past it is cut to what is there; writers set
	// the right sizes. A truncated chunk of any other kind is an error.
	stream := formEnd64 > int64(len(b))
	limit := int(min(formEnd64, int64(len(b))))
	chunks, err := parseChunks(b, 12, limit, stream, buf)
	if err != nil {
		return riffFile{}, err
	}
	n := len(chunks)
	if n > 0 && chunks[n-1].missingPad() && limit < len(b) {
		// The RIFF size left out the final pad byte, which is there: the
		// byte after the form belongs to the last chunk.
		chunks[n-1].pad = true
		limit++
	}
	return riffFile{b: b, chunks: chunks, formEnd: limit}, nil
}

// parseChunks reads the chunks in b[off:limit], appending them to chunks.
// The pad byte after an odd-sized
// body is required, except after the last chunk when limit is the end of the
// data, where writers commonly leave it out. With stream set, a data chunk
// that declares more bytes than are left is cut to what is there (see
// parseRIFF).
func parseChunks(b []byte, off, limit int, stream bool, chunks []chunk) ([]chunk, error) {
	for off < limit {
		if limit-off < 8 {
			return nil, format.Errorf(format.WAV, int64(off), "%d stray bytes where a chunk header was expected", limit-off)
		}
		c := chunk{off: off, size: int(binary.LittleEndian.Uint32(b[off+4 : off+8]))}
		copy(c.id[:], b[off:off+4])
		if int64(c.size) > int64(limit-off-8) {
			if !stream || c.id != idData {
				return nil, format.Errorf(format.WAV, int64(off+4), "chunk %s declares %d bytes, only %d present", fourCC(c.id), c.size, limit-off-8)
			}
			c.size, c.resized = limit-off-8, true
		}
		if c.size%2 == 1 && off+8+c.size < limit {
			c.pad = true
		}
		chunks = append(chunks, c)
		off = c.end()
	}
	return chunks, nil
}

// fourCC renders a chunk ID for error messages, quoting unprintable bytes.
func fourCC(id [4]byte) string {
	for _, c := range id {
		if c < 0x20 || c > 0x7E {
			return fmt.Sprintf("%q", id[:])
		}
	}
	return "'" + string(id[:]) + "'"
}

// infoList returns the sub-chunks of a LIST chunk of type INFO (appended to
// buf), or ok=false
// when c is not one or its sub-chunks do not parse. A malformed INFO list is
// not an error for the file: go-audio/wav, for one, writes odd-sized INFO
// strings without their pad bytes, and the file still plays. Such a list is
// then carried as opaque bytes.
func infoList(b []byte, c chunk, buf []chunk) (subs []chunk, ok bool) {
	if c.id != idList || c.size < 4 || [4]byte(b[c.off+8:c.off+12]) != idInfo {
		return nil, false
	}
	subs, err := parseChunks(b, c.off+12, c.off+8+c.size, false, buf)
	if err != nil {
		return nil, false
	}
	return subs, true
}

// appendChunk appends a chunk with the given ID and body, with its pad byte.
func appendChunk(out []byte, id [4]byte, body []byte) []byte {
	out = append(out, id[:]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, body...)
	if len(body)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// appendRaw appends chunk c as it is in b, adding the pad byte a writer left
// out and fixing the size of a streamed chunk, so that the output is
// well-formed for strict readers.
func appendRaw(out, b []byte, c chunk) []byte {
	start := len(out)
	out = append(out, b[c.off:c.end()]...)
	if c.resized {
		binary.LittleEndian.PutUint32(out[start+4:], uint32(c.size))
	}
	if c.missingPad() {
		out = append(out, 0)
	}
	return out
}

// maxRIFF is the largest RIFF size the 32-bit field can express.
const maxRIFF = 1<<32 - 1

// finishRIFF writes the RIFF size of out (the form as built, header included)
// and appends the bytes that followed the original form.
func finishRIFF(out []byte, f *riffFile) ([]byte, error) {
	if int64(len(out))-8 > maxRIFF {
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: "result exceeds the 4 GiB RIFF limit"}
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return append(out, f.b[f.formEnd:]...), nil
}

package mp3

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// Header flags (ID3v2.3 §3.1, ID3v2.4 §3.1).
const (
	flagUnsync    = 0x80
	flagExtHeader = 0x40
	flagFooter    = 0x10 // v2.4 only
)

// tag is a parsed ID3v2 tag at the start of a file.
//
// The frames are parsed from data, the tag body as frames see it: the bytes
// after the header as stored, except for a v2.2/v2.3 tag with the
// unsynchronisation flag, where the whole body is stored unsynchronised and
// data is a decoded copy. pos maps a data offset to its file offset in both
// cases, so that slots and kept frames are byte ranges of the file.
type tag struct {
	major   byte
	flags   byte
	size    int // the header's size field: body without header and footer
	end     int // file offset just past the tag, footer included
	data    []byte
	pos     []int32 // file offset of data[i]; nil when data is the stored body (offset 10+i)
	ext     []byte  // extended header, as in data; nil when absent
	budget  int     // bytes compressed frames may still inflate to
	frames  []frame
	padding []byte // data after the last frame
}

// frame is one frame of a tag, located in tag.data.
type frame struct {
	id         string
	start, end int    // header start and body end in tag.data
	flags      uint16 // status and format flags (v2.3/v2.4)
	body       []byte // content after flags' extra bytes, unsynchronisation and compression undone; nil if encrypted or not read (see readFrames)
}

// fileOff returns the file offset of data offset i (i may be len(data)).
func (t *tag) fileOff(i int) int {
	if t.pos == nil {
		return 10 + i
	}
	if i == len(t.pos) {
		return 10 + t.size
	}
	return int(t.pos[i])
}

// raw returns frame f, header included, as stored in the file, or for a tag
// unsynchronised as a whole, as decoded.
func (t *tag) raw(f frame) []byte { return t.data[f.start:f.end] }

// maxDecompressed bounds the bytes inflated from compressed frames in one tag,
// so that zlib bombs cannot allocate unboundedly: a few megabytes of C2PA
// manifest is the most a frame aigclabel reads is expected to hold.
const maxDecompressed = 16 << 20

// readFrames are the frame IDs whose content Read looks at; the others are
// only located.
var readFrames = map[string]bool{
	"TXXX": true, "TXX": true, "GEOB": true, "GEO": true, "PRIV": true, "TSSE": true, "TSS": true,
}

// parseTag reads the ID3v2 tag at the start of b, or returns nil when b has
// none. Every size is checked against the bytes present.
func parseTag(b []byte) (*tag, error) {
	t := &tag{}
	present, off, err := t.readHeader(b)
	if err != nil || !present {
		return nil, err
	}
	return t, t.parseFrames(off)
}

// readHeader reads the tag header (and extended header) at the start of b
// into t, and returns the offset in t.data where the frames begin; present
// is false when b has no tag. The frames are left for parseFrames or
// nextFrame.
func (t *tag) readHeader(b []byte) (present bool, off int, err error) {
	if len(b) < 3 || string(b[:3]) != "ID3" {
		return false, 0, nil
	}
	if len(b) < 10 {
		return false, 0, format.Errorf(format.MP3, 0, "ID3v2 header cut short (%d bytes)", len(b))
	}
	*t = tag{major: b[3], flags: b[5], budget: maxDecompressed}
	if t.major < 2 || t.major > 4 || b[4] == 0xFF {
		return false, 0, &format.UnsupportedError{Format: format.MP3, Msg: fmt.Sprintf("ID3v2 version 2.%d.%d tag", t.major, b[4])}
	}
	size, ok := syncsafe(b[6:10])
	if !ok {
		return false, 0, format.Errorf(format.MP3, 6, "ID3v2 tag size % X is not a syncsafe integer", b[6:10])
	}
	t.size = size
	t.end = 10 + size
	if t.major == 4 && t.flags&flagFooter != 0 {
		t.end += 10
	}
	if t.end > len(b) {
		return false, 0, format.Errorf(format.MP3, 6, "ID3v2 tag size %d exceeds the %d bytes present", t.end-10, len(b)-10)
	}
	if t.end > 10+size && string(b[10+size:10+size+3]) != "3DI" {
		return false, 0, format.Errorf(format.MP3, int64(10+size), "ID3v2.4 footer missing")
	}
	if t.major == 2 && t.flags&0x40 != 0 {
		return false, 0, &format.UnsupportedError{Format: format.MP3, Msg: "compressed ID3v2.2 tag (the standard defines no compression scheme)"}
	}
	t.data = b[10 : 10+size]
	if t.major < 4 && t.flags&flagUnsync != 0 {
		t.data, t.pos = deunsync(t.data, 10)
	}
	if t.major >= 3 && t.flags&flagExtHeader != 0 {
		n, err := t.extHeaderSize()
		if err != nil {
			return false, 0, err
		}
		t.ext = t.data[:n]
		off = n
	}
	return true, off, nil
}

// extHeaderSize returns the length of the extended header at the start of
// t.data. v2.3 gives its size without the size field itself, v2.4 with it,
// as a syncsafe integer.
func (t *tag) extHeaderSize() (int, error) {
	if len(t.data) < 6 {
		return 0, format.Errorf(format.MP3, 10, "extended header cut short")
	}
	var n int
	if t.major == 3 {
		n = int(binary.BigEndian.Uint32(t.data)) + 4
	} else {
		var ok bool
		if n, ok = syncsafe(t.data[:4]); !ok {
			return 0, format.Errorf(format.MP3, 10, "extended header size % X is not a syncsafe integer", t.data[:4])
		}
	}
	if n < 6 || n > len(t.data) {
		return 0, format.Errorf(format.MP3, 10, "extended header size %d, %d bytes in the tag", n, len(t.data))
	}
	return n, nil
}

// extCRC reports an extended header with a CRC of the frames, which a writer
// that changes frames would have to recompute.
func (t *tag) extCRC() bool {
	switch {
	case t.ext == nil:
		return false
	case t.major == 3:
		return t.ext[4]&0x80 != 0
	default:
		return len(t.ext) > 5 && t.ext[5]&0x20 != 0
	}
}

// idLen is the length of a frame ID: 3 in v2.2, 4 later.
func idLen(major byte) int {
	if major == 2 {
		return 3
	}
	return 4
}

func (t *tag) headerLen() int {
	if t.major == 2 {
		return 6
	}
	return 10
}

// parseFrames reads frames from t.data[off:] up to the padding: a zero byte
// where a frame ID would start, or too few bytes left for a frame header.
func (t *tag) parseFrames(off int) error {
	for {
		f, ok, err := t.nextFrame(off)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		t.frames = append(t.frames, f)
		off = f.end
	}
	t.padding = t.data[off:]
	return nil
}

// nextFrame reads the frame at t.data[off:], or reports !ok at the padding.
func (t *tag) nextFrame(off int) (f frame, ok bool, err error) {
	hl := t.headerLen()
	d := t.data
	if len(d)-off < hl || d[off] == 0 {
		return frame{}, false, nil
	}
	id := d[off : off+idLen(t.major)]
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return frame{}, false, format.Errorf(format.MP3, int64(t.fileOff(off)), "invalid ID3v2 frame ID %q", id)
		}
	}
	var size int
	var flags uint16
	switch t.major {
	case 2:
		size = int(d[off+3])<<16 | int(d[off+4])<<8 | int(d[off+5])
	case 3:
		size = int(binary.BigEndian.Uint32(d[off+4:]))
		flags = binary.BigEndian.Uint16(d[off+8:])
	case 4:
		size = t.v24FrameSize(off)
		flags = binary.BigEndian.Uint16(d[off+8:])
	}
	if size < 0 {
		return frame{}, false, format.Errorf(format.MP3, int64(t.fileOff(off+4)), "ID3v2.4 frame %s size % X is not syncsafe, and as a plain integer it does not fit", id, d[off+4:off+8])
	}
	if size > len(d)-off-hl {
		return frame{}, false, format.Errorf(format.MP3, int64(t.fileOff(off+4)), "ID3v2 frame %s declares %d bytes, %d left in the tag", id, size, len(d)-off-hl)
	}
	f = frame{id: frameID(id), start: off, end: off + hl + size, flags: flags}
	if readFrames[f.id] {
		if f.body, err = t.frameBody(d[off+hl:f.end], flags); err != nil {
			return frame{}, false, format.Errorf(format.MP3, int64(t.fileOff(off)), "ID3v2 frame %s: %v", id, err)
		}
	}
	return f, true, nil
}

// frameID returns id as a string, without allocating for the frame IDs
// of ID3v2.2 to 2.4.
func frameID(id []byte) string {
	if s, ok := frameIDs[string(id)]; ok {
		return s
	}
	return string(id)
}

var frameIDs = func() map[string]string {
	m := map[string]string{}
	for _, id := range strings.Fields(`AENC APIC ASPI CHAP COMM COMR CTOC ENCR EQU2 EQUA ETCO GEOB GRID GRP1 IPLS LINK MCDI MLLT
		MVIN MVNM OWNE PCNT PCST POPM POSS PRIV RBUF RVA2 RVAD RVRB SEEK SIGN SYLT SYTC TALB TBPM TCAT TCMP TCOM TCON TCOP
		TDAT TDEN TDES TDLY TDOR TDRC TDRL TDTG TENC TEXT TFLT TGID TIME TIPL TIT1 TIT2 TIT3 TKEY TKWD TLAN TLEN TMCL TMED
		TMOO TOAL TOFN TOLY TOPE TORY TOWN TPE1 TPE2 TPE3 TPE4 TPOS TPRO TPUB TRCK TRDA TRSN TRSO TSIZ TSO2 TSOA TSOC TSOP
		TSOT TSRC TSSE TSST TXXX TYER UFID USER USLT WCOM WCOP WFED WOAF WOAR WOAS WORS WPAY WPUB WXXX
		BUF CNT COM CRA CRM ETC EQU GEO IPL LNK MCI MLL PIC POP REV RVA SLT STC TAL TBP TCM TCO TCR TDA TDY TEN TFT TIM
		TKE TLA TLE TMT TOA TOF TOL TOR TOT TP1 TP2 TP3 TP4 TPA TPB TRC TRD TRK TSI TSS TT1 TT2 TT3 TXT TXX TYE UFI ULT
		WAF WAR WAS WCM WCP WPB WXX`) {
		m[id] = id
	}
	return m
}()

// v24FrameSize reads a v2.4 frame size, which the standard makes syncsafe.
// iTunes and other writers stored plain 32-bit sizes in v2.4 tags; when the
// syncsafe reading does not land on a frame boundary and the plain one does
// (or the bytes are not syncsafe at all), the plain reading is taken. It
// returns -1 when neither fits.
func (t *tag) v24FrameSize(off int) int {
	d := t.data
	raw := d[off+4 : off+8]
	plain := int(binary.BigEndian.Uint32(raw))
	ss, ok := syncsafe(raw)
	if ok && (ss == plain || t.boundary(off+10+ss)) {
		return ss
	}
	if t.boundary(off + 10 + plain) {
		return plain
	}
	if ok {
		return ss // reported as too long by the caller if it is
	}
	return -1
}

// boundary reports whether a frame may end at data offset i: the end of the
// tag, padding, or the start of a plausible frame header.
func (t *tag) boundary(i int) bool {
	d := t.data
	switch {
	case i == len(d):
		return true
	case i > len(d) || i < 0:
		return false
	case d[i] == 0:
		return true
	case len(d)-i < 10:
		return false
	}
	for _, c := range d[i : i+4] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Frame format flags.
const (
	v23Compressed = 0x0080
	v23Encrypted  = 0x0040
	v23Grouped    = 0x0020
	v24Grouped    = 0x0040
	v24Compressed = 0x0008
	v24Encrypted  = 0x0004
	v24Unsync     = 0x0002
	v24DataLen    = 0x0001
)

// frameBody undoes a frame's format flags: it skips the extra header bytes
// they announce, and reverses v2.4 unsynchronisation and zlib compression. An
// encrypted frame's content is unavailable (nil body, no error).
func (t *tag) frameBody(p []byte, flags uint16) ([]byte, error) {
	// extra counts the bytes the flags put before the content: the
	// decompressed size (v2.3), a group ID, a data length indicator (v2.4).
	var extra int
	var compressed bool
	switch t.major {
	case 3:
		if flags&v23Encrypted != 0 {
			return nil, nil
		}
		if flags&v23Compressed != 0 {
			extra, compressed = 4, true
		}
		if flags&v23Grouped != 0 {
			extra++
		}
	case 4:
		if flags&v24Encrypted != 0 {
			return nil, nil
		}
		// Unsynchronisation covers everything after the frame header,
		// the extra bytes included.
		if flags&v24Unsync != 0 || t.flags&flagUnsync != 0 {
			p, _ = deunsync(p, 0)
		}
		if flags&v24Grouped != 0 {
			extra++
		}
		if flags&v24DataLen != 0 {
			extra += 4
		}
		compressed = flags&v24Compressed != 0
	}
	if len(p) < extra {
		return nil, errString("frame flags announce more bytes than the frame holds")
	}
	p = p[extra:]
	if compressed {
		r, err := zlib.NewReader(bytes.NewReader(p))
		if err != nil {
			return nil, errString("compressed frame: " + err.Error())
		}
		out, err := io.ReadAll(io.LimitReader(r, int64(t.budget)+1))
		if err != nil {
			return nil, errString("compressed frame: " + err.Error())
		}
		if len(out) > t.budget {
			return nil, errString("compressed frames inflate beyond 16 MiB")
		}
		t.budget -= len(out)
		p = out
	}
	return p, nil
}

type errString string

func (e errString) Error() string { return string(e) }

// syncsafe decodes a 4-byte syncsafe integer (7 bits per byte).
func syncsafe(b []byte) (int, bool) {
	if b[0]|b[1]|b[2]|b[3] >= 0x80 {
		return 0, false
	}
	return int(b[0])<<21 | int(b[1])<<14 | int(b[2])<<7 | int(b[3]), true
}

// appendSyncsafe appends n (< 2^28) as a syncsafe integer.
func appendSyncsafe(out []byte, n int) []byte {
	return append(out, byte(n>>21&0x7F), byte(n>>14&0x7F), byte(n>>7&0x7F), byte(n&0x7F))
}

// deunsync reverses unsynchronisation: every 0xFF 0x00 pair becomes 0xFF.
// With base >= 0 it also returns, for each output byte, its offset in the
// stored data plus base.
func deunsync(p []byte, base int) ([]byte, []int32) {
	if !bytes.Contains(p, []byte{0xFF, 0x00}) {
		return p, nil // nothing to undo: offsets are the stored ones
	}
	out := make([]byte, 0, len(p))
	var pos []int32
	if base != 0 {
		pos = make([]int32, 0, len(p))
	}
	for i := 0; i < len(p); i++ {
		out = append(out, p[i])
		if pos != nil {
			pos = append(pos, int32(base+i))
		}
		if p[i] == 0xFF && i+1 < len(p) && p[i+1] == 0x00 {
			i++
		}
	}
	return out, pos
}

// Text encodings of ID3v2 text frames.
const (
	encLatin1  = 0
	encUTF16   = 1 // with byte order mark
	encUTF16BE = 2 // v2.4
	encUTF8    = 3 // v2.4
)

// splitText splits p at the first string terminator of encoding enc (one zero
// byte, or two at an even offset for UTF-16). ok is false when there is none.
func splitText(p []byte, enc byte) (s, rest []byte, ok bool) {
	if enc == encUTF16 || enc == encUTF16BE {
		for i := 0; i+1 < len(p); i += 2 {
			if p[i] == 0 && p[i+1] == 0 {
				return p[:i], p[i+2:], true
			}
		}
		return p, nil, false
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		return p[:i], p[i+1:], true
	}
	return p, nil, false
}

// decodeText converts an ID3v2 string of encoding enc to UTF-8; terminators
// at the end are dropped. UTF-8 text is returned as found, invalid sequences
// included, for the record parser to judge; unpaired UTF-16 surrogates become
// U+FFFD.
func decodeText(p []byte, enc byte) []byte {
	if enc != encLatin1 && enc != encUTF16 && enc != encUTF16BE {
		return bytes.TrimRight(p, "\x00")
	}
	return appendText(make([]byte, 0, len(p)), p, enc)
}

// appendText appends decodeText(p, enc) to dst (for Latin-1 and UTF-16).
func appendText(dst, p []byte, enc byte) []byte {
	switch enc {
	case encLatin1:
		for _, c := range bytes.TrimRight(p, "\x00") {
			dst = utf8.AppendRune(dst, rune(c))
		}
		return dst
	case encUTF16, encUTF16BE:
		be := enc == encUTF16BE
		if len(p) >= 2 && (p[0] == 0xFF && p[1] == 0xFE || p[0] == 0xFE && p[1] == 0xFF) {
			be = p[0] == 0xFE
			p = p[2:]
		}
		n := len(p) / 2 // code units, trailing zero units dropped
		unit := func(i int) uint16 {
			if be {
				return binary.BigEndian.Uint16(p[2*i:])
			}
			return binary.LittleEndian.Uint16(p[2*i:])
		}
		for n > 0 && unit(n-1) == 0 {
			n--
		}
		for i := 0; i < n; i++ {
			r := rune(unit(i))
			if utf16.IsSurrogate(r) {
				if i+1 < n {
					if d := utf16.DecodeRune(r, rune(unit(i+1))); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i++
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		}
		return dst
	}
	return append(dst, bytes.TrimRight(p, "\x00")...)
}

// txxx splits a TXXX (or v2.2 TXX) frame body into description and value,
// both as UTF-8.
func txxx(body []byte) (desc, value []byte, ok bool) {
	if len(body) < 1 {
		return nil, nil, false
	}
	enc := body[0]
	if enc > encUTF8 {
		return nil, nil, false
	}
	d, rest, ok := splitText(body[1:], enc)
	if !ok {
		return nil, nil, false
	}
	return decodeText(d, enc), decodeText(rest, enc), true
}

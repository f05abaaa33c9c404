// Package exif is a minimal, bounded reader of the TIFF structure inside EXIF
// data (JPEG APP1 "Exif\0\0", PNG eXIf, WebP EXIF): it finds the fields the
// GB 45438 carriers care about and patches values in place. It never
// restructures the IFDs, so every other byte of the EXIF block is kept.
//
// The fields are: ExifIFD UserComment (0x9286), where the TC260 image guide's
// Annex B and several services (MiniMax, Baidu, Tencent) put the wrapped
// {"AIGC":{...}} record; IFD0 Software (0x0131), a generator trace; and IFD0
// Orientation (0x0112), which re-encoding pipelines reset after rotating
// pixels.
package exif

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// Tags this package reads.
const (
	tagOrientation = 0x0112
	tagSoftware    = 0x0131
	tagExifIFD     = 0x8769
	tagUserComment = 0x9286
)

// maxEntries bounds the entries read from one IFD: real IFDs hold a few
// dozen; a corrupt count must not make the reader loop over megabytes.
const maxEntries = 1024

// Error reports malformed TIFF data, with the byte offset inside it.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("exif: offset %d: %s", e.Offset, e.Msg) }

func errorf(off int, format string, args ...any) error {
	return &Error{Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

// UserComment is the ExifIFD UserComment value.
type UserComment struct {
	// Offset and Length give the whole value, 8-byte charset prefix included,
	// inside the TIFF data.
	Offset, Length int
	// Charset is the prefix's name: "ASCII", "UNICODE", "JIS" or "" for the
	// undefined (all-NUL) prefix; other prefixes are kept as found.
	Charset string
	// Text is the comment as UTF-8, without trailing NULs and spaces.
	Text []byte

	bigEndian bool
}

// IsRecord reports whether the comment is an AIGC record (wrapped or bare);
// other comments are left alone.
func (u *UserComment) IsRecord() bool {
	return bytes.Contains(u.Text, []byte("Label")) && aigc.IsRecord(u.Text)
}

// Info is what Parse finds.
type Info struct {
	UserComment *UserComment // nil when absent
	Software    string       // IFD0 Software, "" when absent
	// OrientationOffset is the position of IFD0 Orientation's SHORT value in
	// the TIFF data, or -1.
	OrientationOffset int
	Orientation       int // 0 when absent
	bigEndian         bool
}

// Parse reads the TIFF data t (starting with "II*\0" or "MM\0*").
func Parse(t []byte) (*Info, error) {
	info := &Info{}
	uc, software, err := parse(t, info)
	info.Software = string(software)
	if uc.Length >= 0 {
		info.UserComment = &uc
	}
	return info, err
}

// parse is Parse without allocating: the UserComment is returned by value
// (Length -1 when absent) and Software as a sub-slice of t.
func parse(t []byte, info *Info) (uc UserComment, software []byte, err error) {
	uc.Length = -1
	info.OrientationOffset = -1
	if len(t) < 8 {
		return uc, nil, errorf(0, "TIFF header needs 8 bytes, have %d", len(t))
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
		info.bigEndian = true
	default:
		return uc, nil, errorf(0, "not a TIFF header: % x", t[:4])
	}
	ifd0 := int(bo.Uint32(t[4:]))
	exifIFD := -1
	err = walkIFD(t, bo, ifd0, func(tag, typ uint16, count uint32, valOff int) error {
		switch tag {
		case tagExifIFD:
			if typ == 4 || typ == 13 {
				exifIFD = int(bo.Uint32(t[valOff:]))
			}
		case tagOrientation:
			if typ == 3 && count == 1 {
				info.OrientationOffset = valOff
				info.Orientation = int(bo.Uint16(t[valOff:]))
			}
		case tagSoftware:
			if typ == 2 {
				if v, err := value(t, bo, count, 1, valOff); err == nil {
					software = bytes.TrimRight(v, "\x00 ")
				}
			}
		}
		return nil
	})
	if err != nil {
		return uc, software, err
	}
	if exifIFD < 0 || exifIFD == ifd0 {
		return uc, software, nil
	}
	err = walkIFD(t, bo, exifIFD, func(tag, typ uint16, count uint32, valOff int) error {
		if tag != tagUserComment || (typ != 7 && typ != 1 && typ != 2) {
			return nil
		}
		v, err := value(t, bo, count, 1, valOff)
		if err != nil {
			return err
		}
		start := valOff
		if count > 4 {
			start = int(bo.Uint32(t[valOff:]))
		}
		// A value laid over the header or an IFD table is corrupt, and
		// blanking it would destroy the structure.
		for _, r := range [...][2]int{{0, 8}, ifdRange(t, bo, ifd0), ifdRange(t, bo, exifIFD)} {
			if start < r[1] && r[0] < start+len(v) && count > 4 {
				return errorf(valOff, "UserComment value at %d overlaps the TIFF structure at %d-%d", start, r[0], r[1])
			}
		}
		uc = decodeComment(v, start, info.bigEndian)
		return nil
	})
	return uc, software, err
}

// ifdRange returns the byte range of the IFD table at off (walkIFD has
// checked it).
func ifdRange(t []byte, bo binary.ByteOrder, off int) [2]int {
	n := int(bo.Uint16(t[off:]))
	return [2]int{off, off + 2 + 12*n + 4}
}

// walkIFD calls fn for every entry of the IFD at off, with the offset of the
// entry's 4-byte value field.
func walkIFD(t []byte, bo binary.ByteOrder, off int, fn func(tag, typ uint16, count uint32, valOff int) error) error {
	if off < 8 || off > len(t)-2 {
		return errorf(off, "IFD offset %d outside the %d-byte TIFF data", off, len(t))
	}
	n := int(bo.Uint16(t[off:]))
	if n > maxEntries {
		return errorf(off, "IFD declares %d entries (limit %d)", n, maxEntries)
	}
	if off+2+12*n > len(t) {
		return errorf(off, "IFD of %d entries runs past the end of the %d-byte TIFF data", n, len(t))
	}
	for i := 0; i < n; i++ {
		e := off + 2 + 12*i
		if err := fn(bo.Uint16(t[e:]), bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:]), e+8); err != nil {
			return err
		}
	}
	return nil
}

// value returns the bytes of an entry's value of count items of size bytes.
func value(t []byte, bo binary.ByteOrder, count uint32, size int, valOff int) ([]byte, error) {
	n := uint64(count) * uint64(size)
	if n <= 4 {
		return t[valOff : valOff+int(n)], nil
	}
	at := uint64(bo.Uint32(t[valOff:]))
	if at+n > uint64(len(t)) {
		return nil, errorf(valOff, "value of %d bytes at offset %d runs past the end of the %d-byte TIFF data", n, at, len(t))
	}
	return t[at : at+n], nil
}

func decodeComment(v []byte, start int, bigEndian bool) UserComment {
	u := UserComment{Offset: start, Length: len(v), bigEndian: bigEndian}
	if len(v) < 8 {
		u.Text = trimPad(v)
		return u
	}
	prefix, body := v[:8], v[8:]
	switch {
	case string(prefix) == "ASCII\x00\x00\x00":
		u.Charset = "ASCII"
	case string(prefix) == "UNICODE\x00":
		u.Charset = "UNICODE"
		u.Text = decodeUTF16(body, bigEndian)
		return u
	case string(prefix) == "JIS\x00\x00\x00\x00\x00":
		u.Charset = "JIS"
	case string(prefix) == "\x00\x00\x00\x00\x00\x00\x00\x00":
	default:
		// No known prefix: some writers put the text in without one.
		body = v
	}
	u.Text = trimPad(body)
	return u
}

// trimPad is bytes.TrimRight(b, "\x00 ") in a plain loop: a comment the
// labeler blanked is a kilobyte of spaces, read on every verify.
func trimPad(b []byte) []byte {
	n := len(b)
	for n > 0 && (b[n-1] == 0 || b[n-1] == ' ') {
		n--
	}
	return b[:n]
}

// decodeUTF16 decodes UNICODE comments. EXIF says the TIFF byte order applies;
// a byte-order mark, when present, wins.
func decodeUTF16(b []byte, bigEndian bool) []byte {
	if len(b) >= 2 && (b[0] == 0xFE && b[1] == 0xFF || b[0] == 0xFF && b[1] == 0xFE) {
		bigEndian = b[0] == 0xFE
		b = b[2:]
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return bytes.TrimRight([]byte(string(utf16.Decode(u))), "\x00 ")
}

// BlankUserComment overwrites the comment's text in t with spaces, in place,
// keeping its length and 8-byte charset prefix: the record moves to XMP and
// the EXIF structure stays byte-for-byte the same otherwise. u must come from
// Parse(t).
func BlankUserComment(t []byte, u *UserComment) {
	start, end := u.blankRange(t)
	for i := range t[start:end] {
		t[start+i] = u.blankByte(i)
	}
}

// blankRange returns the part of t that BlankUserComment overwrites: the
// value after its charset prefix (the whole value without one).
func (u *UserComment) blankRange(t []byte) (start, end int) {
	v := t[u.Offset : u.Offset+u.Length]
	if len(v) >= 8 && (u.Charset != "" || string(v[:8]) == "\x00\x00\x00\x00\x00\x00\x00\x00") {
		return u.Offset + 8, u.Offset + u.Length
	}
	return u.Offset, u.Offset + u.Length
}

// blankByte is byte i of the blanked text: a space, in UTF-16 a space
// and a zero byte in the TIFF byte order.
func (u *UserComment) blankByte(i int) byte {
	if u.Charset == "UNICODE" && i%2 == 0 == u.bigEndian {
		return 0
	}
	return ' '
}

// SetOrientation writes v into IFD0 Orientation in place and reports whether
// the tag was there. info must come from Parse(t).
func SetOrientation(t []byte, info *Info, v uint16) bool {
	if info.OrientationOffset < 0 {
		return false
	}
	if info.bigEndian {
		binary.BigEndian.PutUint16(t[info.OrientationOffset:], v)
	} else {
		binary.LittleEndian.PutUint16(t[info.OrientationOffset:], v)
	}
	return true
}

// Collect adds what the TIFF data t holds to md: a UserComment that is an AIGC
// record (Kind "exif-usercomment") and IFD0 Software as a generator, located
// at the container element at off, length bytes long. Malformed EXIF is
// skipped: it is someone else's data and holds no record we can read.
func Collect(md *format.Metadata, t []byte, off, length int64) {
	info, _ := Parse(t)
	if u := info.UserComment; u != nil && u.IsRecord() {
		md.Records = append(md.Records, format.Slot{Kind: "exif-usercomment", Offset: off, Length: length, Payload: u.Text})
	}
	if info.Software != "" {
		md.Foreign = append(md.Foreign, format.Foreign{Kind: "generator", Offset: off, Length: length, Value: info.Software})
	}
}

// Normalize returns t as a labeler's Write leaves it: with a UserComment
// that holds an AIGC record blanked (a copy is made only then). Content
// hashes use it so that moving the record to XMP does not change them.
// changed reports whether there was a record to blank.
func Normalize(t []byte) (out []byte, changed bool) {
	uc, ok := recordComment(t)
	if !ok {
		return t, false
	}
	c := append([]byte(nil), t...)
	BlankUserComment(c, &uc)
	return c, true
}

// recordComment returns the UserComment of t when it holds an AIGC record.
func recordComment(t []byte) (UserComment, bool) {
	var info Info
	uc, _, err := parse(t, &info)
	return uc, err == nil && uc.Length >= 0 && uc.IsRecord()
}

// Record returns the AIGC record t's UserComment holds, as Collect reports
// it, or ok false. It allocates only for UTF-16 comments.
func Record(t []byte) (text []byte, ok bool) {
	uc, ok := recordComment(t)
	return uc.Text, ok
}

// BlankRange returns the range of t that Normalize overwrites, when it
// overwrites any (ok): the text of a UserComment holding an AIGC record.
// When spaced, Normalize fills the range with spaces, which Spaces returns
// without allocating, so a writer can put them in place of the record
// without copying t; otherwise (UTF-16 text) use Normalize.
func BlankRange(t []byte) (start, end int, spaced, ok bool) {
	uc, ok := recordComment(t)
	if !ok {
		return 0, 0, false, false
	}
	start, end = uc.blankRange(t)
	return start, end, uc.Charset != "UNICODE", true
}

// BlankSplice returns the edit that blanks, as Normalize does, an AIGC
// record in the UserComment of the TIFF data t, found at offset off of a
// file; ok is false when t holds none. It allocates only for UTF-16 text.
func BlankSplice(t []byte, off int) (e format.Splice, ok bool) {
	start, end, spaced, ok := BlankRange(t)
	switch {
	case !ok:
		return format.Splice{}, false
	case spaced:
		return format.Splice{Start: off + start, End: off + end, Data: Spaces(end - start)}, true
	}
	n, _ := Normalize(t)
	return format.Splice{Start: off, End: off + len(t), Data: n}, true
}

// spaces backs Spaces: as many as the largest EXIF segment holds.
var spaces = bytes.Repeat([]byte{' '}, 1<<16)

// Spaces returns n spaces from a shared array (a new slice when n is larger
// than it); callers must not modify them.
func Spaces(n int) []byte {
	if n <= len(spaces) {
		return spaces[:n:n]
	}
	return bytes.Repeat([]byte{' '}, n)
}

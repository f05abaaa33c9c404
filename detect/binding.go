package detect

import (
	"encoding/binary"

	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/emmansun/gmsm/sm3"
)

// providerSelection returns the bytes a provider's SM3 content binding covers:
// the file with the container element that carries the label removed (the
// whole APP1 Exif segment of a JPEG; the TXXX frame of an MP3, with the ID3v2
// tag size rewritten and the padding kept). This is the selection MiniMax's
// seals bind (see the aigc-real corpus README and labeler/sign/doc.go). It
// reports false for carriers where no provider's selection is known, so the
// seal's content check stays "unchecked" rather than guessed.
func providerSelection(kind format.Kind, b []byte, c Carrier) ([]byte, bool) {
	start, end := c.Offset, c.Offset+c.Length
	if start < 0 || end > int64(len(b)) || start >= end {
		return nil, false
	}
	tagSize := int64(-1) // the ID3v2 tag size to write, for MP3
	switch {
	case kind == format.JPEG && c.Kind == "exif-usercomment":
		if start < 2 || b[start] != 0xFF || b[start+1] != 0xE1 {
			return nil, false
		}
	case kind == format.MP3 && c.Kind == "id3-txxx":
		// The frame must sit inside a plain ID3v2.3/2.4 tag: no
		// unsynchronisation (file offsets would not be tag offsets) and no
		// footer (it repeats the size).
		if len(b) < 10 || string(b[:3]) != "ID3" || (b[3] != 3 && b[3] != 4) || b[5]&0x90 != 0 {
			return nil, false
		}
		size := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
		if b[6]|b[7]|b[8]|b[9] >= 0x80 || start < 10 || end > 10+size {
			return nil, false
		}
		tagSize = size - c.Length
	default:
		return nil, false
	}
	out := make([]byte, 0, int64(len(b))-c.Length)
	out = append(append(out, b[:start]...), b[end:]...)
	if tagSize >= 0 {
		binary.BigEndian.PutUint32(out[6:10], uint32(tagSize>>21&0x7F)<<24|uint32(tagSize>>14&0x7F)<<16|uint32(tagSize>>7&0x7F)<<8|uint32(tagSize&0x7F))
	}
	return out, true
}

// sm3Binding returns the function sign.Hashes.SM3 calls: the SM3 hash of the
// provider selection, computed only when a seal binds SM3.
func sm3Binding(kind format.Kind, b []byte, c *Carrier) func() ([32]byte, bool) {
	if c == nil {
		return nil
	}
	return func() ([32]byte, bool) {
		sel, ok := providerSelection(kind, b, *c)
		if !ok {
			return [32]byte{}, false
		}
		return sm3.Sum(sel), true
	}
}

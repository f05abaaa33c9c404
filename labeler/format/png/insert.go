package png

import (
	"bytes"
	"compress/zlib"
)

// Metadata is metadata brought over from another format: an ICC profile, EXIF
// (TIFF) data, an XMP packet, a C2PA manifest store. Empty fields are skipped.
type Metadata struct {
	ICC, EXIF, XMP, C2PA []byte
}

// AddMetadata returns b with m written as PNG chunks right after IHDR: iCCP
// (the profile zlib-compressed, named "ICC profile"), eXIf, an uncompressed
// iTXt XML:com.adobe.xmp and caBX. It is for a PNG freshly encoded from
// pixels of another format (image/png writes none of these chunks).
func AddMetadata(b []byte, m Metadata) ([]byte, error) {
	f, err := parse(b, nil)
	if err != nil {
		return nil, err
	}
	var add [][]byte
	if len(m.ICC) > 0 {
		var z bytes.Buffer
		z.WriteString("ICC profile\x00\x00")
		w := zlib.NewWriter(&z)
		w.Write(m.ICC)
		w.Close()
		add = append(add, makeChunk("iCCP", z.Bytes()))
	}
	if len(m.EXIF) > 0 {
		add = append(add, makeChunk("eXIf", m.EXIF))
	}
	if len(m.XMP) > 0 {
		add = append(add, xmpChunk(nil, m.XMP))
	}
	if len(m.C2PA) > 0 {
		add = append(add, makeChunk("caBX", m.C2PA))
	}
	ihdr := f.chunks[0]
	out := make([]byte, 0, len(b)+len(bytes.Join(add, nil)))
	out = append(out, b[:ihdr.end]...)
	for _, c := range add {
		out = append(out, c...)
	}
	return append(out, b[ihdr.end:]...), nil
}

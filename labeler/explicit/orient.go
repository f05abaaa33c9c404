package explicit

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	_ "image/jpeg" // the formats DecodeOriented reads
	_ "image/png"

	_ "golang.org/x/image/webp"
)

// EXIF orientation, done here rather than with imaging.Decode: importing
// imaging registers its GIF, BMP and TIFF decoders, about 40 KB of the
// browser module's gzip size for formats aigclabel does not label. The
// result is imaging.Decode(r, imaging.AutoOrientation(true))'s pixel for
// pixel (TestDecodeOrientedMatchesImaging).

// jpegOrientation returns the EXIF orientation (1..8) of a JPEG, or 0 when
// b is not a JPEG or has none. It reads what imaging's readOrientation
// reads: the first APP1 segment, which must be EXIF, and the first IFD.
func jpegOrientation(b []byte) int {
	be := binary.BigEndian
	if len(b) < 2 || be.Uint16(b) != 0xffd8 {
		return 0
	}
	p := 2
	for {
		if p+4 > len(b) {
			return 0
		}
		marker, size := be.Uint16(b[p:]), int(be.Uint16(b[p+2:]))
		p += 4
		if marker>>8 != 0xff {
			return 0
		}
		if marker == 0xffe1 {
			break
		}
		if size < 2 || p+size-2 > len(b) {
			return 0
		}
		p += size - 2
	}
	// "Exif\0\0", the byte order, 42, the IFD offset (from the byte order).
	if p+14 > len(b) || !bytes.Equal(b[p:p+4], []byte("Exif")) {
		return 0
	}
	tiff := b[p+6:]
	var order binary.ByteOrder
	switch be.Uint16(tiff) {
	case 0x4d4d:
		order = binary.BigEndian
	case 0x4949:
		order = binary.LittleEndian
	default:
		return 0
	}
	off := uint64(order.Uint32(tiff[4:]))
	if off < 8 || off+2 > uint64(len(tiff)) {
		return 0
	}
	n := int(order.Uint16(tiff[off:]))
	for i, q := 0, int(off)+2; i < n; i, q = i+1, q+12 {
		if q+2 > len(tiff) {
			return 0
		}
		if order.Uint16(tiff[q:]) != 0x0112 {
			continue
		}
		if q+10 > len(tiff) {
			return 0
		}
		if v := int(order.Uint16(tiff[q+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// scanNRGBA converts img to non-premultiplied RGBA as imaging's scanner does:
// YCbCr through color.YCbCrToRGB, other types through their RGBA method.
// Only opaque images (JPEG decodes) reach it.
func scanNRGBA(img image.Image) *image.NRGBA {
	r := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	j := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d := dst.Pix[j : j+4 : j+4]
			switch src := img.(type) {
			case *image.YCbCr:
				yi, ci := src.YOffset(x, y), src.COffset(x, y)
				d[0], d[1], d[2] = color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				d[3] = 0xff
			default:
				r16, g16, b16, a16 := img.At(x, y).RGBA()
				switch a16 {
				case 0xffff:
					d[0], d[1], d[2], d[3] = uint8(r16>>8), uint8(g16>>8), uint8(b16>>8), 0xff
				case 0:
					d[0], d[1], d[2], d[3] = 0, 0, 0, 0
				default:
					d[0] = uint8(((r16 * 0xffff) / a16) >> 8)
					d[1] = uint8(((g16 * 0xffff) / a16) >> 8)
					d[2] = uint8(((b16 * 0xffff) / a16) >> 8)
					d[3] = uint8(a16 >> 8)
				}
			}
			j += 4
		}
	}
	return dst
}

// orient applies EXIF orientation o (2..8) to img, as imaging's FlipH,
// Rotate180, FlipV, Transpose, Rotate270, Transverse and Rotate90 do; other
// values return img unchanged.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	src := scanNRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2: // flip horizontally
				sx, sy = w-1-x, y
			case 3: // rotate 180°
				sx, sy = w-1-x, h-1-y
			case 4: // flip vertically
				sx, sy = x, h-1-y
			case 5: // transpose
				sx, sy = y, x
			case 6: // rotate 270° counter-clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // rotate 90° counter-clockwise
				sx, sy = w-1-y, x
			}
			copy(dst.Pix[y*dst.Stride+x*4:][:4], src.Pix[sy*src.Stride+sx*4:][:4])
		}
	}
	return dst
}

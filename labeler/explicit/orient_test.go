package explicit

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// withOrientation inserts an EXIF APP1 segment with orientation o (byte
// order order) after the SOI of a JPEG.
func withOrientation(jpg []byte, o uint16, order binary.ByteOrder) []byte {
	var tiff bytes.Buffer
	if order == binary.BigEndian {
		tiff.WriteString("MM")
	} else {
		tiff.WriteString("II")
	}
	w := func(v any) { binary.Write(&tiff, order, v) }
	w(uint16(42))
	w(uint32(8))
	w(uint16(2)) // two entries: an unrelated tag first, then the orientation
	w(uint16(0x010f))
	w(uint16(2))
	w(uint32(1))
	w(uint32(0))
	w(uint16(0x0112))
	w(uint16(3))
	w(uint32(1))
	w(o)
	w(uint16(0))
	w(uint32(0))
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xff, 0xe1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

func sameImage(t *testing.T, name string, got, want image.Image) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s: bounds %v, imaging %v", name, got.Bounds(), want.Bounds())
	}
	if w, ok := want.(*image.NRGBA); ok {
		if g, ok := got.(*image.NRGBA); !ok || !bytes.Equal(g.Pix, w.Pix) || g.Stride != w.Stride {
			t.Fatalf("%s: %T differs from imaging's *image.NRGBA", name, got)
		}
		return
	}
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if g, w := color.NRGBAModel.Convert(got.At(x, y)), color.NRGBAModel.Convert(want.At(x, y)); g != w {
				t.Fatalf("%s: pixel (%d, %d) %v, imaging %v", name, x, y, g, w)
			}
		}
	}
}

// TestDecodeOrientedMatchesImaging checks DecodeOriented against
// imaging.Decode with AutoOrientation, which it replaces: every orientation
// in both byte orders, on colour (4:2:0 and 4:4:4 YCbCr) and grey JPEGs, on
// a PNG (never reoriented), and on the corpus's EXIF-rotated photo.
func TestDecodeOrientedMatchesImaging(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 13, 7))
	for i := range src.Pix {
		src.Pix[i] = uint8(i*37 + i/5)
	}
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 0xff
	}
	gray := image.NewGray(src.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 11)
	}
	var inputs [][]byte
	for _, img := range []image.Image{src, gray} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b.Bytes())
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, src)
	check := func(name string, data []byte) {
		want, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
		got, gerr := DecodeOriented(bytes.NewReader(data))
		if (err == nil) != (gerr == nil) {
			t.Fatalf("%s: error %v, imaging %v", name, gerr, err)
		}
		if err == nil {
			sameImage(t, name, got, want)
		}
	}
	check("png", pngBuf.Bytes())
	p, err := os.ReadFile(testenv.Corpus(t, "images", "exif_Landscape_6.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	check("exif_Landscape_6.jpg", p)
	check("not an image", []byte("\xff\xd8 nothing"))
	for _, in := range inputs {
		check("plain", in)
		for o := uint16(0); o <= 9; o++ {
			for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
				check("orientation", withOrientation(in, o, order))
			}
		}
	}
}

// FuzzJPEGOrientation checks the EXIF reader never panics and returns 0..8
// on arbitrary data.
func FuzzJPEGOrientation(f *testing.F) {
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)), nil)
	f.Add(withOrientation(b.Bytes(), 6, binary.LittleEndian)[:80])
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := jpegOrientation(data)
		if o < 0 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

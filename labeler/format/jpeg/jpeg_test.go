package jpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/xmp/xmptest"
)

func decode(b []byte) (image.Image, error) { return stdjpeg.Decode(bytes.NewReader(b)) }

// gradient returns a small JPEG as image/jpeg writes it: no APPn segment.
func gradient(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := stdjpeg.Encode(&b, img, &stdjpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// withSegments inserts raw segments after SOI.
func withSegments(j []byte, segs ...[]byte) []byte {
	out := append([]byte{}, j[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, j[2:]...)
}

func seg(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

func jfif() []byte {
	return seg(markerAPP0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
}

// exifSeg returns an APP1 Exif segment written by exiftool with the given
// UserComment and Orientation 6.
func exiftoolJPEG(t *testing.T, args ...string) []byte {
	t.Helper()
	et := testenv.Tool(t, "exiftool")
	p := filepath.Join(t.TempDir(), "a.jpg")
	if err := os.WriteFile(p, gradient(32, 24), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(et, append([]string{"-q", "-overwrite_original"}, append(args, p)...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerated(t *testing.T) {
	plain := gradient(40, 30)
	withJFIF := withSegments(plain, jfif())
	c2pa := seg(markerAP11, append([]byte("JP\x00\x01\x00\x00\x00\x01\x00\x00\x00\x30jumb\x00\x00\x00\x1ajumdc2pa"), make([]byte, 20)...))
	withC2PA := withSegments(plain, jfif(), c2pa)
	xmptest.CheckCarrier(t, Codec{}, ".jpg", decode, []xmptest.Case{
		{Name: "plain", In: plain}, {Name: "jfif", In: withJFIF}, {Name: "c2pa", In: withC2PA},
	})
	// The new XMP segment goes right after JFIF.
	out, err := Codec{}.Write(withC2PA, xmptest.Rec1)
	if err != nil {
		t.Fatal(err)
	}
	n := len(jfif())
	if !bytes.Equal(out[:2+n], withC2PA[:2+n]) || !bytes.HasPrefix(out[2+n+4:], []byte(xmpID)) {
		t.Errorf("XMP not inserted after JFIF")
	}
	md, _ := Codec{}.Read(out)
	if len(md.Foreign) != 1 || md.Foreign[0].Kind != "c2pa" || !bytes.HasPrefix(md.Foreign[0].Data, []byte("\x00\x00\x00\x30jumb")) {
		t.Errorf("C2PA not found: %+v", md.Foreign)
	}
}

// TestExiftoolMetadata: files whose EXIF, XMP and ICC were written by
// exiftool keep all of them, and a UserComment record moves to XMP.
func TestExiftoolMetadata(t *testing.T) {
	rec := `{"AIGC":{"Label":"1","ContentProducer":"MiniMax","ProduceID":"abc"}}`
	withExif := exiftoolJPEG(t, "-UserComment="+rec, "-Software=Gen 2", "-Orientation#=6", "-Make=Cam")
	withXMP := exiftoolJPEG(t, "-XMP-dc:Title=Hello", "-XMP-iptcExt:DigitalSourceType=http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia", "-XMP-xmp:CreatorTool=Maker 1", "-Artist=A")
	md, err := Codec{}.Read(withExif)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Records) != 1 || md.Records[0].Kind != "exif-usercomment" || string(md.Records[0].Payload) != rec {
		t.Fatalf("records %+v", md.Records)
	}
	md, err = Codec{}.Read(withXMP)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range md.Foreign {
		kinds = append(kinds, f.Kind+"="+f.Value)
	}
	if got := strings.Join(kinds, " "); got != "iptc-digital-source-type=http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia generator=Maker 1" {
		t.Errorf("foreign: %s", got)
	}
	xmptest.CheckCarrier(t, Codec{}, ".jpg", decode, []xmptest.Case{{Name: "exif", In: withExif}, {Name: "xmp", In: withXMP}})
}

func TestCorpus(t *testing.T) {
	var cases []xmptest.Case
	cases = append(cases, xmptest.CorpusFiles(t, "images", ".jpg")...)
	cases = append(cases, xmptest.CorpusFiles(t, "c2pa", ".jpg")...)
	for _, c := range xmptest.CorpusFiles(t, "aigc-real", ".jpg", ".png") {
		if format.Sniff(c.In) == format.JPEG {
			cases = append(cases, c)
		}
	}
	c2pa := 0
	for _, c := range cases {
		md, err := Codec{}.Read(c.In)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for _, f := range md.Foreign {
			if f.Kind == "c2pa" {
				c2pa++
			}
		}
		if strings.Contains(c.Name, "minimax") {
			if len(md.Records) != 1 || md.Records[0].Kind != "exif-usercomment" {
				t.Fatalf("%s: records %+v", c.Name, md.Records)
			}
			rec, _, err := aigc.Parse(md.Records[0].Payload)
			if err != nil || rec.ContentProducer != "MiniMax" || !strings.Contains(rec.ReservedCode1, "SecurityData") {
				t.Errorf("%s: record %+v %v", c.Name, rec, err)
			}
		}
	}
	if c2pa < 4 {
		t.Errorf("found %d C2PA stores in the corpus JPEGs, want at least 4 (C, CA, E-sig-CA, XCA)", c2pa)
	}
	xmptest.CheckCarrier(t, Codec{}, ".jpg", decode, cases)
}

func TestTooLargeXMP(t *testing.T) {
	rec := xmptest.Rec1
	rec.ReservedCode1 = strings.Repeat("a", MaxXMP)
	_, err := Codec{}.Write(gradient(8, 8), rec)
	var u *format.UnsupportedError
	if !errors.As(err, &u) {
		t.Errorf("got %v, want *format.UnsupportedError", err)
	}
}

func TestMalformed(t *testing.T) {
	good := withSegments(gradient(8, 8), jfif())
	huge := append([]byte{}, good...)
	binary.BigEndian.PutUint16(huge[4:], 0xFFF0)
	short := append([]byte{}, good...)
	binary.BigEndian.PutUint16(short[4:], 1)
	cases := map[string][]byte{
		"empty":     nil,
		"soi only":  good[:2],
		"truncated": good[:10],
		"no marker": append(append([]byte{}, good[:2]...), 0x00, 0x11, 0x22, 0x33),
		"huge len":  huge,
		"short len": short,
	}
	for name, b := range cases {
		for op, f := range map[string]func() error{
			"Read":        func() error { _, err := Codec{}.Read(b); return err },
			"Write":       func() error { _, err := Codec{}.Write(b, xmptest.Rec1); return err },
			"ContentHash": func() error { _, err := Codec{}.ContentHash(b); return err },
		} {
			err := f()
			var fe *format.FormatError
			if !errors.As(err, &fe) || fe.Format != format.JPEG {
				t.Errorf("%s %s: %v, want *format.FormatError for jpeg", name, op, err)
			}
		}
	}
	// A malformed XMP packet is not edited.
	bad := withSegments(gradient(8, 8), seg(markerAPP1, []byte(xmpID+"<x:xmpmeta><rdf:RDF></x:xmpmeta>")))
	if _, err := (Codec{}).Write(bad, xmptest.Rec1); err == nil {
		t.Error("malformed XMP packet accepted for editing")
	}
}

func TestTransplant(t *testing.T) {
	orig := exiftoolJPEG(t, "-Orientation#=6", "-XMP-tiff:Orientation#=6", "-Make=Cam", "-XMP-dc:Title=Hello")
	orig = withSegments(orig, seg(0xE2, []byte("ICC_PROFILE\x00\x01\x01icc-bytes")),
		seg(markerAP11, []byte("JP\x00\x01\x00\x00\x00\x01\x00\x00\x00\x10jumbc2pa1234")), seg(markerAP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00")))
	img, _ := decode(orig)
	var enc bytes.Buffer
	stdjpeg.Encode(&enc, img, nil)
	out, err := TransplantMetadata(orig, enc.Bytes(), true)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := decode(enc.Bytes())
	b, err := decode(out)
	if err != nil || !xmptest.SamePixels(a, b) {
		t.Fatalf("transplanted file decodes differently: %v", err)
	}
	et := testenv.Tool(t, "exiftool")
	p := filepath.Join(t.TempDir(), "t.jpg")
	os.WriteFile(p, out, 0o644)
	got, err := exec.Command(et, "-s3", "-n", "-IFD0:Orientation", "-XMP-tiff:Orientation", "-Make", "-XMP-dc:Title", p).Output()
	if err != nil || string(got) != "1\n1\nCam\nHello\n" {
		t.Errorf("exiftool reads %q (%v)", got, err)
	}
	if !bytes.Contains(out, []byte("jumbc2pa1234")) || !bytes.Contains(out, []byte("ICC_PROFILE\x00\x01\x01icc-bytes")) || bytes.Contains(out, []byte("Adobe\x00")) {
		t.Error("APP11 or ICC APP2 not kept, or APP14 copied")
	}
	keep, _ := TransplantMetadata(orig, enc.Bytes(), false)
	os.WriteFile(p, keep, 0o644)
	if got, _ := exec.Command(et, "-s3", "-n", "-IFD0:Orientation", "-XMP-tiff:Orientation", p).Output(); string(got) != "6\n6\n" {
		t.Errorf("orientation without reset: %q", got)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(gradient(8, 8))
	f.Add(withSegments(gradient(8, 8), jfif(), seg(markerAPP1, append([]byte(xmpID), xmptestPacket()...))))
	f.Fuzz(func(t *testing.T, b []byte) { xmptest.FuzzRead(t, Codec{}, b) })
}

func FuzzWriteRead(f *testing.F) {
	f.Add(gradient(8, 8))
	f.Add(withSegments(gradient(8, 8), jfif(), seg(markerAPP1, append([]byte(xmpID), xmptestPacket()...))))
	f.Fuzz(func(t *testing.T, b []byte) {
		xmptest.FuzzWriteRead(t, Codec{}, b)
		xmptest.SameAsGeneral(t, Codec{}, b, appendWritePackets)
	})
}

func xmptestPacket() []byte {
	return []byte(`<?xml version="1.0"?><?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"??><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"><TC260:AIGC>{&quot;Label&quot;:&quot;1&quot;,&quot;ProduceID&quot;:&quot;x&quot;}</TC260:AIGC></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
}

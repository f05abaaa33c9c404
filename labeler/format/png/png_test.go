package png

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	stdpng "image/png"
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

func decode(b []byte) (image.Image, error) { return stdpng.Decode(bytes.NewReader(b)) }

func encode(img image.Image) []byte {
	var b bytes.Buffer
	if err := stdpng.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func gradient(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8(x ^ y), uint8(255 - x)})
		}
	}
	return encode(img)
}

func paletted() []byte {
	pal := color.Palette{color.NRGBA{255, 0, 0, 128}, color.NRGBA{0, 0, 255, 255}}
	img := image.NewPaletted(image.Rect(0, 0, 9, 7), pal)
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 2)
	}
	return encode(img)
}

// insert puts chunks right after IHDR.
func insert(p []byte, chunks ...[]byte) []byte {
	at := 8 + 25
	out := append([]byte{}, p[:at]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[at:]...)
}

func deflate(s string) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

const tongyi = "{\"Label\":\"1\",\n\"ContentProducer\":\"001191330106MA2CFLDG4R10001\",\n\"ProduceID\":\"33a\"}"

func TestGenerated(t *testing.T) {
	cases := []xmptest.Case{
		{Name: "rgba", In: gradient(40, 30)},
		{Name: "paletted", In: paletted()},
		{Name: "gray16", In: encode(image.NewGray16(image.Rect(0, 0, 5, 5)))},
		{Name: "text-aigc", In: insert(gradient(8, 8), makeChunk("tEXt", []byte("AIGC\x00"+tongyi)), makeChunk("tEXt", []byte("Software\x00Gen X")))},
		{Name: "ztxt-aigc", In: insert(gradient(8, 8), makeChunk("zTXt", append([]byte("AIGC\x00\x00"), deflate(tongyi)...)))},
		{Name: "itxt-aigc", In: insert(gradient(8, 8), makeChunk("iTXt", append([]byte("AIGC\x00\x01\x00\x00\x00"), deflate(tongyi)...)))},
		{Name: "xmp-compressed", In: insert(gradient(8, 8), makeChunk("iTXt", append([]byte(xmpKeyword+"\x00\x01\x00\x00\x00"), deflate(string(xmpPacket()))...)))},
		{Name: "cabx", In: insert(gradient(8, 8), makeChunk("caBX", []byte("\x00\x00\x00\x10jumbc2pa-manifest")))},
	}
	wantKinds := map[string]string{"text-aigc": "png-text", "ztxt-aigc": "png-ztxt", "itxt-aigc": "png-itxt", "xmp-compressed": "xmp"}
	for _, c := range cases {
		md, err := Codec{}.Read(c.In)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if k := wantKinds[c.Name]; k != "" {
			if len(md.Records) != 1 || md.Records[0].Kind != k {
				t.Fatalf("%s: records %+v", c.Name, md.Records)
			}
			if _, _, err := aigc.Parse(md.Records[0].Payload); err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	}
	xmptest.CheckCarrier(t, Codec{}, ".png", decode, cases, "PNG:AIGC")
	out, _ := Codec{}.Write(cases[0].In, xmptest.Rec1)
	if !bytes.Equal(out[33+4:33+8], []byte("iTXt")) {
		t.Error("XMP chunk not right after IHDR")
	}
}

// TestExiftoolMetadata: EXIF, XMP and ICC written by exiftool survive, and a
// UserComment record in eXIf moves to XMP.
func TestExiftoolMetadata(t *testing.T) {
	et := testenv.Tool(t, "exiftool")
	rec := `{"AIGC":{"Label":"1","ContentProducer":"MiniMax","ProduceID":"abc"}}`
	p := filepath.Join(t.TempDir(), "a.png")
	os.WriteFile(p, gradient(16, 16), 0o644)
	out, err := exec.Command(et, "-q", "-overwrite_original", "-EXIF:UserComment="+rec, "-EXIF:Make=Cam",
		"-XMP-dc:Title=Hello", "-XMP-iptcExt:DigitalSourceType=urn:t", "-PNG:Software=Gen Y", p).CombinedOutput()
	if err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	b, _ := os.ReadFile(p)
	md, err := Codec{}.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Records) != 1 || md.Records[0].Kind != "exif-usercomment" || string(md.Records[0].Payload) != rec {
		t.Fatalf("records %+v", md.Records)
	}
	var kinds []string
	for _, f := range md.Foreign {
		kinds = append(kinds, f.Kind+"="+f.Value)
	}
	if got := strings.Join(kinds, " "); !strings.Contains(got, "iptc-digital-source-type=urn:t") || !strings.Contains(got, "generator=Gen Y") {
		t.Errorf("foreign: %s", got)
	}
	xmptest.CheckCarrier(t, Codec{}, ".png", decode, []xmptest.Case{{Name: "exiftool", In: b}}, "PNG:AIGC")
}

func TestCorpus(t *testing.T) {
	var cases []xmptest.Case
	cases = append(cases, xmptest.CorpusFiles(t, "images", ".png")...)
	cases = append(cases, xmptest.CorpusFiles(t, "c2pa", ".png")...)
	want := map[string]string{ // records each real labeled file holds
		"doubao":  "xmp",
		"jimeng":  "xmp",
		"tongyi":  "png-text",
		"derived": "exif-usercomment xmp-usercomment",
	}
	found := 0
	for _, c := range xmptest.CorpusFiles(t, "aigc-real", ".png") {
		if format.Sniff(c.In) != format.PNG {
			continue
		}
		cases = append(cases, c)
		md, err := Codec{}.Read(c.In)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var kinds []string
		for _, r := range md.Records {
			kinds = append(kinds, r.Kind)
			if _, _, err := aigc.Parse(r.Payload); err != nil {
				t.Errorf("%s: %s record does not parse: %v", c.Name, r.Kind, err)
			}
		}
		for k, v := range want {
			if strings.Contains(c.Name, k) {
				found++
				if got := strings.Join(kinds, " "); got != v {
					t.Errorf("%s: records %q, want %q", c.Name, got, v)
				}
			}
		}
	}
	if found < 9 {
		t.Errorf("checked %d labeled corpus PNGs, want 9", found)
	}
	xmptest.CheckCarrier(t, Codec{}, ".png", decode, cases, "PNG:AIGC")
}

func TestMalformed(t *testing.T) {
	good := gradient(8, 8)
	badCRC := append([]byte{}, good...)
	badCRC[8+8+13] ^= 1
	huge := append([]byte{}, good...)
	binary.BigEndian.PutUint32(huge[8:], 0x7FFFFFF0)
	noIEND := good[:len(good)-12]
	cases := map[string][]byte{
		"empty": nil, "signature": good[:8], "bad crc": badCRC, "huge length": huge, "no IEND": noIEND,
		"truncated": good[:len(good)/2], "not IHDR first": append(append([]byte(signature), makeChunk("IDAT", nil)...), makeChunk("IEND", nil)...),
	}
	for name, b := range cases {
		for op, f := range map[string]func() error{
			"Read":        func() error { _, err := Codec{}.Read(b); return err },
			"Write":       func() error { _, err := Codec{}.Write(b, xmptest.Rec1); return err },
			"ContentHash": func() error { _, err := Codec{}.ContentHash(b); return err },
		} {
			err := f()
			var fe *format.FormatError
			if !errors.As(err, &fe) || fe.Format != format.PNG {
				t.Errorf("%s %s: %v, want *format.FormatError for png", name, op, err)
			}
		}
	}
	_, err := Codec{}.Read(badCRC)
	if fe := (*format.FormatError)(nil); errors.As(err, &fe) && fe.Offset != 8+8+13 {
		t.Errorf("bad CRC reported at offset %d, want %d", fe.Offset, 8+8+13)
	}
	// A zTXt bomb is not inflated past the limit.
	bomb := insert(good, makeChunk("zTXt", append([]byte("AIGC\x00\x00"), deflate(strings.Repeat("a", MaxInflated+10))...)))
	if md, err := (Codec{}).Read(bomb); err != nil || len(md.Records) != 0 {
		t.Errorf("bomb: %v %+v", err, md)
	}
}

func TestTransplant(t *testing.T) {
	et := testenv.Tool(t, "exiftool")
	p := filepath.Join(t.TempDir(), "o.png")
	os.WriteFile(p, gradient(16, 12), 0o644)
	if out, err := exec.Command(et, "-q", "-overwrite_original", "-EXIF:Make=Cam", "-XMP-dc:Title=Hello", "-PNG:Gamma=2.2", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	orig, _ := os.ReadFile(p)
	orig = insert(orig, makeChunk("caBX", []byte("c2pa-store")), makeChunk("bKGD", []byte{0, 0, 0, 0, 0, 0}))
	// A text chunk after IDAT.
	orig = append(orig[:len(orig)-12], append(makeChunk("tEXt", []byte("Comment\x00after")), orig[len(orig)-12:]...)...)
	if _, err := decode(orig); err != nil {
		t.Fatal(err)
	}
	enc := paletted() // a different encoding of different pixels: what matters is the chunks
	out, err := TransplantMetadata(orig, enc)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := decode(enc)
	b, err := decode(out)
	if err != nil || !xmptest.SamePixels(a, b) {
		t.Fatalf("transplanted file decodes differently: %v", err)
	}
	q := filepath.Join(t.TempDir(), "t.png")
	os.WriteFile(q, out, 0o644)
	got, err := exec.Command(et, "-s3", "-Make", "-Title", "-Gamma", "-Comment", q).Output()
	if err != nil || string(got) != "Cam\nHello\n2.2\nafter\n" {
		t.Errorf("exiftool reads %q (%v)", got, err)
	}
	if !bytes.Contains(out, []byte("c2pa-store")) || bytes.Contains(out, []byte("bKGD")) || !bytes.Contains(out, []byte("tRNS")) {
		t.Error("caBX lost, bKGD copied or encoded tRNS lost")
	}
	if i, j := bytes.Index(out, []byte("IDAT")), bytes.Index(out, []byte("Comment")); j < i {
		t.Error("text after IDAT moved before it")
	}
}

func xmpPacket() []byte {
	return []byte(`<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"??><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>image/png</dc:format><TC260:AIGC>{&quot;Label&quot;:&quot;1&quot;,&quot;ProduceID&quot;:&quot;x&quot;}</TC260:AIGC></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
}

func seeds() [][]byte {
	return [][]byte{
		gradient(4, 4),
		insert(paletted(), makeChunk("tEXt", []byte("AIGC\x00"+tongyi)), makeChunk("iTXt", append([]byte(xmpKeyword+"\x00\x00\x00\x00\x00"), xmpPacket()...))),
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { xmptest.FuzzRead(t, Codec{}, b) })
}

func FuzzWriteRead(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		xmptest.FuzzWriteRead(t, Codec{}, b)
		xmptest.SameAsGeneral(t, Codec{}, b, appendWritePackets)
	})
}

// TestImageDataCRC pins the decision in the package comment: a bad CRC on
// image data is not the carrier's to report (image/png reports it when it
// decodes), the chunk is kept byte for byte, and ContentHash covers it, so a
// seal over the original fails on the damaged file; a bad CRC on a metadata
// chunk is still a *format.FormatError.
func TestImageDataCRC(t *testing.T) {
	good := gradient(8, 8)
	f, err := parse(good, nil)
	if err != nil {
		t.Fatal(err)
	}
	var idat *chunk
	for i := range f.chunks {
		if f.chunks[i].typ == "IDAT" {
			idat = &f.chunks[i]
		}
	}
	bad := append([]byte{}, good...)
	bad[idat.end-1] ^= 1 // the IDAT CRC
	if _, err := stdpng.Decode(bytes.NewReader(bad)); err == nil {
		t.Fatal("image/png decoded a PNG whose IDAT CRC is wrong")
	}
	if _, err := (Codec{}).Read(bad); err != nil {
		t.Errorf("Read: %v", err)
	}
	out, err := Codec{}.Write(bad, xmptest.Rec1)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Contains(out, bad[idat.off:idat.end]) {
		t.Error("Write did not keep the damaged IDAT chunk byte for byte")
	}
	hGood, _ := Codec{}.ContentHash(good)
	hBad, err := Codec{}.ContentHash(bad)
	if err != nil || hGood == hBad {
		t.Errorf("ContentHash of the damaged file: %x, %v; want a hash different from %x", hBad, err, hGood)
	}
	meta := insert(good, makeChunk("tEXt", []byte("Software\x00x")))
	mf, _ := parse(meta, nil)
	for i := range mf.chunks {
		if c := &mf.chunks[i]; c.typ == "tEXt" {
			meta[c.end-1] ^= 1
			_, err := Codec{}.Read(meta)
			var fe *format.FormatError
			if !errors.As(err, &fe) || fe.Offset != int64(c.end-4) {
				t.Errorf("bad tEXt CRC: %v, want *format.FormatError at offset %d", err, c.end-4)
			}
		}
	}
}

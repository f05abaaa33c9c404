package webp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	xwebp "golang.org/x/image/webp"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/xmp/xmptest"
)

func decode(b []byte) (image.Image, error) { return xwebp.Decode(bytes.NewReader(b)) }

func init() {
	// The RIFF size and the VP8X chunk change with the XMP chunk.
	xmptest.Header = func(b []byte) [][2]int64 {
		r := [][2]int64{{4, 8}}
		if len(b) >= 30 && string(b[12:16]) == "VP8X" {
			r = append(r, [2]int64{12, 30})
		}
		return r
	}
}

// fixtures are small files cwebp and img2webp wrote (testdata/README.md).
func fixtures(t testing.TB) []xmptest.Case {
	t.Helper()
	var cs []xmptest.Case
	for _, n := range []string{"lossy", "lossless-alpha", "lossy-alpha", "meta", "anim"} {
		b, err := os.ReadFile(filepath.Join("testdata", n+".webp"))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, xmptest.Case{Name: n, In: b})
	}
	return cs
}

// withChunk appends a chunk to the RIFF data and fixes the RIFF size.
func withChunk(b []byte, id string, data []byte) []byte {
	out := append(append([]byte{}, b...), makeChunk(id, data)...)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func TestFixtures(t *testing.T) {
	cs := fixtures(t)
	md, err := Codec{}.Read(cs[3].In)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Records) != 1 || md.Records[0].Kind != "exif-usercomment" {
		t.Fatalf("meta.webp records %+v", md.Records)
	}
	var kinds []string
	for _, f := range md.Foreign {
		kinds = append(kinds, f.Kind+"="+f.Value)
	}
	if got := strings.Join(kinds, " "); got != "generator=Gen W iptc-digital-source-type=urn:w" {
		t.Errorf("foreign %s", got)
	}
	cs = append(cs,
		xmptest.Case{Name: "c2pa", In: withChunk(cs[0].In, "C2PA", []byte("\x00\x00\x00\x10jumbc2pa-store!"))},
		xmptest.Case{Name: "odd-unknown", In: withChunk(cs[2].In, "ABCD", []byte("odd"))},
	)
	xmptest.CheckCarrier(t, Codec{}, ".webp", decode, cs, "RIFF:*")
	checkLibwebp(t, cs)
}

// checkLibwebp decodes input and labeled output with libwebp's dwebp, which
// validates the extended container strictly (VP8X flags and canvas size), and
// compares the pixels.
func checkLibwebp(t *testing.T, cs []xmptest.Case) {
	dwebp := testenv.Tool(t, "dwebp")
	webpmux := testenv.Tool(t, "webpmux")
	dir := t.TempDir()
	for _, c := range cs {
		out, err := Codec{}.Write(c.In, xmptest.Rec1)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		in, o := filepath.Join(dir, c.Name+".in.webp"), filepath.Join(dir, c.Name+".out.webp")
		os.WriteFile(in, c.In, 0o644)
		os.WriteFile(o, out, 0o644)
		info, err := exec.Command(webpmux, "-info", o).CombinedOutput()
		if err != nil || !strings.Contains(string(info), "XMP metadata") {
			t.Errorf("%s: webpmux -info: %v\n%s", c.Name, err, info)
		}
		got, err := exec.Command(webpmux, "-get", "xmp", o, "-o", "-").Output()
		if err != nil || !bytes.Equal(got, mustRead(t, c.Name, out)) {
			t.Errorf("%s: webpmux -get xmp differs from the packet Read finds (%v)", c.Name, err)
		}
		if c.Name == "anim" {
			continue // dwebp does not decode animations
		}
		var ppm [2][]byte
		for i, p := range []string{in, o} {
			if ppm[i], err = exec.Command(dwebp, "-quiet", "-pam", p, "-o", "-").Output(); err != nil {
				t.Errorf("%s: dwebp %s: %v", c.Name, filepath.Base(p), err)
			}
		}
		if !bytes.Equal(ppm[0], ppm[1]) {
			t.Errorf("%s: dwebp decodes different pixels after labeling", c.Name)
		}
	}
}

func mustRead(t *testing.T, name string, b []byte) []byte {
	md, err := Codec{}.Read(b)
	if err != nil || len(md.XMP) != 1 {
		t.Fatalf("%s: %v, %d XMP packets", name, err, len(md.XMP))
	}
	return md.XMP[0].Payload
}

func TestConversionToExtended(t *testing.T) {
	for _, c := range fixtures(t)[:2] {
		out, err := Codec{}.Write(c.In, xmptest.Rec1)
		if err != nil {
			t.Fatal(err)
		}
		if string(out[12:16]) != "VP8X" {
			t.Fatalf("%s: first chunk %q", c.Name, out[12:16])
		}
		flags := out[20]
		cfg, err := xwebp.DecodeConfig(bytes.NewReader(c.In))
		if err != nil {
			t.Fatal(err)
		}
		w := int(out[24]) | int(out[25])<<8 | int(out[26])<<16
		h := int(out[27]) | int(out[28])<<8 | int(out[29])<<16
		if w+1 != cfg.Width || h+1 != cfg.Height {
			t.Errorf("%s: canvas %dx%d, image %dx%d", c.Name, w+1, h+1, cfg.Width, cfg.Height)
		}
		wantAlpha := c.Name == "lossless-alpha"
		if flags&flagXMP == 0 || (flags&flagAlpha != 0) != wantAlpha {
			t.Errorf("%s: flags %08b", c.Name, flags)
		}
		if int(binary.LittleEndian.Uint32(out[4:])) != len(out)-8 {
			t.Errorf("%s: RIFF size not updated", c.Name)
		}
	}
}

func TestCorpus(t *testing.T) {
	cs := xmptest.CorpusFiles(t, "c2pa", ".webp")
	xmptest.CheckCarrier(t, Codec{}, ".webp", decode, cs, "RIFF:*")
}

func TestMalformed(t *testing.T) {
	good := fixtures(t)[0].In
	huge := append([]byte{}, good...)
	binary.LittleEndian.PutUint32(huge[4:], 0x7FFFFFF0)
	bigChunk := append([]byte{}, good...)
	binary.LittleEndian.PutUint32(bigChunk[16:], 0x7FFFFFF0)
	badVP8 := append([]byte{}, good...)
	badVP8[23] = 0
	cases := map[string][]byte{"empty": nil, "header": good[:12], "riff size": huge, "chunk size": bigChunk,
		"truncated": good[:len(good)-5], "no image": withChunk(good[:12], "ABCD", []byte("x"))}
	for name, b := range cases {
		for op, f := range map[string]func() error{
			"Read":        func() error { _, err := Codec{}.Read(b); return err },
			"Write":       func() error { _, err := Codec{}.Write(b, xmptest.Rec1); return err },
			"ContentHash": func() error { _, err := Codec{}.ContentHash(b); return err },
		} {
			if name == "no image" && op != "Write" {
				continue
			}
			err := f()
			var fe *format.FormatError
			if !errors.As(err, &fe) || fe.Format != format.WebP {
				t.Errorf("%s %s: %v, want *format.FormatError for webp", name, op, err)
			}
		}
	}
	if _, err := (Codec{}).Write(badVP8, xmptest.Rec1); err == nil {
		t.Error("VP8 without start code converted")
	}
}

// TestExiftoolReads checks the property exiftool reads in an output, beside
// what CheckCarrier does, for a record with every field set.
func TestExiftoolReads(t *testing.T) {
	et := testenv.Tool(t, "exiftool")
	rec := aigc.Record{Label: "3", ContentProducer: "001191330106MA2CFLDG4R10001", ProduceID: "a/b", ReservedCode1: `{"x":"<&>"}`,
		ContentPropagator: "c", PropagateID: "d", ReservedCode2: "e"}
	out, err := Codec{}.Write(fixtures(t)[0].In, rec)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "o.webp")
	os.WriteFile(p, out, 0o644)
	got, err := exec.Command(et, "-s3", "-XMP-TC260:Aigc", p).Output()
	if err != nil || strings.TrimSpace(string(got)) != string(rec.Marshal()) {
		t.Errorf("exiftool reads %q (%v), want %s", got, err, rec.Marshal())
	}
}

func FuzzRead(f *testing.F) {
	for _, c := range fixtures(f) {
		f.Add(c.In)
	}
	f.Fuzz(func(t *testing.T, b []byte) { xmptest.FuzzRead(t, Codec{}, b) })
}

func FuzzWriteRead(f *testing.F) {
	for _, c := range fixtures(f) {
		f.Add(c.In)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		xmptest.FuzzWriteRead(t, Codec{}, b)
		xmptest.SameAsGeneral(t, Codec{}, b, appendWritePackets)
	})
}

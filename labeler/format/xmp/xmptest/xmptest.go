// Package xmptest checks image carriers that store the label in XMP (jpeg,
// png, webp) against independent readers: the format's Go decoder for pixels
// and exiftool for metadata. It is for tests only.
package xmptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/formattest"
)

// Records used by the checks: the second relabels the first.
var (
	Rec1 = aigc.Record{Label: "1", ContentProducer: "001191110102MACQD9K64010000", ProduceID: "aigclabel-test-0001"}
	Rec2 = aigc.Record{Label: "2", ContentProducer: "00119144030008867405X210001", ProduceID: "aigclabel-test-0002",
		ReservedCode1: `{"SecurityData":{"Type":"x"}}`, ContentPropagator: "00119144030008867405X220001", PropagateID: "p/2"}
)

// Case is one input file.
type Case struct {
	Name string
	In   []byte
}

// Decoder decodes a file's pixels.
type Decoder func([]byte) (image.Image, error)

// OnlyRecord asserts md holds exactly one record, in XMP, equal to want.
func OnlyRecord(t testing.TB, md *format.Metadata, want aigc.Record) {
	t.Helper()
	if len(md.Records) != 1 {
		t.Fatalf("%d records, want 1: %+v", len(md.Records), md.Records)
	}
	if md.Records[0].Kind != "xmp" || !bytes.Equal(md.Records[0].Payload, want.Marshal()) {
		t.Fatalf("record %s %s, want xmp %s", md.Records[0].Kind, md.Records[0].Payload, want.Marshal())
	}
}

// CheckCarrier labels every case twice (Rec1, then Rec2) and checks:
// exactly one record is read back each time; the content hash is the same
// for the input and both outputs; decoded pixels are identical; foreign
// provenance (C2PA) is byte-identical; and, when exiftool is installed, it
// reads Rec1 as XMP-TC260:Aigc and every other tag it reports is unchanged,
// except those named in ignore (exiftool group:tag keys; a trailing '*'
// matches a prefix).
func CheckCarrier(t *testing.T, c format.Codec, ext string, decode Decoder, cases []Case, ignore ...string) {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for _, tc := range cases {
		out1, out2 := checkOne(t, c, decode, tc)
		if out1 == nil {
			continue
		}
		in := filepath.Join(dir, tc.Name+".in"+ext)
		o1 := filepath.Join(dir, tc.Name+".out1"+ext)
		o2 := filepath.Join(dir, tc.Name+".out2"+ext)
		for p, b := range map[string][]byte{in: tc.In, o1: out1, o2: out2} {
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		files = append(files, in, o1, o2)
	}
	if len(files) == 0 {
		return
	}
	et := testenv.Tool(t, "exiftool")
	out, err := exec.Command(et, append([]string{"-j", "-a", "-G1", "-struct"}, files...)...).Output()
	if err != nil {
		t.Fatalf("exiftool: %v", err)
	}
	var tags []map[string]any
	if err := json.Unmarshal(out, &tags); err != nil {
		t.Fatalf("exiftool JSON: %v", err)
	}
	byFile := map[string]map[string]any{}
	for _, m := range tags {
		byFile[m["SourceFile"].(string)] = m
	}
	ignore = append(ignore, "SourceFile", "System:*", "File:*", "ExifTool:*", "Composite:*", "XMP-TC260:*", "*:UserComment", "XMP-x:XMPToolkit")
	for i := 0; i < len(files); i += 3 {
		in, o1, o2 := byFile[files[i]], byFile[files[i+1]], byFile[files[i+2]]
		name := filepath.Base(files[i])
		for j, want := range []aigc.Record{Rec1, Rec2} {
			got, _ := []map[string]any{o1, o2}[j]["XMP-TC260:Aigc"].(string)
			if got != string(want.Marshal()) {
				t.Errorf("%s: exiftool reads XMP-TC260:Aigc %q, want %s", name, got, want.Marshal())
			}
		}
		for k, v := range in {
			if ignored(k, ignore) {
				continue
			}
			if w, err := json.Marshal(v); err == nil {
				g, _ := json.Marshal(o1[k])
				if !bytes.Equal(w, g) {
					t.Errorf("%s: exiftool tag %s changed: %s -> %s", name, k, w, g)
				}
			}
		}
		for k := range o1 {
			if _, ok := in[k]; !ok && !ignored(k, ignore) {
				t.Errorf("%s: exiftool tag %s appeared: %v", name, k, o1[k])
			}
		}
	}
}

func ignored(k string, ignore []string) bool {
	for _, p := range ignore {
		if p == k {
			return true
		}
		if strings.HasSuffix(p, "*") && strings.HasPrefix(k, p[:len(p)-1]) {
			return true
		}
		if strings.HasPrefix(p, "*") && strings.HasSuffix(k, p[1:]) {
			return true
		}
	}
	return false
}

func checkOne(t *testing.T, c format.Codec, decode Decoder, tc Case) (out1, out2 []byte) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(tc.Name+": "+format, args...)
	}
	mdIn, err := c.Read(tc.In)
	if err != nil {
		fail("Read input: %v", err)
		return nil, nil
	}
	h0, err := c.ContentHash(tc.In)
	if err != nil {
		fail("ContentHash input: %v", err)
		return nil, nil
	}
	out1, err = c.Write(tc.In, Rec1)
	if err != nil {
		fail("Write: %v", err)
		return nil, nil
	}
	out2, err = c.Write(out1, Rec2)
	if err != nil {
		fail("relabel: %v", err)
		return nil, nil
	}
	formattest.SameAsWrite(t, c, tc.In, Rec1, out1)
	formattest.SameAsWrite(t, c, out1, Rec2, out2)
	for i, o := range [][]byte{out1, out2} {
		md, err := c.Read(o)
		if err != nil {
			fail("Read output %d: %v", i+1, err)
			continue
		}
		OnlyRecord(t, md, []aigc.Record{Rec1, Rec2}[i])
		if h, err := c.ContentHash(o); err != nil || h != h0 {
			fail("ContentHash of output %d = %x (%v), input %x", i+1, h, err, h0)
		}
		SameForeign(t, tc.Name, tc.In, mdIn, o, md)
		if msg := OutsideSlots(tc.In, mdIn, o, md); msg != "" {
			fail("output %d: %s", i+1, msg)
		}
	}
	if decode != nil {
		a, err := decode(tc.In)
		if err != nil {
			t.Logf("%s: input does not decode (%v); pixel check skipped", tc.Name, err)
			return out1, out2
		}
		b, err := decode(out2)
		if err != nil {
			fail("labeled output does not decode: %v", err)
		} else if !SamePixels(a, b) {
			fail("pixels changed")
		}
	}
	return out1, out2
}

// Header returns, for a container whose header changes with its contents
// (WebP: the RIFF size and the VP8X chunk), the byte ranges to treat as part
// of the slot. Carrier tests set it; nil means none.
var Header func(b []byte) [][2]int64

// OutsideSlots compares in and out with their slots removed: every XMP
// container, every AIGC text container of in (Write removes those), and the
// Header ranges. What remains must be byte-identical, except inside the
// containers of in's EXIF UserComment records, which Write blanks in place
// (and whose chunk CRC then changes). It returns "" or what differs.
func OutsideSlots(in []byte, mdIn *format.Metadata, out []byte, mdOut *format.Metadata) string {
	var rin, rout, blank [][2]int64
	for _, s := range mdIn.XMP {
		rin = append(rin, [2]int64{s.Offset, s.Offset + s.Length})
	}
	for _, s := range mdOut.XMP {
		rout = append(rout, [2]int64{s.Offset, s.Offset + s.Length})
	}
	for _, s := range mdIn.Records {
		switch s.Kind {
		case "png-text", "png-ztxt", "png-itxt":
			rin = append(rin, [2]int64{s.Offset, s.Offset + s.Length})
		case "exif-usercomment":
			blank = append(blank, [2]int64{s.Offset, s.Offset + s.Length})
		}
	}
	if Header != nil {
		rin = append(rin, Header(in)...)
		rout = append(rout, Header(out)...)
	}
	a, amap := outside(in, rin)
	b, _ := outside(out, rout)
	if len(a) != len(b) {
		return fmt.Sprintf("%d bytes outside the slots, %d before", len(b), len(a))
	}
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		off := amap[i]
		ok := false
		for _, r := range blank {
			ok = ok || off >= r[0] && off < r[1]
		}
		if !ok {
			return fmt.Sprintf("byte at input offset %d changed outside the slots (%#02x -> %#02x)", off, a[i], b[i])
		}
	}
	return ""
}

// outside returns b without the ranges, and for each byte kept its offset in b.
func outside(b []byte, ranges [][2]int64) ([]byte, []int64) {
	drop := make([]bool, len(b))
	for _, r := range ranges {
		for i := max(r[0], 0); i < r[1] && i < int64(len(b)); i++ {
			drop[i] = true
		}
	}
	var kept []byte
	var offs []int64
	for i, c := range b {
		if !drop[i] {
			kept = append(kept, c)
			offs = append(offs, int64(i))
		}
	}
	return kept, offs
}

// SameForeign asserts that every C2PA store of the input is in the output
// with the same Data and the same raw container bytes.
func SameForeign(t testing.TB, name string, in []byte, mdIn *format.Metadata, out []byte, mdOut *format.Metadata) {
	t.Helper()
	var want, got []format.Foreign
	for _, f := range mdIn.Foreign {
		if f.Kind == "c2pa" {
			want = append(want, f)
		}
	}
	for _, f := range mdOut.Foreign {
		if f.Kind == "c2pa" {
			got = append(got, f)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d C2PA stores after writing, %d before", name, len(got), len(want))
		return
	}
	for i := range want {
		if !bytes.Equal(want[i].Data, got[i].Data) ||
			!bytes.Equal(in[want[i].Offset:want[i].Offset+want[i].Length], out[got[i].Offset:got[i].Offset+got[i].Length]) {
			t.Errorf("%s: C2PA store %d changed", name, i)
		}
	}
}

// SamePixels reports whether a and b have the same bounds and colours.
func SamePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	// Same concrete type: compare the sample arrays directly.
	switch a := a.(type) {
	case *image.RGBA:
		if b, ok := b.(*image.RGBA); ok {
			return bytes.Equal(a.Pix, b.Pix)
		}
	case *image.NRGBA:
		if b, ok := b.(*image.NRGBA); ok {
			return bytes.Equal(a.Pix, b.Pix)
		}
	case *image.RGBA64:
		if b, ok := b.(*image.RGBA64); ok {
			return bytes.Equal(a.Pix, b.Pix)
		}
	case *image.NRGBA64:
		if b, ok := b.(*image.NRGBA64); ok {
			return bytes.Equal(a.Pix, b.Pix)
		}
	case *image.Gray:
		if b, ok := b.(*image.Gray); ok {
			return bytes.Equal(a.Pix, b.Pix)
		}
	case *image.YCbCr:
		if b, ok := b.(*image.YCbCr); ok {
			return a.SubsampleRatio == b.SubsampleRatio && bytes.Equal(a.Y, b.Y) && bytes.Equal(a.Cb, b.Cb) && bytes.Equal(a.Cr, b.Cr)
		}
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// CorpusFiles returns the corpus files under sub whose names end in one of
// exts, read into Cases, with the subfolder in the name.
func CorpusFiles(t testing.TB, sub string, exts ...string) []Case {
	t.Helper()
	dir := testenv.Corpus(t, sub)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cs []Case
	for _, e := range ents {
		for _, x := range exts {
			if strings.HasSuffix(e.Name(), x) {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				cs = append(cs, Case{Name: sub + "_" + e.Name(), In: b})
			}
		}
	}
	return cs
}

// FuzzRead is the body of a carrier's FuzzRead: errors are format errors,
// and what Read accepts ContentHash accepts too.
func FuzzRead(t *testing.T, c format.Codec, b []byte) {
	t.Helper()
	if _, err := c.Read(b); err != nil {
		var fe *format.FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("error %T %v is not a *format.FormatError", err, err)
		}
		return
	}
	if _, err := c.ContentHash(b); err != nil {
		t.Fatalf("Read accepts but ContentHash fails: %v", err)
	}
}

// FuzzWriteRead is the body of a carrier's FuzzWriteRead: for input Read
// accepts and Write labels, the output reads back with exactly the written
// record and the same content hash.
func FuzzWriteRead(t *testing.T, c format.Codec, b []byte) {
	t.Helper()
	if _, err := c.Read(b); err != nil {
		return
	}
	out, err := c.Write(b, Rec2)
	if err != nil {
		return
	}
	md, err := c.Read(out)
	if err != nil {
		t.Fatalf("output does not read: %v", err)
	}
	OnlyRecord(t, md, Rec2)
	formattest.SameAsWrite(t, c, b, Rec2, out)
	formattest.Checker(t, c, b, Rec2)
	formattest.Checker(t, c, out, Rec2)
	formattest.Checker(t, c, out, Rec1)
	h1, _ := c.ContentHash(b)
	h2, err := c.ContentHash(out)
	if err != nil || h1 != h2 {
		t.Fatalf("content hash changed (%v)", err)
	}
}

// SameAsGeneral checks that a carrier's AppendWrite, whose common cases
// take an allocation-free path, writes into b what general (the path it
// falls back to for the rare ones) writes.
func SameAsGeneral(t testing.TB, c format.Appender, b []byte, general func(dst, b []byte, rec aigc.Record) ([]byte, error)) {
	t.Helper()
	got, err := c.AppendWrite(nil, b, Rec2)
	want, werr := general(nil, b, Rec2)
	if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("AppendWrite (%v) and the general path (%v) differ", err, werr)
	}
}

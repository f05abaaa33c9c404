package exif

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// buildTIFF writes a TIFF with IFD0 {Orientation, Software, ExifIFD} and an
// ExifIFD holding UserComment = comment.
func buildTIFF(bo binary.ByteOrder, comment []byte, software string) []byte {
	var b bytes.Buffer
	if bo == binary.BigEndian {
		b.WriteString("MM\x00*")
	} else {
		b.WriteString("II*\x00")
	}
	u16 := func(v uint16) { binary.Write(&b, bo, v) }
	u32 := func(v uint32) { binary.Write(&b, bo, v) }
	u32(8)
	sw := []byte(software + "\x00")
	// IFD0 at 8: 3 entries -> 2+36+4 = 42 bytes; software at 50; ExifIFD after.
	swOff := uint32(8 + 42)
	exifOff := swOff + uint32(len(sw))
	u16(3)
	u16(tagOrientation)
	u16(3)
	u32(1)
	u16(6)
	u16(0)
	u16(tagSoftware)
	u16(2)
	u32(uint32(len(sw)))
	u32(swOff)
	u16(tagExifIFD)
	u16(4)
	u32(1)
	u32(exifOff)
	u32(0)
	b.Write(sw)
	u16(1)
	u16(tagUserComment)
	u16(7)
	u32(uint32(len(comment)))
	u32(exifOff + 18)
	u32(0)
	b.Write(comment)
	return b.Bytes()
}

const wrapped = `{"AIGC":{"Label":"1","ContentProducer":"MiniMax","ProduceID":"06cf"}}`

func TestParseBothByteOrders(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		tf := buildTIFF(bo, []byte("ASCII\x00\x00\x00"+wrapped+"\x00"), "Gen 1.0")
		info, err := Parse(tf)
		if err != nil {
			t.Fatal(err)
		}
		u := info.UserComment
		if u == nil || u.Charset != "ASCII" || string(u.Text) != wrapped || !u.IsRecord() {
			t.Fatalf("%v: comment %+v", bo, u)
		}
		if info.Software != "Gen 1.0" || info.Orientation != 6 {
			t.Errorf("software %q orientation %d", info.Software, info.Orientation)
		}
		if !bytes.Equal(tf[u.Offset:u.Offset+u.Length], []byte("ASCII\x00\x00\x00"+wrapped+"\x00")) {
			t.Errorf("range does not hold the value")
		}
		BlankUserComment(tf, u)
		SetOrientation(tf, info, 1)
		info2, err := Parse(tf)
		if err != nil || info2.UserComment.Length != u.Length || len(info2.UserComment.Text) != 0 || info2.Orientation != 1 {
			t.Fatalf("after blanking: %+v %v", info2, err)
		}
		if !bytes.HasPrefix(tf[u.Offset:], []byte("ASCII\x00\x00\x00   ")) {
			t.Errorf("prefix not kept")
		}
	}
}

func TestUnicode(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		var body []byte
		for _, r := range "{\"Label\":\"1\",\"ProduceID\":\"标识\"}" {
			body = bo.(binary.AppendByteOrder).AppendUint16(body, uint16(r))
		}
		tf := buildTIFF(bo, append([]byte("UNICODE\x00"), body...), "x")
		info, err := Parse(tf)
		if err != nil || info.UserComment == nil {
			t.Fatal(err)
		}
		if got := string(info.UserComment.Text); got != "{\"Label\":\"1\",\"ProduceID\":\"标识\"}" || !info.UserComment.IsRecord() {
			t.Errorf("%v: %q", bo, got)
		}
		BlankUserComment(tf, info.UserComment)
		info, _ = Parse(tf)
		if len(info.UserComment.Text) != 0 {
			t.Errorf("not blank: %q", info.UserComment.Text)
		}
	}
}

// TestExiftoolWritten reads a UserComment that exiftool wrote, so the
// reader is checked against an independent writer.
func TestExiftoolWritten(t *testing.T) {
	et := testenv.Tool(t, "exiftool")
	dir := t.TempDir()
	p := filepath.Join(dir, "a.jpg")
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil)
	os.WriteFile(p, b.Bytes(), 0o644)
	if out, err := exec.Command(et, "-q", "-overwrite_original", "-UserComment="+wrapped, "-Software=ToolX", "-Orientation#=3", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	j, _ := os.ReadFile(p)
	i := bytes.Index(j, []byte("Exif\x00\x00"))
	if i < 0 {
		t.Fatal("no Exif APP1")
	}
	segLen := int(binary.BigEndian.Uint16(j[i-2:]))
	info, err := Parse(j[i+6 : i-2+segLen])
	if err != nil {
		t.Fatal(err)
	}
	if info.UserComment == nil || string(info.UserComment.Text) != wrapped || info.Software != "ToolX" || info.Orientation != 3 {
		t.Fatalf("%+v %+v", info, info.UserComment)
	}
}

func TestMalformed(t *testing.T) {
	good := buildTIFF(binary.LittleEndian, []byte("ASCII\x00\x00\x00"+wrapped), "x")
	cases := map[string][]byte{
		"short":     good[:5],
		"magic":     append([]byte("XX*\x00"), good[4:]...),
		"truncated": good[:len(good)-10],
		"ifd0":      append(append([]byte{}, good[:4]...), 0xff, 0xff, 0xff, 0x7f),
	}
	huge := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(huge[8:], 60000)
	cases["count"] = huge
	for name, tf := range cases {
		_, err := Parse(tf)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v, want *Error", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(buildTIFF(binary.LittleEndian, []byte("ASCII\x00\x00\x00"+wrapped), "x"))
	f.Add(buildTIFF(binary.BigEndian, []byte("UNICODE\x00\x00{\x00}"), "y"))
	f.Fuzz(func(t *testing.T, tf []byte) {
		info, err := Parse(tf)
		if err != nil || info.UserComment == nil {
			return
		}
		c := append([]byte(nil), tf...)
		BlankUserComment(c, info.UserComment)
		SetOrientation(c, info, 1)
		after, err := Parse(c)
		if err != nil {
			t.Fatalf("blanked data no longer parses: %v", err)
		}
		if after.UserComment == nil || after.UserComment.IsRecord() {
			t.Fatalf("record survived blanking")
		}
	})
}

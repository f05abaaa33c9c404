package labeler

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/webp"
)

const producer = "001191110102MACQD9K64010000"

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 3), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fixed() Options {
	return Options{Producer: producer, Clock: func() time.Time { return time.UnixMilli(1764000000000) }, Rand: bytes.NewReader(make([]byte, 64))}
}

func readRecords(t *testing.T, b []byte) []aigc.Record {
	t.Helper()
	codec, err := CodecFor(format.Sniff(b))
	if err != nil {
		t.Fatal(err)
	}
	md, err := codec.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	var recs []aigc.Record
	for _, s := range md.Records {
		r, _, err := aigc.Parse(s.Payload)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestLabelMetadataOnly(t *testing.T) {
	in := testPNG(t, 40, 30)
	res, err := Label(context.Background(), in, fixed())
	if err != nil {
		t.Fatal(err)
	}
	want := aigc.Record{Label: "1", ContentProducer: producer, ProduceID: res.Record.ProduceID}
	if res.Record != want || len(res.Record.ProduceID) != 26 {
		t.Errorf("record = %+v", res.Record)
	}
	a, _ := png.Decode(bytes.NewReader(in))
	b, err := png.Decode(bytes.NewReader(res.Output))
	if err != nil {
		t.Fatalf("image/png rejects the output: %v", err)
	}
	if !bytes.Equal(a.(*image.RGBA).Pix, b.(*image.RGBA).Pix) {
		t.Error("metadata-only labeling changed pixels")
	}
	// Same input and options give the same bytes (determinism).
	again, _ := Label(context.Background(), in, fixed())
	if !bytes.Equal(again.Output, res.Output) {
		t.Error("labeling is not deterministic")
	}
	// Relabeling replaces the record.
	opts := fixed()
	opts.ProduceID, opts.Label = "second", "2"
	re, err := Label(context.Background(), res.Output, opts)
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, re.Output)
	if len(recs) != 1 || recs[0].ProduceID != "second" || recs[0].Label != "2" {
		t.Errorf("after relabeling: %+v", recs)
	}
}

func TestLabelErrors(t *testing.T) {
	in := testPNG(t, 8, 8)
	if _, err := Label(context.Background(), in, Options{}); !errors.Is(err, ErrNoProducer) {
		t.Errorf("no producer: %v", err)
	}
	o := fixed()
	o.Label = "9"
	var v aigc.ValidationError
	if _, err := Label(context.Background(), in, o); !errors.As(err, &v) {
		t.Errorf("bad label: %v", err)
	}
	var u *format.UnsupportedError
	if _, err := Label(context.Background(), []byte{0, 1, 2, 3}, fixed()); !errors.As(err, &u) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := Label(context.Background(), []byte("just some words"), fixed()); !errors.As(err, &u) {
		t.Errorf("plain text without content labels: %v", err)
	}
}

func TestLabelPlainTextExplicit(t *testing.T) {
	o := fixed()
	o.Explicit = &ExplicitOptions{}
	res, err := Label(context.Background(), []byte("A short story.\n"), o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(res.Output, []byte("AI生成")) {
		t.Errorf("output lacks the wording: %q", res.Output)
	}
	o.Rand = bytes.NewReader(make([]byte, 64))
	twice, err := Label(context.Background(), res.Output, o)
	if err != nil || !bytes.Equal(twice.Output, res.Output) {
		t.Errorf("labeling labeled text again changed it: %q (%v)", twice.Output, err)
	}
}

func TestLabelImageExplicit(t *testing.T) {
	in := testPNG(t, 400, 300)
	o := fixed()
	o.Explicit = &ExplicitOptions{}
	res, err := Label(context.Background(), in, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != format.PNG || len(readRecords(t, res.Output)) != 1 {
		t.Errorf("format %s, records %v", res.Format, readRecords(t, res.Output))
	}
	a, _ := png.Decode(bytes.NewReader(in))
	b, err := png.Decode(bytes.NewReader(res.Output))
	if err != nil {
		t.Fatal(err)
	}
	// Pixels changed only in the bottom-right quarter.
	changed := image.Rectangle{}
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			if a.At(x, y) != b.At(x, y) {
				changed = changed.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if changed.Empty() || changed.Min.X < 200 || changed.Min.Y < 150 {
		t.Errorf("changed region %v is not a bottom-right label", changed)
	}
}

func TestPropagate(t *testing.T) {
	labeled, err := Label(context.Background(), testPNG(t, 16, 16), fixed())
	if err != nil {
		t.Fatal(err)
	}
	p := PropagateOptions{Propagator: "001191110108335469089C20100", PropagateID: "P1"}
	once, err := Propagate(context.Background(), labeled.Output, p)
	if err != nil {
		t.Fatal(err)
	}
	want := labeled.Record
	want.ContentPropagator, want.PropagateID = p.Propagator, "P1"
	if recs := readRecords(t, once.Output); len(recs) != 1 || recs[0] != want {
		t.Errorf("after propagation: %+v, want %+v", recs, want)
	}
	// A second platform replaces the first one's fields; the producer's stay.
	p2 := PropagateOptions{Propagator: "00119144030008867405X220001", PropagateID: "P2"}
	twice, err := Propagate(context.Background(), once.Output, p2)
	if err != nil {
		t.Fatal(err)
	}
	want.ContentPropagator, want.PropagateID = p2.Propagator, "P2"
	if recs := readRecords(t, twice.Output); len(recs) != 1 || recs[0] != want {
		t.Errorf("after second propagation: %+v, want %+v", recs, want)
	}
	// No record and no verdict: refused. No record, verdict given: a record
	// with the verdict's Label and the platform's fields.
	bare := testPNG(t, 16, 16)
	if _, err := Propagate(context.Background(), bare, p); !errors.Is(err, ErrNothingToPropagate) {
		t.Errorf("propagating an unlabeled file: %v", err)
	}
	p.Label = aigc.LabelSuspected
	res, err := Propagate(context.Background(), bare, p)
	if err != nil {
		t.Fatal(err)
	}
	if recs := readRecords(t, res.Output); len(recs) != 1 || recs[0] != (aigc.Record{Label: "3", ContentPropagator: p.Propagator, PropagateID: "P1"}) {
		t.Errorf("propagating with a verdict: %+v", recs)
	}
}

// TestWebPToPNGKeepsMetadata: a WebP whose pixels change is written as PNG (no
// pure-Go WebP encoder); its EXIF must come along.
func TestWebPToPNGKeepsMetadata(t *testing.T) {
	cwebp := testenv.Tool(t, "cwebp")
	dir := t.TempDir()
	src := testenv.Corpus(t, "images", "exif_Landscape_6.jpg")
	dst := filepath.Join(dir, "t.webp")
	if out, err := exec.Command(cwebp, "-quiet", "-metadata", "exif", "-q", "80", src, "-o", dst).CombinedOutput(); err != nil {
		t.Fatalf("cwebp: %v\n%s", err, out)
	}
	in, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	webpMeta, err := webp.Extract(in)
	if err != nil || len(webpMeta.EXIF) == 0 {
		t.Fatalf("test input has no EXIF: %v", err)
	}
	o := fixed()
	o.Explicit = &ExplicitOptions{}
	res, err := Label(context.Background(), in, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != format.PNG {
		t.Fatalf("format %s, want png", res.Format)
	}
	if _, err := png.Decode(bytes.NewReader(res.Output)); err != nil {
		t.Fatalf("image/png rejects the output: %v", err)
	}
	if !bytes.Contains(res.Output, append([]byte("eXIf"), webpMeta.EXIF[:16]...)) {
		t.Error("the WebP's EXIF is not in the PNG's eXIf chunk")
	}
	if len(readRecords(t, res.Output)) != 1 {
		t.Error("the PNG lacks its record")
	}
}

// TestAppendLabel checks that AppendLabel appends exactly Label's output, for
// every corpus file of every binary carrier, and for HTML (a codec without
// format.Appender), after a prefix it leaves alone and, when the buffer has
// room, in the caller's memory.
func TestAppendLabel(t *testing.T) {
	inputs := map[string][]byte{
		"synthetic.png": testPNG(t, 40, 30),
		"page.html":     []byte("<!doctype html><html><head><title>t</title></head><body>x</body></html>"),
	}
	for name, b := range corpusMedia(t) {
		inputs[name] = b
	}
	opts := fixed()
	opts.ProduceID = "append-test"
	var buf []byte
	for name, in := range inputs {
		want, err := Label(context.Background(), in, opts)
		if err != nil {
			t.Errorf("%s: Label: %v", name, err)
			continue
		}
		prefix := []byte("keep")
		got, err := AppendLabel(context.Background(), prefix[:4:4], in, opts)
		if err != nil || !bytes.Equal(got.Output[:4], prefix) || !bytes.Equal(got.Output[4:], want.Output) {
			t.Errorf("%s: AppendLabel after a prefix differs from Label (%v)", name, err)
			continue
		}
		if got.Record != want.Record || got.Format != want.Format || len(got.Steps) != len(want.Steps) {
			t.Errorf("%s: AppendLabel result %+v, Label %+v", name, got, want)
		}
		if cap(buf) < len(want.Output) {
			buf = make([]byte, 0, len(want.Output)+64)
		}
		got, err = AppendLabel(context.Background(), buf[:0], in, opts)
		if err != nil || !bytes.Equal(got.Output, want.Output) {
			t.Errorf("%s: AppendLabel into a reused buffer differs from Label (%v)", name, err)
			continue
		}
		if _, ok := CodecForMust(t, want.Format).(format.Appender); ok && &got.Output[0] != &buf[:1][0] {
			t.Errorf("%s: AppendLabel allocated although the buffer had room", name)
		}
	}
}

func CodecForMust(t *testing.T, k format.Kind) format.Codec {
	t.Helper()
	c, err := CodecFor(k)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// liar is a PNG codec whose Write stores another record than it is given,
// or a second one: verify-after-write must catch both.
type liar struct {
	format.Codec
	twice bool
}

func (l liar) Write(b []byte, rec aigc.Record) ([]byte, error) {
	if l.twice {
		out, err := l.Codec.Write(b, rec)
		if err != nil {
			return nil, err
		}
		// A second record in an AIGC tEXt chunk before IEND.
		data := append([]byte("AIGC\x00"), rec.Marshal()...)
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, "tEXt"...)
		c = append(c, data...)
		c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
		iend := len(out) - 12
		return append(append(append([]byte(nil), out[:iend]...), c...), out[iend:]...), nil
	}
	rec.ReservedCode2 = "changed"
	return l.Codec.Write(b, rec)
}

func TestVerifyRecord(t *testing.T) {
	in := testPNG(t, 8, 8)
	rec := aigc.Record{Label: "1", ContentProducer: producer, ProduceID: "v"}
	png := CodecForMust(t, format.PNG)
	out, _, err := writeRecord(png, nil, in, &rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyRecord(png, out, rec); err != nil {
		t.Errorf("good output: %v", err)
	}
	for _, l := range []liar{{Codec: png}, {Codec: png, twice: true}} {
		out, _, err := writeRecord(l, nil, in, &rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyRecord(l, out, rec); err == nil {
			t.Errorf("twice=%v: verify-after-write accepted a wrong output", l.twice)
		}
		// The same outputs through the codec's format.RecordChecker, which
		// verify-after-write asks first.
		if err := verifyRecord(png, out, rec); err == nil {
			t.Errorf("twice=%v: verify-after-write through the record checker accepted a wrong output", l.twice)
		}
	}
}

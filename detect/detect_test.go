package detect

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler"
)

func inspectFile(t *testing.T, path string, opts Options) Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Inspect(context.Background(), b, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

// TestRealProviders checks the verdicts on files labeled by real Chinese AI
// services (../shared/corpus/aigc-real): every one carries a record.
func TestRealProviders(t *testing.T) {
	dir := testenv.Corpus(t, "aigc-real")
	want := map[string]struct {
		verdict, producer string
	}{
		"doubao_xmp-tc260_black_1x1.png":                                   {Confirmed, "001191110102MACQD9K64010000"},
		"jimeng_xmp-tc260_cap_A.png":                                       {Confirmed, "00119144030008867405X210001"},
		"alibaba-tongyi-wan_png-text-aigc.png":                             {Confirmed, "001191330106MA2CFLDG4R10001"},
		"minimax-image01_jpeg-exif-usercomment_securitydata_op-equals.jpg": {Confirmed, "MiniMax"},
		"minimax-image01_jpeg-bytes-named-png_count-icon.png":              {Confirmed, "MiniMax"},
	}
	for name, w := range want {
		rep := inspectFile(t, filepath.Join(dir, name), Options{MetadataOnly: true})
		if rep.Verdict != w.verdict || rep.AIGC == nil || rep.AIGC.ContentProducer != w.producer {
			t.Errorf("%s: verdict %s, record %+v; want %s from %s\n%v", name, rep.Verdict, rep.AIGC, w.verdict, w.producer, rep.Evidence)
		}
	}
	// The MiniMax edit carries two copies: reported as a problem.
	rep := inspectFile(t, filepath.Join(dir, "minimax-image01_derived-png_exif-chunk-and-xmp-usercomment_mole-3-n19.png"), Options{MetadataOnly: true})
	if len(rep.Carriers) != 2 || !strings.Contains(strings.Join(rep.Problems, "\n"), "allows one per file") {
		t.Errorf("duplicate records not reported: %d carriers, problems %v", len(rep.Carriers), rep.Problems)
	}
}

// TestForeignProvenance checks C2PA manifests of another tool are reported.
// (The corpus's sample1.png/.webp/.wav/.mp3 carry no manifest: their chunks
// were checked by hand; only the JPEGs are signed.)
func TestForeignProvenance(t *testing.T) {
	dir := testenv.Corpus(t, "c2pa")
	for _, name := range []string{"C.jpg", "CA.jpg", "XCA.jpg", "E-sig-CA.jpg"} {
		rep := inspectFile(t, filepath.Join(dir, name), Options{MetadataOnly: true})
		var c2pa []string
		for _, f := range rep.Foreign {
			if f.Kind == "c2pa" {
				c2pa = append(c2pa, f.Value)
			}
		}
		if len(c2pa) == 0 {
			t.Errorf("%s: no C2PA manifest reported (foreign %+v, problems %v)", name, rep.Foreign, rep.Problems)
		}
	}
}

func TestVerdicts(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*31 + i/1000)
	}
	img.Set(0, 0, color.NRGBA{0, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	plain := b.Bytes()

	rep, err := Inspect(context.Background(), plain, Options{})
	if err != nil || rep.Verdict != None {
		t.Errorf("unlabeled: %s %v", rep.Verdict, err)
	}
	rep, _ = Inspect(context.Background(), plain, Options{Declared: true})
	if rep.Verdict != Possible {
		t.Errorf("declared: %s", rep.Verdict)
	}
	// An explicit label without a record: suspected, with the label as evidence.
	res, err := labeler.Label(context.Background(), plain, labeler.Options{Producer: "001191110102MACQD9K64010000", Explicit: &labeler.ExplicitOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	stripped := res.Output
	// Decode and re-encode: the record is gone, the drawn label stays.
	drawn, _ := png.Decode(bytes.NewReader(stripped))
	b.Reset()
	png.Encode(&b, drawn)
	rep, _ = Inspect(context.Background(), b.Bytes(), Options{})
	if rep.Verdict != Suspected || rep.Explicit == nil || !rep.Explicit.Found {
		t.Errorf("explicit label only: verdict %s, explicit %+v, evidence %v", rep.Verdict, rep.Explicit, rep.Evidence)
	}
	rep, _ = Inspect(context.Background(), stripped, Options{})
	if rep.Verdict != Confirmed || !rep.Explicit.Found {
		t.Errorf("labeled: verdict %s, explicit %+v", rep.Verdict, rep.Explicit)
	}
}

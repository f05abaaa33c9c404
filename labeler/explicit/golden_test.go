package explicit

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// Golden renders live in testdata/golden at the module root, two per example:
//
//   - <name>.label.png: the label's box plus 16 px around it, at full
//     resolution: compared exactly. Rendering is integer-only (integer
//     curve flattening, vector's fixed-point rasterizer, integer blending),
//     so any difference is a real change, on any platform, native or WASM.
//   - <name>.preview.png: the whole labeled image box-filtered (integer) to at
//     most 256 px on its longer side, for people to look at; compared exactly.
//
// After a deliberate change to the rendering, rerun with -update and LOOK at
// the files before committing them.
type goldenCase struct {
	name string
	img  func(t *testing.T) image.Image
	opts ImageOptions
}

func corpusImage(name string) func(t *testing.T) image.Image {
	return func(t *testing.T) image.Image { return decodeFile(t, testenv.Corpus(t, "images", name)) }
}

// gradient is a synthetic image needing no corpus: a diagonal colour ramp
// with a hard white/black split under the bottom-right corner.
func gradient(t *testing.T) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 480, 320))
	for y := range 320 {
		for x := range 480 {
			c := color.NRGBA{uint8(x * 255 / 479), uint8(y * 255 / 319), uint8((x + y) * 255 / 799), 255}
			if x > 400 && y > 260 {
				c = color.NRGBA{255, 255, 255, 255}
				if (x/8+y/8)%2 == 0 {
					c = color.NRGBA{0, 0, 0, 255}
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

var goldenCases = []goldenCase{
	{"synthetic-gradient", gradient, ImageOptions{}},
	{"kodim23-default", corpusImage("kodim23.png"), ImageOptions{}},
	{"kodim05-top-left-8pct", corpusImage("kodim05.png"), ImageOptions{Text: "人工智能生成", Position: TopLeft, SizePercent: 8}},
	{"c2pa-no-manifest-bottom", corpusImage("c2pa_no_manifest.jpg"), ImageOptions{Text: "人工智能合成", Position: Bottom}},
	{"exif-landscape-6-oriented", corpusImage("exif_Landscape_6.jpg"), ImageOptions{Text: "AI合成", Position: TopRight}},
	{"kodim19-outline-right", corpusImage("kodim19.png"), ImageOptions{Position: Right, Backing: BackingOutline}},
}

func goldenDir(t *testing.T) string { return filepath.Join(testenv.Root(t), "testdata", "golden") }

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			img := gc.img(t)
			out, p, err := DrawImage(img, gc.opts)
			if err != nil {
				t.Fatal(err)
			}
			crop := p.Box.Inset(-16).Intersect(out.Rect)
			checkGolden(t, gc.name+".label.png", out.SubImage(crop))
			checkGolden(t, gc.name+".preview.png", boxDown(out, 256))
		})
	}
}

// checkGolden compares img pixel for pixel with the golden PNG (decoded by
// image/png), or rewrites it under -update.
func checkGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join(goldenDir(t), name)
	if *update {
		var b bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got, exp := reference(img), reference(want)
	if got.Rect != exp.Rect {
		t.Fatalf("%s: size %v, golden %v", name, got.Rect, exp.Rect)
	}
	diff := 0
	for i := range got.Pix {
		if got.Pix[i] != exp.Pix[i] {
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("%s: %d of %d bytes differ from the golden render", name, diff, len(got.Pix))
	}
}

// boxDown shrinks img by the smallest integer factor that brings its longer
// side to at most maxSide, averaging each factor x factor block (integer).
func boxDown(img *image.NRGBA, maxSide int) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	k := (max(w, h) + maxSide - 1) / maxSide
	out := image.NewNRGBA(image.Rect(0, 0, w/k, h/k))
	for y := range h / k {
		for x := range w / k {
			var s [4]int
			for dy := range k {
				p := img.Pix[img.PixOffset(x*k, y*k+dy):]
				for dx := range k {
					for c := range 4 {
						s[c] += int(p[4*dx+c])
					}
				}
			}
			q := out.Pix[out.PixOffset(x, y):]
			for c := range 4 {
				q[c] = uint8((s[c] + k*k/2) / (k * k))
			}
		}
	}
	return out
}

package explicit

import (
	"bytes"
	"image"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

func jpegQ75(t testing.TB, img image.Image) image.Image {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func half(img image.Image) image.Image {
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	draw.CatmullRom.Scale(dst, dst.Rect, img, b, draw.Src, nil)
	return dst
}

func overlayCorpus(t *testing.T) []string {
	var files []string
	for _, sub := range []string{"images", "c2pa", "aigc-real"} {
		dir := testenv.Corpus(t, sub)
		for _, pat := range []string{"*.png", "*.jpg"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			files = append(files, m...)
		}
	}
	return files
}

// TestFindOverlayCorpus: nothing on unlabeled corpus images; the label drawn
// by DrawImage is found at its position after JPEG q75, a 50% resize, and
// both.
func TestFindOverlayCorpus(t *testing.T) {
	for i, path := range overlayCorpus(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			overlayCase(t, i, path)
		})
	}
}

// overlayCase checks one corpus image: nothing found unlabeled; for the
// images folder, the label found after each degradation.
func overlayCase(t *testing.T, i int, path string) {
	name := filepath.Base(path)
	img := decodeFile(t, path)
	start := time.Now()
	cand := bestOverlays(img)
	took := time.Since(start)
	top := OverlayFinding{}
	for _, c := range cand {
		if c.Score > top.Score {
			top = c
		}
		if c.Score >= MinOverlayScore {
			t.Errorf("%s: unlabeled image has %+v", name, c)
		}
	}
	t.Logf("%s: unlabeled best candidate %q at %s score %.3f (%v)", name, top.Text, top.Position, top.Score, took)
	if filepath.Base(filepath.Dir(path)) != "images" {
		return
	}
	opts := ImageOptions{Position: Positions[i%len(Positions)], Text: Wordings[i%len(Wordings)]}
	labeled, p, err := DrawImage(img, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		img  image.Image
	}{
		{"clean", labeled},
		{"jpeg75", jpegQ75(t, labeled)},
		{"half", half(labeled)},
		{"half+jpeg75", jpegQ75(t, half(labeled))},
	} {
		f := FindOverlay(c.img)
		if len(f) != 1 || f[0].Position != p.Position || f[0].Text != p.Text {
			t.Errorf("%s %s: drew %q at %s, found %+v", name, c.name, p.Text, p.Position, f)
			continue
		}
		t.Logf("%s %s: %q at %s size %.1f%% score %.3f", name, c.name, f[0].Text, f[0].Position, f[0].SizePercent, f[0].Score)
	}
}

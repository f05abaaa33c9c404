package explicit

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	labelfont "github.com/aigclabel/aigclabel/labeler/explicit/font"
)

var update = flag.Bool("update", false, "rewrite the golden previews in testdata/golden")

// decodeFile decodes a corpus image upright (EXIF orientation applied).
func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := DecodeOriented(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// reference converts with the standard library only, as independent truth.
func reference(img image.Image) *image.NRGBA {
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// wcag is the textbook WCAG 2 contrast ratio, in float64 with math.Pow: an
// oracle independent of the package's integer tables.
func wcag(a, b color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := func(c color.NRGBA) float64 { return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B) }
	l1, l2 := l(a), l(b)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// labelCheck is what inspecting a labeled image by diffing finds.
type labelCheck struct {
	changed  image.Rectangle // bounding box of every changed pixel
	inkH     int             // rows holding pure text-colour pixels that changed
	contrast float64         // worst text vs surrounding-pixel contrast
}

// inspect diffs out against in without using the Placement: changed pixels
// (any channel differs by more than 1, absorbing YCbCr conversion rounding),
// ink = changed pixels of pure white or pure black (whichever is more
// common; the backing box is translucent so it is never exactly either),
// surroundings = pixels in the changed box farther than 3 px from any ink.
func inspect(t *testing.T, in, out *image.NRGBA) labelCheck {
	t.Helper()
	b := in.Bounds()
	var ch image.Rectangle
	nWhite, nBlack := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p, q := in.NRGBAAt(x, y), out.NRGBAAt(x, y)
			d := max(absd(p.R, q.R), absd(p.G, q.G), absd(p.B, q.B))
			if d <= 1 {
				continue
			}
			ch = ch.Union(image.Rect(x, y, x+1, y+1))
			switch q {
			case color.NRGBA{255, 255, 255, 255}:
				nWhite++
			case color.NRGBA{0, 0, 0, 255}:
				nBlack++
			}
		}
	}
	if ch.Empty() {
		t.Fatal("nothing changed")
	}
	ink := color.NRGBA{255, 255, 255, 255}
	if nBlack > nWhite {
		ink = color.NRGBA{0, 0, 0, 255}
	}
	isInk := func(x, y int) bool {
		return out.NRGBAAt(x, y) == ink && in.NRGBAAt(x, y) != ink
	}
	top, bot := -1, -1
	for y := ch.Min.Y; y < ch.Max.Y; y++ {
		for x := ch.Min.X; x < ch.Max.X; x++ {
			if isInk(x, y) {
				if top < 0 {
					top = y
				}
				bot = y
				break
			}
		}
	}
	cw := ch.Dx()
	near := make([]bool, cw*ch.Dy())
	for y := ch.Min.Y; y < ch.Max.Y; y++ {
		for x := ch.Min.X; x < ch.Max.X; x++ {
			if isInk(x, y) {
				for dy := -3; dy <= 3; dy++ {
					for dx := -3; dx <= 3; dx++ {
						if p := image.Pt(x+dx, y+dy); p.In(ch) {
							near[(p.Y-ch.Min.Y)*cw+p.X-ch.Min.X] = true
						}
					}
				}
			}
		}
	}
	worst := math.Inf(1)
	for y := ch.Min.Y; y < ch.Max.Y; y++ {
		for x := ch.Min.X; x < ch.Max.X; x++ {
			if !near[(y-ch.Min.Y)*cw+x-ch.Min.X] {
				worst = min(worst, wcag(ink, out.NRGBAAt(x, y)))
			}
		}
	}
	return labelCheck{changed: ch, inkH: bot - top + 1, contrast: worst}
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// inRegion reports whether r lies in the part of a w x h image that pos names,
// with a margin of at least 1 px from every edge.
func inRegion(r image.Rectangle, pos Position, w, h int) bool {
	if r.Min.X < 1 || r.Min.Y < 1 || r.Max.X > w-1 || r.Max.Y > h-1 {
		return false
	}
	cx, cy := (r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2
	left, right := r.Max.X <= w/2, r.Min.X >= w/2
	upper, lower := r.Max.Y <= h/2, r.Min.Y >= h/2
	midX := cx > w*2/5 && cx < w*3/5
	midY := cy > h*2/5 && cy < h*3/5
	switch pos {
	case BottomRight:
		return lower && right
	case BottomLeft:
		return lower && left
	case TopRight:
		return upper && right
	case TopLeft:
		return upper && left
	case Bottom:
		return lower && midX
	case Top:
		return upper && midX
	case Left:
		return left && midY
	case Right:
		return right && midY
	}
	return false
}

// TestDrawImageCorpus labels every corpus image (default options, and one
// other position and wording per image), round-trips the result through
// PNG and checks the label by diffing against the input.
func TestDrawImageCorpus(t *testing.T) {
	dir := testenv.Corpus(t, "images")
	files, _ := filepath.Glob(filepath.Join(dir, "*.[pj][np]g"))
	if len(files) == 0 {
		t.Skip("no corpus images")
	}
	out := testenv.OutDir(t)
	for i, path := range files {
		name := filepath.Base(path)
		img := decodeFile(t, path)
		in := reference(img)
		cases := []ImageOptions{{}, {
			Position: Positions[1+i%(len(Positions)-1)],
			Text:     Wordings[i%len(Wordings)],
			Font:     nil,
		}}
		if i == 0 {
			cases = append(cases, ImageOptions{SizePercent: 5, Position: TopLeft})
		}
		for j, opts := range cases {
			t.Run(fmt.Sprintf("%s/%d", name, j), func(t *testing.T) {
				t.Parallel()
				labeled, p, err := DrawImage(img, opts)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, labeled); err != nil {
					t.Fatal(err)
				}
				if j == 0 {
					_ = os.WriteFile(filepath.Join(out, strings.TrimSuffix(name, filepath.Ext(name))+".labeled.png"), buf.Bytes(), 0o644)
				}
				dec, err := png.Decode(&buf)
				if err != nil {
					t.Fatal(err)
				}
				got := reference(dec)
				c := inspect(t, in, got)
				w, h := in.Rect.Dx(), in.Rect.Dy()
				side := min(w, h)
				pos := p.Position
				if !inRegion(c.changed, pos, w, h) {
					t.Errorf("changed region %v not in the %s part of %dx%d", c.changed, pos, w, h)
				}
				if !c.changed.In(p.Box) {
					t.Errorf("changed region %v outside reported box %v", c.changed, p.Box)
				}
				minH := float64(side) * MinSizePercent / 100
				if float64(c.inkH) < minH {
					t.Errorf("ink height %d px < 5%% of %d (%.1f)", c.inkH, side, minH)
				}
				if c.contrast < 4.5 {
					t.Errorf("contrast %.2f < 4.5", c.contrast)
				}
				t.Logf("%s %q: box %v ink %d px (%.2f%%) contrast %.2f (reported %.2f), box alpha %d",
					pos, p.Text, c.changed, c.inkH, 100*float64(c.inkH)/float64(side), c.contrast, p.Contrast, p.BoxColor.A)
			})
		}
	}
}

// TestDrawImageBackgrounds checks the colour choice on flat and worst-case
// backgrounds, including transparent and mid-grey ones.
func TestDrawImageBackgrounds(t *testing.T) {
	for _, bg := range []color.NRGBA{
		{255, 255, 255, 255}, {0, 0, 0, 255}, {119, 119, 119, 255}, {128, 128, 128, 255},
		{255, 0, 0, 255}, {0, 0, 255, 255}, {40, 200, 90, 255}, {0, 0, 0, 0}, {250, 250, 250, 128},
	} {
		src := image.NewNRGBA(image.Rect(0, 0, 400, 300))
		draw.Draw(src, src.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
		out, p, err := DrawImage(src, ImageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Contrast < TargetContrast {
			t.Errorf("bg %v: contrast %.2f", bg, p.Contrast)
		}
		// Independent check on a pixel of the box away from the text.
		behind := out.NRGBAAt(p.Box.Min.X+1, p.Box.Min.Y+1)
		if r := wcag(p.TextColor, behind); r < 4.5 {
			t.Errorf("bg %v: box pixel %v vs text %v: contrast %.2f", bg, behind, p.TextColor, r)
		}
	}
	// A striped background: half black, half white rows under the label.
	src := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		v := uint8(0)
		if y%2 == 0 {
			v = 255
		}
		for x := 0; x < 400; x++ {
			src.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	if _, p, err := DrawImage(src, ImageOptions{}); err != nil || p.Contrast < TargetContrast {
		t.Errorf("stripes: %v %+v", err, p)
	}
}

// TestDrawImageErrors covers the refusals.
func TestDrawImageErrors(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	for _, tc := range []struct {
		img  image.Image
		opts ImageOptions
		want string
	}{
		{img, ImageOptions{Text: "机器生成"}, "AI element"},
		{img, ImageOptions{Text: "AI制作"}, "generation element"},
		{img, ImageOptions{Text: "AI生成图像"}, "no glyph"},
		{img, ImageOptions{SizePercent: 4.9}, "outside"},
		{img, ImageOptions{SizePercent: 26}, "outside"},
		{img, ImageOptions{Position: "centre"}, "unknown position"},
		{image.NewGray(image.Rect(0, 0, 40, 400)), ImageOptions{}, "too small"},
		{image.NewGray(image.Rect(0, 0, 100, 60)), ImageOptions{Text: "人工智能生成合成"}, "too small"},
	} {
		_, _, err := DrawImage(tc.img, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v on %v: err %v, want %q", tc.opts, tc.img.Bounds(), err, tc.want)
		}
	}
	_, _, err := DrawImage(image.NewGray(image.Rect(0, 0, 20, 20)), ImageOptions{})
	if !errors.Is(err, ErrImageTooSmall) {
		t.Errorf("20x20: %v", err)
	}
	// Small but legible: 100x100 gets a label larger than 6% (the 12 px floor).
	_, p, err := DrawImage(image.NewGray(image.Rect(0, 0, 100, 100)), ImageOptions{})
	if err != nil || p.GlyphHeight < MinGlyphPixels {
		t.Errorf("100x100: %v %+v", err, p)
	}
}

// TestSRGBTable checks the literal table against the formula.
func TestSRGBTable(t *testing.T) {
	for i := range 256 {
		c := float64(i) / 255
		l := c / 12.92
		if c > 0.04045 {
			l = math.Pow((c+0.055)/1.055, 2.4)
		}
		if d := math.Abs(l*65535 - float64(srgbToLinear[i])); d > 0.5 {
			t.Fatalf("srgbToLinear[%d] = %d, want %.2f", i, srgbToLinear[i], l*65535)
		}
	}
}

// TestDecodeOriented checks EXIF orientation 6 is applied (stored 1200x1800
// landscape rotated: displays 1800x1200), against image/jpeg's stored size.
func TestDecodeOriented(t *testing.T) {
	img := decodeFile(t, testenv.Corpus(t, "images", "exif_Landscape_6.jpg"))
	if b := img.Bounds(); b.Dx() != 1800 || b.Dy() != 1200 {
		t.Fatalf("oriented size %v, want 1800x1200", b)
	}
	if _, err := DecodeOriented(strings.NewReader("not an image")); err == nil {
		t.Fatal("garbage decoded")
	}
}

// TestDrawImageOutline: with an outline, no background colour touches the
// text: on a red background, every pixel next to solid ink is a blend of
// the text and outline colours (grey), never reddish.
func TestDrawImageOutline(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 600, 400))
	draw.Draw(src, src.Rect, image.NewUniform(color.NRGBA{200, 30, 30, 255}), image.Point{}, draw.Src)
	out, p, err := DrawImage(src, ImageOptions{Backing: BackingOutline, Text: "人工智能生成"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Contrast < 20 || p.Backing != BackingOutline {
		t.Fatalf("placement %+v", p)
	}
	solid := 0
	for y := p.Box.Min.Y; y < p.Box.Max.Y; y++ {
		for x := p.Box.Min.X; x < p.Box.Max.X; x++ {
			if out.NRGBAAt(x, y) != p.TextColor {
				continue
			}
			solid++
			for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				q := out.NRGBAAt(x+d.X, y+d.Y)
				if q.R != q.G || q.G != q.B {
					t.Fatalf("pixel %v next to ink at (%d,%d) is background-tinted", q, x, y)
				}
			}
		}
	}
	if solid == 0 {
		t.Fatal("no solid ink")
	}
	// Outside the dilated text, the background is untouched: corners of the box.
	if c := out.NRGBAAt(p.Box.Min.X, p.Box.Min.Y); c != (color.NRGBA{200, 30, 30, 255}) {
		t.Errorf("box corner changed to %v", c)
	}
	if _, _, err := DrawImage(src, ImageOptions{Backing: "shadow"}); err == nil {
		t.Error("unknown backing accepted")
	}
}

// TestTiling renders the same text whole and in 64-pixel tiles: coverage may
// differ by one level where the fixed-point accumulator's rounding residue
// no longer carries across a tile edge, never more. (Glyphs above 512 px are
// tiled so that they stay on vector's integer path; TestDeterminismImage
// pins their output.)
func TestTiling(t *testing.T) {
	f := labelfont.Default()
	whole, err := renderText(f, "人工智能生成AI", 300)
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { tileSize = n }(tileSize)
	tileSize = 64
	tiled, err := renderText(f, "人工智能生成AI", 300)
	if err != nil {
		t.Fatal(err)
	}
	if whole.mask.Rect != tiled.mask.Rect {
		t.Fatalf("tiled mask %v, whole %v", tiled.mask.Rect, whole.mask.Rect)
	}
	n, worst := 0, 0
	for i := range whole.mask.Pix {
		if d := absd(whole.mask.Pix[i], tiled.mask.Pix[i]); d > 0 {
			n++
			worst = max(worst, d)
		}
	}
	t.Logf("%d of %d pixels differ by 1", n, len(whole.mask.Pix))
	if worst > 1 {
		t.Fatalf("tiled rendering differs by up to %d from whole-glyph rendering", worst)
	}
}

// TestContrastAfterJPEG92 checks the margin TargetContrast keeps: after the
// JPEG re-encoding at quality 92 (labeler's default), solid ink (mask fully
// covered with a fully covered neighbourhood) still has a WCAG contrast of
// at least 4.5:1 with every box pixel farther than 3 px from the text.
func TestContrastAfterJPEG92(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.Corpus(t, "images"), "*.[pj][np]g"))
	for i, path := range files {
		img := decodeFile(t, path)
		for _, pos := range []Position{BottomRight, Positions[1+i%(len(Positions)-1)]} {
			out, p, err := DrawImage(img, ImageOptions{Position: pos})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := jpeg.Encode(&b, out, &jpeg.Options{Quality: 92}); err != nil {
				t.Fatal(err)
			}
			dec, err := jpeg.Decode(&b)
			if err != nil {
				t.Fatal(err)
			}
			got := reference(dec)
			g, err := layoutLabel(labelfont.Default(), p.Text, pos, 60, out.Rect.Dx(), out.Rect.Dy())
			if err != nil || g.box != p.Box {
				t.Fatalf("layout %v %v, placement box %v", err, g.box, p.Box)
			}
			m := g.tm.mask
			cov := func(x, y int) uint8 { // mask coverage at image (x, y)
				q := image.Pt(x-g.ink.Min.X, y-g.ink.Min.Y)
				if !q.In(m.Rect) {
					return 0
				}
				return m.Pix[q.Y*m.Stride+q.X]
			}
			around := func(x, y, r int, pred func(uint8) bool) bool {
				for dy := -r; dy <= r; dy++ {
					for dx := -r; dx <= r; dx++ {
						if pred(cov(x+dx, y+dy)) {
							return true
						}
					}
				}
				return false
			}
			var inkMin, inkMax, bgMin, bgMax float64 = 2, -1, 2, -1
			for y := g.box.Min.Y; y < g.box.Max.Y; y++ {
				for x := g.box.Min.X; x < g.box.Max.X; x++ {
					l := relLum(got.NRGBAAt(x, y))
					switch {
					case !around(x, y, 1, func(a uint8) bool { return a < 255 }):
						inkMin, inkMax = min(inkMin, l), max(inkMax, l)
					case !around(x, y, 3, func(a uint8) bool { return a > 0 }):
						bgMin, bgMax = min(bgMin, l), max(bgMax, l)
					}
				}
			}
			// Light text: darkest ink against the lightest background, and
			// the other way round.
			worst := (inkMin + 0.05) / (bgMax + 0.05)
			if p.TextColor.R == 0 {
				worst = (bgMin + 0.05) / (inkMax + 0.05)
			}
			if worst < 4.5 {
				t.Errorf("%s %s: contrast after JPEG q92 %.2f < 4.5", filepath.Base(path), pos, worst)
			}
			t.Logf("%s %s: contrast %.2f drawn, %.2f after JPEG q92", filepath.Base(path), pos, p.Contrast, worst)
		}
	}
}

// relLum is WCAG relative luminance with math.Pow (independent oracle).
func relLum(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

package explicit

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"

	"golang.org/x/image/font/sfnt"

	labelfont "github.com/aigclabel/aigclabel/labeler/explicit/font"
)

// Position is where on an image the label goes: a corner or the middle of an
// edge (GB 45438 5.2: "应位于图片的边或角").
type Position string

// The positions DrawImage accepts. The zero value means BottomRight.
const (
	BottomRight Position = "bottom-right"
	BottomLeft  Position = "bottom-left"
	TopRight    Position = "top-right"
	TopLeft     Position = "top-left"
	Bottom      Position = "bottom" // middle of the bottom edge
	Top         Position = "top"
	Left        Position = "left" // middle of the left edge, text horizontal
	Right       Position = "right"
)

// Positions lists every Position, default first.
var Positions = []Position{BottomRight, BottomLeft, TopRight, TopLeft, Bottom, Top, Left, Right}

// ParsePosition parses a position name; "" gives BottomRight.
func ParsePosition(s string) (Position, error) {
	if s == "" {
		return BottomRight, nil
	}
	for _, p := range Positions {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("explicit: unknown position %q (want one of %v)", s, Positions)
}

// Size limits, in percent of the image's shorter side, for the ink height of
// the label's CJK glyphs. GB 45438 5.2 requires at least 5%; aigclabel
// defaults to 6% (decision 7) to keep a margin.
const (
	MinSizePercent     = 5.0
	DefaultSizePercent = 6.0
	MaxSizePercent     = 25.0
)

// Legibility floors. A label's CJK ink is never drawn shorter than
// MinGlyphPixels, whatever the percentage says (so small images get a label
// larger than 6%); images whose shorter side is under MinImageSide pixels, or
// too narrow to hold the label with its margins, get ErrImageTooSmall.
const (
	MinGlyphPixels = 12
	MinImageSide   = 48
)

// TargetContrast is the WCAG contrast ratio DrawImage aims for between the
// text and every pixel behind it (after the backing box). WCAG AA asks 4.5:1;
// the extra margin absorbs JPEG re-encoding (at quality 92 the worst corpus
// case falls from 6.0 to about 5, see TestContrastAfterJPEG92).
const TargetContrast = 6.0

// ErrImageTooSmall is returned when the image cannot hold a legible label.
var ErrImageTooSmall = errors.New("explicit: image too small for a legible label")

// Backing is what DrawImage puts behind the text to make it legible.
type Backing string

// The backings. The zero value means BackingBox.
const (
	// BackingBox: a box of the colour opposite the text, at the least
	// opacity that reaches TargetContrast on every pixel under it (none when
	// the background already does).
	BackingBox Backing = "box"
	// BackingOutline: an opaque outline of the opposite colour around each
	// glyph, about a tenth of the ink height wide; the rest of the image
	// shows through between the letters.
	BackingOutline Backing = "outline"
)

// ImageOptions controls DrawImage. The zero value draws DefaultWording at the
// bottom-right corner at DefaultSizePercent with the embedded font.
type ImageOptions struct {
	// Text is the wording; "" means DefaultWording. It must pass CheckWording.
	Text string
	// Position is the corner or edge; "" means BottomRight.
	Position Position
	// SizePercent is the ink height of the CJK glyphs as a percentage of the
	// shorter side; 0 means DefaultSizePercent. It is rounded to 0.1 and must
	// lie in [MinSizePercent, MaxSizePercent].
	SizePercent float64
	// Font, when set, replaces the embedded subset (for wordings with glyphs
	// outside it); see font.Parse.
	Font *sfnt.Font
	// Backing is "box" (default) or "outline".
	Backing Backing
}

// Placement records what DrawImage drew, in image coordinates.
type Placement struct {
	Text        string          `json:"text"`
	Position    Position        `json:"position"`
	Box         image.Rectangle `json:"box"`         // every changed pixel lies inside
	Ink         image.Rectangle `json:"ink"`         // the text's ink
	GlyphHeight int             `json:"glyphHeight"` // measured CJK ink height, px
	ShorterSide int             `json:"shorterSide"`
	HeightPct   float64         `json:"heightPercent"` // GlyphHeight / ShorterSide * 100
	TextColor   color.NRGBA     `json:"textColor"`
	Backing     Backing         `json:"backing"`
	BoxColor    color.NRGBA     `json:"boxColor"` // box or outline colour; A is the box opacity (0: no box)
	Contrast    float64         `json:"contrast"` // worst WCAG ratio, text vs pixels behind it
}

// resolve fills defaults and validates opts.
func (o ImageOptions) resolve() (text string, pos Position, permille int, f *sfnt.Font, err error) {
	text = o.Text
	if text == "" {
		text = DefaultWording
	}
	if err = CheckWording(text); err != nil {
		return
	}
	if pos, err = ParsePosition(string(o.Position)); err != nil {
		return
	}
	pct := o.SizePercent
	if pct == 0 {
		pct = DefaultSizePercent
	}
	if math.IsNaN(pct) || pct < MinSizePercent || pct > MaxSizePercent {
		err = fmt.Errorf("explicit: size %v%% outside [%v, %v]", o.SizePercent, MinSizePercent, MaxSizePercent)
		return
	}
	permille = int(math.Round(pct * 10))
	f = o.Font
	if f == nil {
		f = labelfont.Default()
	}
	err = labelfont.Check(f, text)
	return
}

// geometry is the label's layout for one image size: where the box goes and
// where the ink sits in it. DrawImage and FindOverlay share it, so the
// detector looks exactly where the drawer draws.
type geometry struct {
	tm   textMask
	box  image.Rectangle
	ink  image.Rectangle
	side int
}

// layoutLabel computes the label for a w x h image.
func layoutLabel(f *sfnt.Font, text string, pos Position, permille, w, h int) (geometry, error) {
	side := min(w, h)
	if side < MinImageSide {
		return geometry{}, fmt.Errorf("%w: shorter side %d px < %d", ErrImageTooSmall, side, MinImageSide)
	}
	tm, err := renderText(f, text, inkHeight(side, permille))
	if err != nil {
		return geometry{}, err
	}
	return place(tm, pos, w, h)
}

// inkHeight is the CJK ink height for a shorter side and a size in permille.
func inkHeight(side, permille int) int {
	return max((side*permille+999)/1000, MinGlyphPixels)
}

// place puts a rendered label at pos in a w x h image: padding of a quarter
// of the ink height around the ink, a margin of 2% of the shorter side.
func place(tm textMask, pos Position, w, h int) (geometry, error) {
	side := min(w, h)
	mw, mh := tm.mask.Rect.Dx(), tm.mask.Rect.Dy()
	pad := max(2, tm.cjkH/4)
	margin := max(2, side/50)
	bw, bh := mw+2*pad, mh+2*pad
	if bw+2*margin > w || bh+2*margin > h {
		return geometry{}, fmt.Errorf("%w: a %dx%d label with %d px margins does not fit %dx%d", ErrImageTooSmall, bw, bh, margin, w, h)
	}
	var x, y int
	switch pos {
	case TopLeft, Left, BottomLeft:
		x = margin
	case TopRight, Right, BottomRight:
		x = w - margin - bw
	default:
		x = (w - bw) / 2
	}
	switch pos {
	case TopLeft, Top, TopRight:
		y = margin
	case BottomLeft, Bottom, BottomRight:
		y = h - margin - bh
	default:
		y = (h - bh) / 2
	}
	box := image.Rect(x, y, x+bw, y+bh)
	return geometry{tm: tm, box: box, ink: image.Rect(x+pad, y+pad, x+pad+mw, y+pad+mh), side: side}, nil
}

// DrawImage draws the explicit label onto a copy of img and returns it with
// a record of what was drawn. img must already be upright as displayed (see
// DecodeOriented). Only pixels inside Placement.Box change.
//
// Colours: the text is pure white or pure black, whichever needs the lighter
// backing; the backing is a box of the opposite colour whose opacity is the
// least that gives every pixel behind the text a WCAG contrast of at least
// TargetContrast with it (no box when the background already does). Pixels
// in the box become opaque, so the label stays legible whatever a viewer
// puts behind a transparent image.
func DrawImage(img image.Image, opts ImageOptions) (*image.NRGBA, Placement, error) {
	text, pos, permille, f, err := opts.resolve()
	if err != nil {
		return nil, Placement{}, err
	}
	b := img.Bounds()
	g, err := layoutLabel(f, text, pos, permille, b.Dx(), b.Dy())
	if err != nil {
		return nil, Placement{}, err
	}
	backing := opts.Backing
	if backing == "" {
		backing = BackingBox
	}
	if backing != BackingBox && backing != BackingOutline {
		return nil, Placement{}, fmt.Errorf("explicit: unknown backing %q (want box or outline)", backing)
	}
	dst := toNRGBA(img)
	white, bg, alpha, ratio := chooseColors(dst, g.box)
	ink := color.NRGBA{0, 0, 0, 255}
	if white {
		ink = color.NRGBA{255, 255, 255, 255}
	}
	if backing == BackingBox {
		fill(dst, g.box, bg, alpha)
	} else {
		// The text touches only the outline: full contrast, 21:1.
		ow := max(1, g.tm.cjkH/10)
		paint(dst, g.ink.Min.Sub(image.Pt(ow, ow)), dilate(g.tm.mask, ow), bg)
		alpha, ratio = 255, contrastMilli(luminance(ink.R, ink.G, ink.B), luminance(bg.R, bg.G, bg.B))
	}
	paint(dst, g.ink.Min, g.tm.mask, ink)
	p := Placement{
		Text: text, Position: pos, Box: g.box, Ink: g.ink,
		GlyphHeight: g.tm.cjkH, ShorterSide: g.side,
		HeightPct: float64(g.tm.cjkH) * 100 / float64(g.side),
		TextColor: ink, Backing: backing, BoxColor: color.NRGBA{bg.R, bg.G, bg.B, alpha},
		Contrast: float64(ratio) / 1000,
	}
	return dst, p, nil
}

// DecodeOriented decodes an image and applies its EXIF orientation, so the
// label is drawn upright as viewers display it. The caller must write the
// result with the orientation tag reset (or removed).
func DecodeOriented(r io.Reader) (image.Image, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("explicit: decode: %w", err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("explicit: decode: %w", err)
	}
	return orient(img, jpegOrientation(b)), nil
}

// luminance is WCAG relative luminance scaled to [0, 65535], from the
// literal sRGB table (integer math, identical on every platform).
func luminance(r, g, b uint8) int {
	return (2126*int(srgbToLinear[r]) + 7152*int(srgbToLinear[g]) + 722*int(srgbToLinear[b]) + 5000) / 10000
}

// contrastMilli is the WCAG contrast ratio (L1+0.05)/(L2+0.05) times 1000,
// for luminances on the 0..65535 scale: 0.05 is 65535/20, so the ratio is
// (20*L1+65535)/(20*L2+65535).
func contrastMilli(y1, y2 int) int {
	if y1 < y2 {
		y1, y2 = y2, y1
	}
	return (1000*(20*y1+65535) + (20*y2+65535)/2) / (20*y2 + 65535)
}

// blend8 composites src over dst with coverage a (0..255), rounding.
func blend8(src, dst, a uint8) uint8 {
	return uint8((int(src)*int(a) + int(dst)*(255-int(a)) + 127) / 255)
}

// worstContrast returns the lowest contrast (x1000) between the text colour
// (white or black) and the box's pixels after a backing of colour bgc at
// opacity a.
func worstContrast(img *image.NRGBA, box image.Rectangle, white bool, bgc uint8, a uint8) int {
	textY := 0
	if white {
		textY = 65535
	}
	worst := math.MaxInt
	for y := box.Min.Y; y < box.Max.Y; y++ {
		row := img.Pix[img.PixOffset(box.Min.X, y):img.PixOffset(box.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			l := luminance(blend8(bgc, row[i], a), blend8(bgc, row[i+1], a), blend8(bgc, row[i+2], a))
			worst = min(worst, contrastMilli(textY, l))
		}
	}
	return worst
}

// chooseColors picks the text colour and the least box opacity that reach
// TargetContrast everywhere in box. Contrast grows monotonically with the
// opacity of a box in the text's opposite colour, so a binary search finds it.
func chooseColors(img *image.NRGBA, box image.Rectangle) (white bool, bg color.NRGBA, alpha uint8, ratio int) {
	const target = int(TargetContrast * 1000)
	best := 256
	for _, w := range []bool{true, false} {
		bgc := uint8(0)
		if !w {
			bgc = 255
		}
		lo, hi := 0, 255 // opaque always works: 21:1
		for lo < hi {
			mid := (lo + hi) / 2
			if worstContrast(img, box, w, bgc, uint8(mid)) >= target {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		if lo < best {
			best, white = lo, w
			bg = color.NRGBA{bgc, bgc, bgc, 255}
		}
	}
	alpha = uint8(best)
	return white, bg, alpha, worstContrast(img, box, white, bg.R, alpha)
}

// fill composites c at opacity a over box and makes the box opaque.
func fill(img *image.NRGBA, box image.Rectangle, c color.NRGBA, a uint8) {
	for y := box.Min.Y; y < box.Max.Y; y++ {
		row := img.Pix[img.PixOffset(box.Min.X, y):img.PixOffset(box.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			row[i] = blend8(c.R, row[i], a)
			row[i+1] = blend8(c.G, row[i+1], a)
			row[i+2] = blend8(c.B, row[i+2], a)
			row[i+3] = 255
		}
	}
}

// paint composites colour c through mask, whose origin goes to at.
func paint(img *image.NRGBA, at image.Point, mask *image.Alpha, c color.NRGBA) {
	r := mask.Rect
	for y := 0; y < r.Dy(); y++ {
		m := mask.Pix[y*mask.Stride : y*mask.Stride+r.Dx()]
		row := img.Pix[img.PixOffset(at.X, at.Y+y):]
		for x, a := range m {
			if a == 0 {
				continue
			}
			p := row[4*x : 4*x+4]
			p[0], p[1], p[2] = blend8(c.R, p[0], a), blend8(c.G, p[1], a), blend8(c.B, p[2], a)
		}
	}
}

// dilate grows a coverage mask by r pixels in every direction (the maximum
// over a disc of radius r), returning a mask r pixels larger on each side.
func dilate(m *image.Alpha, r int) *image.Alpha {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewAlpha(image.Rect(0, 0, w+2*r, h+2*r))
	var disc []image.Point
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r+r { // r*r+r rounds the disc's edge outward
				disc = append(disc, image.Pt(dx, dy))
			}
		}
	}
	for y := range h {
		for x := range w {
			a := m.Pix[y*m.Stride+x]
			if a == 0 {
				continue
			}
			for _, d := range disc {
				i := (y+r+d.Y)*out.Stride + x + r + d.X
				out.Pix[i] = max(out.Pix[i], a)
			}
		}
	}
	return out
}

// toNRGBA copies img into a new *image.NRGBA with bounds starting at (0,0),
// with fast paths for the types the standard decoders return.
func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for i := 0; i < len(d); i += 4 {
				a := s[i+3]
				switch a {
				case 255:
					copy(d[i:i+4], s[i:i+4])
				case 0:
				default:
					d[i] = uint8((int(s[i])*255 + int(a)/2) / int(a))
					d[i+1] = uint8((int(s[i+1])*255 + int(a)/2) / int(a))
					d[i+2] = uint8((int(s[i+2])*255 + int(a)/2) / int(a))
					d[i+3] = a
				}
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				yi, ci := src.YOffset(b.Min.X+x, b.Min.Y+y), src.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = r, g, bb, 255
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				v := s[x]
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = v, v, v, 255
			}
		}
	default:
		for y := 0; y < h; y++ {
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
	}
	return dst
}

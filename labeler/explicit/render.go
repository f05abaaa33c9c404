package explicit

import (
	"fmt"
	"image"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// textMask is a rendered wording: its ink coverage and the measured ink
// height of its CJK glyphs.
type textMask struct {
	mask *image.Alpha // coverage; bounds start at (0,0) and hug the ink
	cjkH int          // rows where a CJK glyph has fully covered pixels
}

// isCJK reports whether r is a CJK ideograph or CJK punctuation: the glyphs
// whose ink height decision 7 measures.
func isCJK(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF00 && r <= 0xFFEF
}

// renderText draws text at a size chosen so that the ink height of its CJK
// glyphs (rows holding fully covered pixels, i.e. solid ink) is at least inkH pixels. All
// geometry is integer 26.6 fixed point; curves are flattened here, in integer
// math, so x/image/vector only ever sees straight lines at exact coordinates.
func renderText(f *sfnt.Font, text string, inkH int) (textMask, error) {
	var b sfnt.Buffer
	span, upem, err := cjkSpan(f, &b, text)
	if err != nil {
		return textMask{}, err
	}
	// ppem (26.6) such that the CJK ink spans inkH pixels: ink scales linearly.
	ppem := fixed.Int26_6((int64(inkH)*64*upem*64 + span - 1) / span)
	for range 8 {
		tm, err := rasterize(f, &b, text, ppem)
		if err != nil {
			return textMask{}, err
		}
		if tm.cjkH >= inkH {
			return tm, nil
		}
		// Antialiased top and bottom rows are not solid ink: grow a little.
		ppem += ppem/50 + 1
	}
	return textMask{}, fmt.Errorf("explicit: cannot reach ink height %d px", inkH)
}

// rasterize lays text out on one baseline at ppem and returns its coverage.
func rasterize(f *sfnt.Font, b *sfnt.Buffer, text string, ppem fixed.Int26_6) (textMask, error) {
	type placed struct {
		gi  sfnt.GlyphIndex
		x   fixed.Int26_6 // pen position of the glyph origin
		cjk bool
		r   image.Rectangle // pixel bounds relative to the baseline origin
	}
	var glyphs []placed
	var pen fixed.Int26_6
	var prev sfnt.GlyphIndex
	var all image.Rectangle
	for i, r := range []rune(text) {
		gi, err := f.GlyphIndex(b, r)
		if err != nil || gi == 0 {
			return textMask{}, fmt.Errorf("explicit: no glyph for %q", r)
		}
		if i > 0 {
			if k, err := f.Kern(b, prev, gi, ppem, font.HintingNone); err == nil {
				pen += k
			}
		}
		bounds, adv, err := f.GlyphBounds(b, gi, ppem, font.HintingNone)
		if err != nil {
			return textMask{}, fmt.Errorf("explicit: glyph %q: %w", r, err)
		}
		pr := image.Rect((pen + bounds.Min.X).Floor(), bounds.Min.Y.Floor(), (pen + bounds.Max.X).Ceil(), bounds.Max.Y.Ceil())
		if !pr.Empty() {
			all = all.Union(pr)
		}
		glyphs = append(glyphs, placed{gi, pen, isCJK(r), pr})
		pen += adv
		prev = gi
	}
	if all.Empty() {
		return textMask{}, &WordingError{text, "draws no ink"}
	}
	mask := image.NewAlpha(image.Rect(0, 0, all.Dx(), all.Dy()))
	cjkTop, cjkBot := all.Dy(), -1
	var z vector.Rasterizer
	for _, g := range glyphs {
		if g.r.Empty() {
			continue
		}
		segs, err := f.LoadGlyph(b, g.gi, ppem, nil)
		if err != nil {
			return textMask{}, fmt.Errorf("explicit: glyph outline: %w", err)
		}
		ox, oy := g.x-fixed.I(g.r.Min.X), -fixed.I(g.r.Min.Y)
		w, h := g.r.Dx(), g.r.Dy()
		gm := rasterGlyph(&z, segs, ox, oy, w, h)
		dx, dy := g.r.Min.X-all.Min.X, g.r.Min.Y-all.Min.Y
		for y := 0; y < h; y++ {
			src := gm.Pix[y*gm.Stride : y*gm.Stride+w]
			dst := mask.Pix[(y+dy)*mask.Stride+dx:]
			full := false
			for x, a := range src {
				s := int(dst[x]) + int(a)
				dst[x] = uint8(min(s, 255))
				full = full || a == 255
			}
			if g.cjk && full {
				cjkTop, cjkBot = min(cjkTop, y+dy), max(cjkBot, y+dy)
			}
		}
	}
	return textMask{mask: mask, cjkH: max(0, cjkBot-cjkTop+1)}, nil
}

// tileSize bounds the rasterizer's size: at or below 512 pixels
// x/image/vector uses its fixed-point (integer) path, whose output is the
// same on every platform; larger glyphs are drawn in tiles. A variable so
// that a test can check tiling is exact.
var tileSize = 512

// rasterGlyph rasterizes an outline, offset by (ox, oy) in 26.6, into a new
// w x h coverage mask, tile by tile. Tiling is exact: vector accumulates
// each cell's coverage from the segments crossing it, and carries the
// coverage of segments left of a tile into its first column.
func rasterGlyph(z *vector.Rasterizer, segs sfnt.Segments, ox, oy fixed.Int26_6, w, h int) *image.Alpha {
	gm := image.NewAlpha(image.Rect(0, 0, w, h))
	for ty := 0; ty < h; ty += tileSize {
		for tx := 0; tx < w; tx += tileSize {
			tw, th := min(tileSize, w-tx), min(tileSize, h-ty)
			z.Reset(tw, th)
			z.DrawOp = draw.Src
			flatten(z, segs, ox-fixed.I(tx), oy-fixed.I(ty))
			z.Draw(gm, image.Rect(tx, ty, tx+tw, ty+th), image.Opaque, image.Point{})
		}
	}
	return gm
}

// flatten feeds segs, offset by (ox, oy) in 26.6, to z as straight lines.
// Bézier curves are evaluated in integer arithmetic (Bernstein form with
// exact int64 numerators), so the line end points are exact multiples of
// 1/64 pixel and identical on every platform.
func flatten(z *vector.Rasterizer, segs sfnt.Segments, ox, oy fixed.Int26_6) {
	pt := func(p fixed.Point26_6) (int64, int64) { return int64(p.X + ox), int64(p.Y + oy) }
	line := func(x, y int64) { z.LineTo(float32(x)/64, float32(y)/64) }
	var cx, cy int64 // current point
	open := false
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if open {
				z.ClosePath() // vector's MoveTo does not close the previous contour
			}
			open = true
			cx, cy = pt(s.Args[0])
			z.MoveTo(float32(cx)/64, float32(cy)/64)
		case sfnt.SegmentOpLineTo:
			cx, cy = pt(s.Args[0])
			line(cx, cy)
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			n := steps(abs64(cx-2*x1+x2) + abs64(cy-2*y1+y2))
			for i := int64(1); i <= n; i++ {
				j := n - i
				d := n * n
				line(divRound(j*j*cx+2*i*j*x1+i*i*x2, d), divRound(j*j*cy+2*i*j*y1+i*i*y2, d))
			}
			cx, cy = x2, y2
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			dev := max(abs64(cx-2*x1+x2)+abs64(cy-2*y1+y2), abs64(x1-2*x2+x3)+abs64(y1-2*y2+y3))
			n := steps(dev * 3 / 2)
			for i := int64(1); i <= n; i++ {
				j := n - i
				d := n * n * n
				line(divRound(j*j*j*cx+3*i*j*j*x1+3*i*i*j*x2+i*i*i*x3, d),
					divRound(j*j*j*cy+3*i*j*j*y1+3*i*i*j*y2+i*i*i*y3, d))
			}
			cx, cy = x3, y3
		}
	}
	if open {
		z.ClosePath()
	}
}

// steps returns how many line pieces approximate a curve whose second
// difference is dev (26.6 units) to within about 1/16 pixel: the error of n
// uniform pieces is about dev/(8n²).
func steps(dev int64) int64 {
	n := int64(1)
	for n < 64 && dev > 8*n*n*4 { // 4 = 1/16 pixel in 26.6
		n++
	}
	return n
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// divRound divides with rounding half away from zero; d > 0.
func divRound(v, d int64) int64 {
	if v >= 0 {
		return (v + d/2) / d
	}
	return -((-v + d/2) / d)
}

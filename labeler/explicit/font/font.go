// Package font holds the typeface aigclabel draws explicit image labels with:
// a subset of Noto Sans CJK SC Bold (SIL Open Font License 1.1, see OFL.txt)
// covering printable ASCII and the glyphs of every built-in wording, embedded
// so that labeling needs no font on the host and renders identically on every
// platform. regen.sh rebuilds the subset from Debian's fonts-noto-cjk.
package font

import (
	_ "embed"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/image/font/sfnt"
)

//go:embed NotoSansCJKsc-Bold-subset.otf
var subset []byte

// Glyphs lists the characters (besides printable ASCII) the embedded subset
// was cut for; regen.sh reads the same file. A test checks the subset covers it.
//
//go:embed glyphs.txt
var Glyphs string

var (
	once     sync.Once
	parsed   *sfnt.Font
	parseErr error
)

// Default returns the embedded subset, parsed once. The returned font is
// shared: use it with a caller-owned *sfnt.Buffer.
func Default() *sfnt.Font {
	once.Do(func() { parsed, parseErr = sfnt.Parse(subset) })
	if parseErr != nil {
		// The bytes are embedded at build time; a failure here is a broken build.
		panic("font: embedded subset does not parse: " + parseErr.Error())
	}
	return parsed
}

// Parse parses a fuller font given by the caller (for wordings outside the
// subset): a single OpenType/TrueType font, or a collection (.ttc/.otc) from
// which face index is taken.
func Parse(data []byte, index int) (*sfnt.Font, error) {
	c, err := sfnt.ParseCollection(data)
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	if index < 0 || index >= c.NumFonts() {
		return nil, fmt.Errorf("font: face index %d out of range (collection has %d)", index, c.NumFonts())
	}
	f, err := c.Font(index)
	if err != nil {
		return nil, fmt.Errorf("font: face %d: %w", index, err)
	}
	return f, nil
}

// MissingGlyphError reports characters a font cannot draw.
type MissingGlyphError struct {
	Runes []rune
}

func (e *MissingGlyphError) Error() string {
	return fmt.Sprintf("font: no glyph for %q in the label font (the embedded subset covers ASCII and the built-in wordings; pass a fuller font file for others)", string(e.Runes))
}

// Check returns a *MissingGlyphError naming every rune of text that f maps to
// glyph 0 (.notdef), so a label is never drawn with tofu boxes.
func Check(f *sfnt.Font, text string) error {
	var b sfnt.Buffer
	var missing []rune
	for _, r := range text {
		gi, err := f.GlyphIndex(&b, r)
		if err != nil && !errors.Is(err, sfnt.ErrNotFound) {
			return fmt.Errorf("font: glyph index of %q: %w", r, err)
		}
		if gi == 0 {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return &MissingGlyphError{Runes: missing}
	}
	return nil
}

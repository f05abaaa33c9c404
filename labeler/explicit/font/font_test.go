package font

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestSubsetCovers checks the embedded subset draws every character it was
// cut for plus printable ASCII, and refuses one it was not.
func TestSubsetCovers(t *testing.T) {
	f := Default()
	var ascii strings.Builder
	for r := rune(0x21); r < 0x7F; r++ {
		ascii.WriteRune(r)
	}
	if err := Check(f, strings.Join(strings.Fields(Glyphs), "")+ascii.String()); err != nil {
		t.Fatal(err)
	}
	var me *MissingGlyphError
	if err := Check(f, "AI图像"); !errors.As(err, &me) || string(me.Runes) != "图像" {
		t.Fatalf("Check(AI图像) = %v, want missing 图像", err)
	}
	if len(subset) > 20000 {
		t.Errorf("subset is %d bytes; expected about 16 KB", len(subset))
	}
}

// TestParseCollection parses the full Debian collection the subset comes from
// (when installed) and checks it draws what the subset cannot.
func TestParseCollection(t *testing.T) {
	data, err := os.ReadFile("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
	if err != nil {
		t.Skip("fonts-noto-cjk not installed:", err)
	}
	f, err := Parse(data, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(f, "AI图像"); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(data, 99); err == nil {
		t.Fatal("Parse accepted face index 99")
	}
	if _, err := Parse([]byte("not a font"), 0); err == nil {
		t.Fatal("Parse accepted garbage")
	}
}

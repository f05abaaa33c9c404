package detect

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
)

// TestTextWatermarkLayout checks that the report tells a payload read from a
// short text's compact layout (fewer check bits) from one read from the
// regular code, and that both give the embedded ID.
func TestTextWatermarkLayout(t *testing.T) {
	b, err := os.ReadFile(testenv.Corpus(t, "text", "en_alice29.txt"))
	if err != nil {
		t.Fatal(err)
	}
	long := string(b[:4000])
	// textwm's own short test text: too short for the regular code within
	// 5%, long enough for the compact layout.
	short, err := os.ReadFile(filepath.Join(testenv.Root(t), "labeler", "watermark", "textwm", "testdata", "short.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const id = 0x1234_5678_9abc_def0
	for _, tc := range []struct {
		name    string
		text    string
		compact bool
	}{
		{"4000 characters", long, false},
		{"short.txt", string(short), true},
	} {
		marked, err := textwm.Embed(tc.text, id, payload.DevKey, textwm.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		rep, err := Inspect(context.Background(), []byte(marked), Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		wm := rep.Watermark
		if wm == nil || !wm.Found {
			t.Fatalf("%s: watermark not found: %+v", tc.name, wm)
		}
		if wm.Payload != "123456789abcdef0" {
			t.Errorf("%s: payload %s", tc.name, wm.Payload)
		}
		if wm.Compact != tc.compact {
			t.Errorf("%s: compact = %v, want %v", tc.name, wm.Compact, tc.compact)
		}
	}
}

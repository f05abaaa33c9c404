package webp_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	stdpng "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// TestLabelAndInspect runs the image carriers through the public entry
// points: labeler.Label writes one record, detect.Inspect reads it back.
func TestLabelAndInspect(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 13)
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 4})
	var j, p bytes.Buffer
	stdjpeg.Encode(&j, img, nil)
	stdpng.Encode(&p, img)
	w, err := os.ReadFile(filepath.Join("testdata", "meta.webp"))
	if err != nil {
		t.Fatal(err)
	}
	for kind, in := range map[format.Kind][]byte{format.JPEG: j.Bytes(), format.PNG: p.Bytes(), format.WebP: w} {
		res, err := labeler.Label(context.Background(), in, labeler.Options{Producer: "001191110102MACQD9K64010000", ProduceID: "it-" + string(kind)})
		if err != nil {
			t.Fatalf("%s: Label: %v", kind, err)
		}
		rep, err := detect.Inspect(context.Background(), res.Output, detect.Options{MetadataOnly: true})
		if err != nil {
			t.Fatalf("%s: Inspect: %v", kind, err)
		}
		if rep.Format != kind || rep.AIGC == nil || rep.AIGC.ProduceID != "it-"+string(kind) || len(rep.Carriers) != 1 || rep.Carriers[0].Kind != "xmp" {
			t.Errorf("%s: report %+v", kind, rep)
		}
		// The hash excludes the slot: the input's is the output's.
		c, _ := labeler.CodecFor(kind)
		h, err := c.ContentHash(in)
		if err != nil || rep.ContentHash != hex.EncodeToString(h[:]) {
			t.Errorf("%s: content hash %s after labeling, %x before (%v)", kind, rep.ContentHash, h, err)
		}
	}
}

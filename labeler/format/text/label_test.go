package text_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// TestLabelText runs the whole labeling flow on the text kinds: HTML and
// Markdown are labeled through these codecs; plain text has no carrier.
func TestLabelText(t *testing.T) {
	opts := labeler.Options{
		Producer: "001191310104MACE0YX63918020",
		Clock:    func() time.Time { return time.Unix(1754620285, 0) },
		Rand:     bytes.NewReader(make([]byte, 64)),
	}
	for _, in := range []string{
		"<!DOCTYPE html><html><head><title>x</title></head><body>AI</body></html>",
		"---\ntitle: x\n---\nBody.\n",
	} {
		opts.Rand = bytes.NewReader(make([]byte, 64))
		res, err := labeler.Label(context.Background(), []byte(in), opts)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if res.Format != format.Sniff([]byte(in)) || !bytes.Contains(res.Output, []byte(res.Record.ProduceID)) {
			t.Errorf("%q: result %+v\n%s", in, res, res.Output)
		}
	}
	var ue *format.UnsupportedError
	if _, err := labeler.Label(context.Background(), []byte("plain text\n"), opts); !errors.As(err, &ue) {
		t.Errorf("plain text: err = %v, want UnsupportedError", err)
	}
}

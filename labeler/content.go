package labeler

import (
	"context"
	"errors"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// applyContent changes the content itself: explicit label first, then the
// watermark over the final pixels or samples, so that the watermark also covers
// the explicit label and neither destroys the other. It returns the re-encoded
// file with its original metadata kept.
func applyContent(ctx context.Context, kind format.Kind, in []byte, rec aigc.Record, opts Options) ([]byte, []string, error) {
	return nil, nil, &format.UnsupportedError{Format: kind, Msg: "explicit labels and watermarks are not available for this format yet"}
}

var _ = errors.New

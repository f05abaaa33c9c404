package detect

import (
	"errors"
	"fmt"
	"image"

	"github.com/aigclabel/aigclabel/labeler/format/wav"
	"github.com/aigclabel/aigclabel/labeler/watermark/audiowm"
	"github.com/aigclabel/aigclabel/labeler/watermark/imagewm"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
)

func inspectImageWatermark(img image.Image, rep *Report, opts Options) {
	key := opts.WatermarkKey
	if len(key) == 0 {
		key = imagewm.DevKey
	}
	res, err := imagewm.Detect(img, key)
	wm := &WatermarkReport{Found: res.Found, Confidence: res.Confidence, BitErrors: res.BitErrors}
	switch {
	case errors.Is(err, imagewm.ErrTooSmall):
		wm.Note = "image too small to carry a watermark"
	case err != nil:
		wm.Note = err.Error()
	}
	rep.Watermark = wm
	if res.Found {
		rep.foundWatermark(res.Payload, opts)
	}
}

// foundWatermark records a found watermark ID: evidence of AI generation by
// itself, and a confirmed verdict when the registry knows the ID.
func (rep *Report) foundWatermark(id uint64, opts Options) {
	rep.Watermark.Payload = fmt.Sprintf("%016x", id)
	if opts.Lookup != nil {
		if rec, ok := opts.Lookup(id); ok {
			rep.registered = true
			rep.Evidence = append(rep.Evidence, fmt.Sprintf("aigclabel watermark %016x is registered to ProduceID %s from %s", id, rec.ProduceID, rec.ContentProducer))
			if rep.AIGC == nil {
				rep.AIGC = rec
			}
			return
		}
	}
	rep.traces = append(rep.traces, fmt.Sprintf("aigclabel watermark %016x found (false-positive probability %.1e)", id, rep.Watermark.Confidence))
}

func inspectAudioWatermark(pcm *wav.PCM, rep *Report, opts Options) {
	key := opts.WatermarkKey
	if len(key) == 0 {
		key = audiowm.DevKey
	}
	res, err := audiowm.Detect(pcm.Samples, pcm.Rate, key)
	wm := &WatermarkReport{Found: res.Found, Confidence: res.Confidence, BitErrors: res.BitErrors}
	if err != nil {
		wm.Note = err.Error()
	}
	for _, s := range res.Segments {
		wm.Segments = append(wm.Segments, Segment{Start: s.Start, End: s.End})
	}
	rep.Watermark = wm
	if res.Found {
		rep.foundWatermark(res.Payload, opts)
	}
}

func inspectTextWatermark(text string, rep *Report, opts Options) {
	key := opts.WatermarkKey
	if len(key) == 0 {
		key = payload.DevKey
	}
	res := textwm.Detect(text, key)
	rep.Watermark = &WatermarkReport{Found: res.Found, Confidence: res.Confidence, BitErrors: res.SymbolErrors, Compact: res.Compact}
	if res.Found {
		rep.foundWatermark(res.Payload, opts)
	}
	rep.Fingerprint = textwm.FingerprintOf(text).String()
}

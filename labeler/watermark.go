package labeler

import (
	"bytes"
	"errors"
	"fmt"
	"image"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/explicit"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
	"github.com/aigclabel/aigclabel/labeler/watermark/audiowm"
	"github.com/aigclabel/aigclabel/labeler/watermark/imagewm"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
)

// watermarkKey returns the key to embed with: the caller's, or the
// development key (tests only, documented as such).
func (w *WatermarkOptions) key(dev []byte) []byte {
	if w != nil && len(w.Key) > 0 {
		return w.Key
	}
	return dev
}

func embedImageWatermark(img image.Image, rec aigc.Record, opts Options) (image.Image, error) {
	return imagewm.Embed(img, WatermarkID(rec), opts.Watermark.key(imagewm.DevKey), imagewm.Options{})
}

// verifyImageWatermark re-detects the watermark in the encoded output, so a
// file whose mark did not survive encoding is never handed out as marked.
func verifyImageWatermark(encoded []byte, rec aigc.Record, opts Options) error {
	if opts.Watermark == nil || opts.Watermark.NoVerify {
		return nil
	}
	img, err := explicit.DecodeOriented(bytes.NewReader(encoded))
	if err != nil {
		return fmt.Errorf("labeler: verify-after-embed: decoding the output: %w", err)
	}
	res, err := imagewm.Detect(img, opts.Watermark.key(imagewm.DevKey))
	if err != nil {
		return fmt.Errorf("labeler: verify-after-embed: %w", err)
	}
	if want := WatermarkID(rec); !res.Found || res.Payload != want {
		return fmt.Errorf("labeler: verify-after-embed: the watermark %016x was not found in the encoded output (found=%v payload=%016x)", want, res.Found, res.Payload)
	}
	return nil
}

// embedAudioWatermark marks the samples in place and re-detects the mark
// (verify-after-embed; the WAV re-encoding that follows is exact for 8 to
// 24-bit and float samples).
func embedAudioWatermark(pcm *wav.PCM, rec aigc.Record, opts Options) error {
	key := opts.Watermark.key(audiowm.DevKey)
	id := WatermarkID(rec)
	if err := audiowm.Embed(pcm.Samples, pcm.Rate, id, key, audiowm.Options{}); err != nil {
		return err
	}
	if opts.Watermark.NoVerify {
		return nil
	}
	res, err := audiowm.Detect(pcm.Samples, pcm.Rate, key)
	if err != nil {
		return fmt.Errorf("labeler: verify-after-embed: %w", err)
	}
	if !res.Found || res.Payload != id {
		return fmt.Errorf("labeler: verify-after-embed: the audio watermark %016x was not found in the marked samples", id)
	}
	return nil
}

func embedTextWatermark(text string, kind format.Kind, rec aigc.Record, opts Options) (string, error) {
	key := opts.Watermark.key(payload.DevKey)
	id := WatermarkID(rec)
	out, err := textwm.Embed(text, id, key, textwm.Options{Markdown: kind == format.Markdown, HTML: kind == format.HTML})
	if errors.Is(err, textwm.ErrMarked) {
		// Relabeling marked text: the same ID is already there (nothing to
		// do); another one cannot be replaced, as marks are never stripped.
		if res := textwm.Detect(text, key); res.Found && res.Payload == id {
			return text, nil
		}
		return "", fmt.Errorf("labeler: the text already carries another watermark; aigclabel does not remove marks: %w", err)
	}
	if err != nil {
		return "", err
	}
	if !opts.Watermark.NoVerify {
		if res := textwm.Detect(out, key); !res.Found || res.Payload != id {
			return "", fmt.Errorf("labeler: verify-after-embed: the text watermark %016x was not found in the output", id)
		}
	}
	return out, nil
}

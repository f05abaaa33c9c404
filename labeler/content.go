package labeler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	stdjpeg "image/jpeg"
	stdpng "image/png"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/explicit"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/jpeg"
	"github.com/aigclabel/aigclabel/labeler/format/png"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
	"github.com/aigclabel/aigclabel/labeler/format/webp"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"

	_ "golang.org/x/image/webp" // WebP decoding for image.DecodeConfig and explicit.DecodeOriented
)

// Content limits, checked from headers before anything is decoded, so a small
// file cannot make the labeler allocate gigabytes (decompression bombs).
const (
	MaxPixels       = 100_000_000 // 100 MP
	MaxAudioSamples = 1 << 30     // frames x channels: 3.4 hours of 44.1 kHz stereo
	DefaultQuality  = 92          // JPEG quality for re-encoded images
)

// applyContent changes the content itself: explicit label first, then the
// watermark over the final pixels or samples, so that the watermark also covers
// the explicit label and neither destroys the other. It returns the re-encoded
// file with its original metadata kept, the steps done, and notes on what was
// skipped and why.
func applyContent(ctx context.Context, kind format.Kind, in []byte, rec aigc.Record, opts Options) (out []byte, steps, notes []string, err error) {
	switch {
	case kind.IsImage():
		out, steps, err = applyImage(ctx, kind, in, rec, opts)
		return out, steps, nil, err
	case kind == format.WAV:
		out, steps, err = applyAudio(ctx, in, rec, opts)
		return out, steps, nil, err
	case kind.IsText():
		return applyText(kind, in, rec, opts)
	}
	return nil, nil, nil, &format.UnsupportedError{Format: kind, Msg: "explicit labels and watermarks need a format aigclabel can re-encode (JPEG, PNG, WebP, WAV, text); MP3 has no pure-Go encoder"}
}

func applyImage(ctx context.Context, kind format.Kind, in []byte, rec aigc.Record, opts Options) ([]byte, []string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(in))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading the image header: %w", kind, err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, nil, &format.UnsupportedError{Format: kind, Msg: fmt.Sprintf("%dx%d pixels exceeds the %d-pixel limit", cfg.Width, cfg.Height, MaxPixels)}
	}
	opts.progress("decode", 0)
	img, err := explicit.DecodeOriented(bytes.NewReader(in))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: decoding: %w", kind, err)
	}
	var steps []string
	if opts.Explicit != nil {
		pos, err := explicit.ParsePosition(opts.Explicit.Position)
		if err != nil {
			return nil, nil, err
		}
		drawn, _, err := explicit.DrawImage(img, explicit.ImageOptions{Text: opts.Explicit.Text, Position: pos, SizePercent: opts.Explicit.SizePercent})
		if err != nil {
			return nil, nil, err
		}
		img = drawn
		steps = append(steps, "explicit")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if opts.Watermark != nil {
		if img, err = embedImageWatermark(img, rec, opts); err != nil {
			return nil, nil, err
		}
		steps = append(steps, "watermark")
	}
	opts.progress("encode", 0.8)
	var enc bytes.Buffer
	switch kind {
	case format.JPEG:
		q := opts.Quality
		if q == 0 {
			q = DefaultQuality
		}
		if err := stdjpeg.Encode(&enc, img, &stdjpeg.Options{Quality: q}); err != nil {
			return nil, nil, fmt.Errorf("jpeg: encoding: %w", err)
		}
	case format.PNG, format.WebP:
		// WebP: Go has no WebP encoder; the result is a PNG (lossless),
		// which the caller sees in Result.Format.
		if err := stdpng.Encode(&enc, img); err != nil {
			return nil, nil, fmt.Errorf("png: encoding: %w", err)
		}
	}
	out := enc.Bytes()
	if kind == format.JPEG {
		out, err = jpeg.TransplantMetadata(in, out, true)
	} else if kind == format.PNG {
		out, err = png.TransplantMetadata(in, out)
	} else if kind == format.WebP {
		out, err = webpMetadataToPNG(in, out)
	}
	if err != nil {
		return nil, nil, err
	}
	if opts.Watermark != nil {
		opts.progress("verify", 0.9)
		if err := verifyImageWatermark(out, rec, opts); err != nil {
			return nil, nil, err
		}
	}
	return out, steps, nil
}

// webpMetadataToPNG carries a WebP's ICC profile, EXIF, XMP and C2PA store
// over to the PNG made of its labeled pixels, so converting loses no metadata.
func webpMetadataToPNG(webpIn, pngOut []byte) ([]byte, error) {
	e, err := webp.Extract(webpIn)
	if err != nil {
		return nil, err
	}
	return png.AddMetadata(pngOut, png.Metadata{ICC: e.ICC, EXIF: e.EXIF, XMP: e.XMP, C2PA: e.C2PA})
}

func applyAudio(ctx context.Context, in []byte, rec aigc.Record, opts Options) ([]byte, []string, error) {
	opts.progress("decode", 0)
	pcm, err := wav.DecodePCM(in)
	if err != nil {
		return nil, nil, err
	}
	if int64(len(pcm.Samples))*int64(pcm.Frames()) > MaxAudioSamples {
		return nil, nil, &format.UnsupportedError{Format: format.WAV, Msg: "audio longer than the sample limit"}
	}
	var steps []string
	if opts.Explicit != nil {
		samples, _, err := explicit.AddPrompt(pcm.Samples, pcm.Rate, explicit.AudioOptions{
			Prompt: explicit.PromptKind(opts.Explicit.Prompt), At: opts.Explicit.At, Insert: opts.Explicit.Insert,
		})
		if err != nil {
			return nil, nil, err
		}
		pcm.Samples = samples
		steps = append(steps, "explicit")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if opts.Watermark != nil {
		if err := embedAudioWatermark(pcm, rec, opts); err != nil {
			return nil, nil, err
		}
		steps = append(steps, "watermark")
	}
	opts.progress("encode", 0.8)
	out, err := wav.EncodePCM(in, pcm)
	return out, steps, err
}

// applyText adds the wording and the watermark. A text too short to carry
// the watermark within its 5% budget is still labeled, by its metadata record
// (HTML, Markdown) or its wording, with the step "watermark-skipped" and a
// note: such texts are recognized by their fingerprint. Plain text with
// nothing else to carry the label is an error instead, as the output would
// carry no label at all.
func applyText(kind format.Kind, in []byte, rec aigc.Record, opts Options) (out []byte, steps, notes []string, err error) {
	text := string(in)
	if opts.Explicit != nil {
		var err error
		text, err = explicit.LabelText(text, kind, explicit.TextOptions{
			Style: explicit.TextStyle(opts.Explicit.Style), Text: opts.Explicit.Text, At: opts.Explicit.At,
		})
		if err != nil {
			return nil, nil, nil, err
		}
		steps = append(steps, "explicit")
	}
	if opts.Watermark != nil {
		marked, err := embedTextWatermark(text, kind, rec, opts)
		switch {
		case errors.Is(err, textwm.ErrTooShort) && (kind != format.Text || opts.Explicit != nil):
			steps = append(steps, "watermark-skipped")
			notes = append(notes, "no invisible watermark: "+err.Error())
		case errors.Is(err, textwm.ErrTooShort):
			return nil, nil, nil, fmt.Errorf("labeler: plain text has no metadata carrier and %w; add an explicit label (--explicit)", err)
		case err != nil:
			return nil, nil, nil, err
		default:
			text = marked
			steps = append(steps, "watermark")
		}
	}
	return []byte(text), steps, notes, nil
}

func (o *Options) progress(stage string, done float64) {
	if o.Progress != nil {
		o.Progress(stage, done)
	}
}

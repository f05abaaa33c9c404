package labeler

import (
	"image"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
)

func embedImageWatermark(img image.Image, rec aigc.Record, opts Options) (image.Image, error) {
	return nil, &format.UnsupportedError{Format: format.PNG, Msg: "the image watermark is not available yet"}
}

func embedAudioWatermark(pcm *wav.PCM, rec aigc.Record, opts Options) error {
	return &format.UnsupportedError{Format: format.WAV, Msg: "the audio watermark is not available yet"}
}

func embedTextWatermark(text string, kind format.Kind, rec aigc.Record, opts Options) (string, error) {
	return "", &format.UnsupportedError{Format: kind, Msg: "the text watermark is not available yet"}
}

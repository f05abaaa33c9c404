package detect

import (
	"image"

	"github.com/aigclabel/aigclabel/labeler/format/wav"
)

func inspectImageWatermark(img image.Image, rep *Report, opts Options) {}

func inspectAudioWatermark(pcm *wav.PCM, rep *Report, opts Options) {}

func inspectTextWatermark(text string, rep *Report, opts Options) {}

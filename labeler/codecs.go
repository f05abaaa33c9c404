package labeler

import (
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/jpeg"
	"github.com/aigclabel/aigclabel/labeler/format/mp3"
	"github.com/aigclabel/aigclabel/labeler/format/png"
	"github.com/aigclabel/aigclabel/labeler/format/text"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
	"github.com/aigclabel/aigclabel/labeler/format/webp"
)

// codecs maps each format to its carrier. One line per carrier package.
var codecs = map[format.Kind]format.Codec{
	format.JPEG:     jpeg.Codec{},
	format.PNG:      png.Codec{},
	format.WebP:     webp.Codec{},
	format.WAV:      wav.Codec{},
	format.MP3:      mp3.Codec{},
	format.HTML:     text.HTMLCodec{},
	format.Markdown: text.MarkdownCodec{},
}

// CodecFor returns the carrier of kind, or an *format.UnsupportedError.
func CodecFor(kind format.Kind) (format.Codec, error) {
	if c, ok := codecs[kind]; ok {
		return c, nil
	}
	if kind == format.Unknown {
		return nil, &format.UnsupportedError{Format: kind, Msg: "unrecognized file format (supported: JPEG, PNG, WebP, WAV, MP3, HTML, Markdown, plain text)"}
	}
	return nil, &format.UnsupportedError{Format: kind, Msg: "no metadata carrier for this format"}
}

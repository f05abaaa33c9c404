package labeler

import (
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/text"
)

// codecs maps each format to its carrier. One line per carrier package.
var codecs = map[format.Kind]format.Codec{
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

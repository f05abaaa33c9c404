package labeler

import (
	"fmt"

	"github.com/aigclabel/aigclabel/labeler/explicit"
	"net/url"
	"strconv"
	"strings"
)

// Option names shared by the CLI (--name), the HTTP API (query parameters or
// form fields) and the browser API (object keys). One table keeps the three
// front ends from drifting apart.
const (
	OptProducer     = "producer"   // ContentProducer code
	OptProduceID    = "produce-id" // ProduceID; generated when absent
	OptLabel        = "label"      // Annex E Label: 1, 2 or 3
	OptFillProp     = "fill-propagator"
	OptExplicit     = "explicit"      // add the explicit label (boolean)
	OptExplicitText = "explicit-text" // wording
	OptPosition     = "position"      // corner or edge
	OptSize         = "size"          // glyph height, % of the shorter side
	OptPrompt       = "prompt"        // audio: rhythm, voice or both
	OptAt           = "at"            // audio: start, end, both or every:N
	OptInsert       = "insert"        // audio: insert instead of mixing (boolean)
	OptStyle        = "style"         // text wording style
	OptQuality      = "quality"       // JPEG quality for re-encoded images
	OptWatermark    = "watermark"     // embed the invisible watermark (boolean)
)

// OptionsFromValues builds Options from name/value pairs using the option names
// above. Unknown names are an error, so a typo never silently drops a label.
// Keys, seals, clocks and randomness are not settable this way: the caller
// adds them.
func OptionsFromValues(v url.Values) (Options, error) {
	var o Options
	var ex ExplicitOptions
	wantExplicit := false
	for name, vals := range v {
		if len(vals) == 0 {
			continue
		}
		val := vals[len(vals)-1]
		var err error
		switch name {
		case OptProducer:
			o.Producer = val
		case OptProduceID:
			o.ProduceID = val
		case OptLabel:
			o.Label = val
		case OptFillProp:
			o.FillPropagator, err = parseBool(name, val)
		case OptExplicit:
			wantExplicit, err = parseBool(name, val)
		case OptExplicitText:
			ex.Text, wantExplicit = val, true
		case OptPosition:
			ex.Position = val
		case OptSize:
			ex.SizePercent, err = strconv.ParseFloat(val, 64)
			if err != nil || ex.SizePercent < explicit.MinSizePercent || ex.SizePercent > explicit.MaxSizePercent {
				err = fmt.Errorf("labeler: option %s: %q is not a glyph height between %g and %g percent of the shorter side", name, val, explicit.MinSizePercent, explicit.MaxSizePercent)
			}
		case OptPrompt:
			ex.Prompt = val
		case OptAt:
			ex.At = val
		case OptInsert:
			ex.Insert, err = parseBool(name, val)
		case OptStyle:
			ex.Style = val
		case OptQuality:
			o.Quality, err = strconv.Atoi(val)
			if err != nil || o.Quality < 1 || o.Quality > 100 {
				err = fmt.Errorf("labeler: option %s: %q is not a JPEG quality from 1 to 100", name, val)
			}
		case OptWatermark:
			var on bool
			if on, err = parseBool(name, val); on {
				o.Watermark = &WatermarkOptions{}
			}
		default:
			return o, fmt.Errorf("labeler: unknown option %q", name)
		}
		if err != nil {
			return o, err
		}
	}
	if wantExplicit {
		o.Explicit = &ex
	}
	return o, nil
}

func parseBool(name, val string) (bool, error) {
	switch strings.ToLower(val) {
	case "", "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("labeler: option %s: %q is not a boolean", name, val)
}

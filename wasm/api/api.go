// Package api is the operation layer shared by the two WASM entry points (the
// browser's GOOS=js module and the GOOS=wasip1 module) and the native parity
// test: it turns option name/value pairs into core options, runs the core
// (labeler.Label, detect.Inspect) and renders the JSON report.
//
// Keeping this layer in one package is what makes the parity guarantee
// meaningful: native, js/wasm and wasip1 run exactly the same code from the
// option strings to the JSON bytes; only the transport (JS values, stdin and
// stdout) differs.
//
// The JSON of every operation is the detect Report (of the output, for label
// and propagate), as `aigclabel label --json` and `aigclabel detect --json`
// print it, without the CLI's "output" path: the browser returns the output
// bytes beside it and the WASI module writes them to stdout.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler"
)

// Env is what the entry point injects: the core never reads a clock or global
// randomness itself. Zero fields fall back to the core's defaults (real time
// and crypto/rand), which is what the browser wants.
type Env struct {
	// Clock and Rand are used for generated ProduceIDs.
	Clock func() time.Time
	Rand  io.Reader
	// Progress, when set, receives the core's progress reports.
	Progress func(stage string, done float64)
}

// Option names that belong to detect, not to labeler.OptionsFromValues.
const (
	// OptDeclared is detect's uploader declaration (Measures Art. 6 (二)).
	OptDeclared = "declared"
)

// Label labels in with the options named in opts (labeler.OptionsFromValues
// names) and returns the labeled bytes and the JSON report of the output.
func Label(ctx context.Context, in []byte, opts url.Values, env Env) (out, report []byte, err error) {
	o, err := labeler.OptionsFromValues(opts)
	if err != nil {
		return nil, nil, err
	}
	o.Clock, o.Rand, o.Progress = env.Clock, env.Rand, env.Progress
	res, err := labeler.Label(ctx, in, o)
	if err != nil {
		return nil, nil, err
	}
	report, err = inspect(ctx, res.Output, detect.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("checking the labeled output: %w", err)
	}
	return res.Output, report, nil
}

// Detect inspects in and returns the JSON report. The only option is
// "declared" (boolean).
func Detect(ctx context.Context, in []byte, opts url.Values) ([]byte, error) {
	var o detect.Options
	for name, vals := range opts {
		switch {
		case len(vals) == 0:
		case name == OptDeclared:
			on, err := parseBool(name, vals[len(vals)-1])
			if err != nil {
				return nil, err
			}
			o.Declared = on
		default:
			return nil, fmt.Errorf("detect: unknown option %q", name)
		}
	}
	return inspect(ctx, in, o)
}

// ErrNoPropagate is returned by Propagate while the core has no propagation
// step; the browser shows it as it shows any other core error.
var ErrNoPropagate = fmt.Errorf("labeler: propagation (adding ContentPropagator and PropagateID) is not available in this build yet")

// Propagate is the platform's step for content it distributes: detect, then
// add the propagator fields. It reports ErrNoPropagate until the core provides
// the propagation step.
func Propagate(ctx context.Context, in []byte, opts url.Values, env Env) (out, report []byte, err error) {
	if _, err := labeler.OptionsFromValues(opts); err != nil {
		return nil, nil, err
	}
	return nil, nil, ErrNoPropagate
}

func inspect(ctx context.Context, b []byte, o detect.Options) ([]byte, error) {
	rep, err := detect.Inspect(ctx, b, o)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}

func parseBool(name, val string) (bool, error) {
	switch val {
	case "", "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("option %s: %q is not a boolean", name, val)
}

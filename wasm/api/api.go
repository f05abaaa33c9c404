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
// The JSON of every operation is what the CLI prints with --json: the detect
// Report for detect, and for label and propagate the detect.LabelReport of the
// output, without the CLI's "output" path: the browser returns the output
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

// Option names beyond labeler.OptionsFromValues: detect's and propagate's,
// spelled as the CLI's flags.
const (
	OptDeclared     = "declared"      // the uploader declared the content AI-generated
	OptMetadataOnly = "metadata-only" // skip the checks that decode pixels or samples
	OptPropagator   = "propagator"    // the platform's ContentPropagator code
	OptPropagateID  = "propagate-id"  // PropagateID; generated when absent
	OptNoExplicit   = "no-explicit"   // propagate: do not add the explicit label the verdict requires
)

// Label labels in with the options named in opts (labeler.OptionsFromValues
// names) and returns the labeled bytes and the JSON LabelReport.
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
	// The content checks run only when labeling changed the content, as the
	// CLI does.
	rep, err := detect.Inspect(ctx, res.Output, detect.Options{MetadataOnly: o.Explicit == nil && o.Watermark == nil})
	if err != nil {
		return nil, nil, fmt.Errorf("checking the output: %w", err)
	}
	report, err = json.Marshal(detect.NewLabelReport(rep, res, ""))
	return res.Output, report, err
}

// Detect inspects in and returns the JSON report. Options: "declared" and
// "metadata-only" (booleans).
func Detect(ctx context.Context, in []byte, opts url.Values) ([]byte, error) {
	o, rest, err := detectOptions(opts)
	if err != nil {
		return nil, err
	}
	for name := range rest {
		return nil, fmt.Errorf("detect: unknown option %q", name)
	}
	rep, err := detect.Inspect(ctx, in, o)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}

// Propagate is a platform's step for content it spreads, as `aigclabel
// propagate` does it: detect, then add ContentPropagator and PropagateID
// (labeler.Propagate), with the Label and the explicit label the verdict
// calls for when the file lacks them. Options: "propagator" (required),
// "propagate-id", "no-explicit", "declared", "metadata-only".
func Propagate(ctx context.Context, in []byte, opts url.Values, env Env) (out, report []byte, err error) {
	dopts, rest, err := detectOptions(opts)
	if err != nil {
		return nil, nil, err
	}
	popts := labeler.PropagateOptions{Clock: env.Clock, Rand: env.Rand}
	noExplicit := false
	for name, vals := range rest {
		val := vals[len(vals)-1]
		switch name {
		case OptPropagator:
			popts.Propagator = val
		case OptPropagateID:
			popts.PropagateID = val
		case OptNoExplicit:
			noExplicit, err = parseBool(name, val)
		default:
			err = fmt.Errorf("propagate: unknown option %q", name)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if popts.Propagator == "" {
		return nil, nil, fmt.Errorf("propagate: option %s is required", OptPropagator)
	}
	rep, err := detect.Inspect(ctx, in, dopts)
	if err != nil {
		return nil, nil, err
	}
	popts.Label = detect.LabelFor(rep.Verdict)
	if !noExplicit && popts.Label != "" && (rep.Explicit == nil || !rep.Explicit.Found) && !rep.Format.IsAudio() {
		popts.Explicit = &labeler.ExplicitOptions{Text: detect.WordingFor(rep.Verdict)}
	}
	res, err := labeler.Propagate(ctx, in, popts)
	if err != nil {
		return nil, nil, fmt.Errorf("verdict %s: %w", rep.Verdict, err)
	}
	after, err := detect.Inspect(ctx, res.Output, dopts)
	if err != nil {
		return nil, nil, fmt.Errorf("checking the output: %w", err)
	}
	report, err = json.Marshal(detect.NewLabelReport(after, res, ""))
	return res.Output, report, err
}

// detectOptions takes detect's options out of opts and returns the rest.
func detectOptions(opts url.Values) (detect.Options, url.Values, error) {
	var o detect.Options
	rest := url.Values{}
	for name, vals := range opts {
		if len(vals) == 0 {
			continue
		}
		var err error
		switch name {
		case OptDeclared:
			o.Declared, err = parseBool(name, vals[len(vals)-1])
		case OptMetadataOnly:
			o.MetadataOnly, err = parseBool(name, vals[len(vals)-1])
		default:
			rest[name] = vals
		}
		if err != nil {
			return o, nil, err
		}
	}
	return o, rest, nil
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

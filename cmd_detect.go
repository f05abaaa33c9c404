package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler/sign"
)

func init() {
	commands["detect"] = command{summary: "read every label in files and classify them (confirmed, possible, suspected, none)", run: cmdDetect}
}

// detectFlags are the flags detect and verify share.
type detectFlags struct {
	asJSON   *bool
	declared *bool
	keys     *string
	wmKey    *string
	metaOnly *bool
}

func addDetectFlags(fs *flag.FlagSet) detectFlags {
	return detectFlags{
		asJSON:   fs.Bool("json", false, "print the report as JSON"),
		declared: fs.Bool("declared", false, "the uploader declared the content AI-generated (verdict 'possible' without a label)"),
		keys:     fs.String("keys", "", "key set `file` (JSON) to verify seals against"),
		wmKey:    fs.String("wm-key", "", "watermark key `file` (default: the development key)"),
		metaOnly: fs.Bool("metadata-only", false, "skip the checks that decode pixels or samples (explicit labels, watermark)"),
	}
}

func (f detectFlags) options() (detect.Options, error) {
	o := detect.Options{Declared: *f.declared, MetadataOnly: *f.metaOnly, At: time.Now()}
	if *f.keys != "" {
		ks, err := loadKeySet(*f.keys)
		if err != nil {
			return o, fmt.Errorf("--keys: %w", err)
		}
		o.Keys = ks
	}
	if *f.wmKey != "" {
		key, err := os.ReadFile(*f.wmKey)
		if err != nil {
			return o, fmt.Errorf("--wm-key: %w", err)
		}
		o.WatermarkKey = key
	}
	return o, nil
}

func cmdDetect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	df := addDetectFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aigclabel detect [--json] FILE...\n\nflags:")
		fs.PrintDefaults()
	}
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	opts, err := df.options()
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel detect: %v\n", err)
		return 2
	}
	code := 0
	var reports []detect.Report
	for _, path := range files {
		data, err := readInput(path)
		var rep detect.Report
		if err == nil {
			rep, err = detect.Inspect(background, data, opts)
		}
		if err != nil {
			fmt.Fprintf(stderr, "aigclabel detect: %s: %v\n", path, err)
			code = 1
			continue
		}
		if *df.asJSON {
			reports = append(reports, rep)
			continue
		}
		printSummary(stdout, path, rep)
	}
	if *df.asJSON {
		if len(files) == 1 && len(reports) == 1 {
			printJSON(stdout, reports[0])
		} else if len(reports) > 0 {
			printJSON(stdout, reports)
		}
	}
	return code
}

// printSummary writes the human-readable report.
func printSummary(w io.Writer, path string, rep detect.Report) {
	fmt.Fprintf(w, "%s: %s, verdict %s\n", path, rep.Format, strings.ToUpper(rep.Verdict))
	for _, e := range rep.Evidence {
		fmt.Fprintf(w, "  evidence: %s\n", e)
	}
	if r := rep.AIGC; r != nil {
		fmt.Fprintf(w, "  record:   Label=%s ContentProducer=%s ProduceID=%s\n", r.Label, r.ContentProducer, r.ProduceID)
		if r.ContentPropagator != "" || r.PropagateID != "" {
			fmt.Fprintf(w, "            ContentPropagator=%s PropagateID=%s\n", r.ContentPropagator, r.PropagateID)
		}
	}
	for _, c := range rep.Carriers {
		valid := "valid"
		if !c.Valid {
			valid = "INVALID"
		}
		fmt.Fprintf(w, "  carrier:  %s at offset %d, %d bytes, %s\n", c.Kind, c.Offset, c.Length, valid)
	}
	for _, f := range rep.Foreign {
		v := f.Value
		if v != "" {
			v = ": " + v
		}
		fmt.Fprintf(w, "  foreign:  %s at offset %d, %d bytes%s\n", f.Kind, f.Offset, f.Length, v)
	}
	if s := rep.Seal; s != nil && (s.Producer.Status != sign.StatusAbsent || s.Propagator.Status != sign.StatusAbsent) {
		fmt.Fprintf(w, "  seal:     producer %s, propagator %s\n", sealText(s.Producer), sealText(s.Propagator))
	}
	if x := rep.Explicit; x != nil {
		for _, f := range x.Findings {
			fmt.Fprintf(w, "  explicit: %s %q at %s (confidence %.2f)\n", f.Kind, f.Text, f.Where, f.Confidence)
		}
	}
	if wm := rep.Watermark; wm != nil {
		if wm.Found {
			layout := ""
			if wm.Compact {
				layout = " (compact layout of a short text)"
			}
			fmt.Fprintf(w, "  watermark: payload %s%s, %d bit errors, false-positive probability %.1e\n", wm.Payload, layout, wm.BitErrors, wm.Confidence)
		} else if wm.Note != "" {
			fmt.Fprintf(w, "  watermark: none (%s)\n", wm.Note)
		}
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  problem:  %s\n", p)
	}
}

func sealText(s sign.SealStatus) string {
	t := string(s.Status)
	if s.KeyID != "" {
		t += " (" + s.KeyID + ")"
	}
	return t
}

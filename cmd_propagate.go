package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler"
)

func init() {
	commands["propagate"] = command{summary: "add a platform's propagation fields and seal to a file it spreads", run: cmdPropagate}
}

func cmdPropagate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("propagate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output `path`")
	propagator := fs.String("propagator", "", "ContentPropagator: the platform's provider `code` (required)")
	propagateID := fs.String("propagate-id", "", "PropagateID (default: a generated ULID)")
	key := fs.String("key", "", "seal the propagation into ReservedCode2 with this private key `file`")
	keyID := fs.String("key-id", "", "key ID named in the seal (default: derived from the public key)")
	noExplicit := fs.Bool("no-explicit", false, "do not add the explicit label the verdict requires when the file lacks one")
	df := addDetectFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aigclabel propagate IN -o OUT --propagator CODE [--propagate-id ID] [--key KEY] [--declared]\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *out == "" || *propagator == "" {
		fs.Usage()
		return 2
	}
	dopts, err := df.options()
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel propagate: %v\n", err)
		return 2
	}
	popts := labeler.PropagateOptions{Propagator: *propagator, PropagateID: *propagateID}
	if *key != "" {
		s, err := loadSealer(*key, *keyID)
		if err != nil {
			fmt.Fprintf(stderr, "aigclabel propagate: --key: %v\n", err)
			return 2
		}
		popts.Seal = &labeler.SealOptions{Signer: s.ForPropagation()}
	}
	in := pos[0]
	data, err := readInput(in)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel propagate: %v\n", err)
		return 1
	}
	rep, err := detect.Inspect(background, data, dopts)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel propagate: %s: %v\n", in, err)
		return 1
	}
	popts.Label = detect.LabelFor(rep.Verdict)
	if !*noExplicit && popts.Label != "" && (rep.Explicit == nil || !rep.Explicit.Found) && !rep.Format.IsAudio() {
		popts.Explicit = &labeler.ExplicitOptions{Text: detect.WordingFor(rep.Verdict)}
	}
	res, err := labeler.Propagate(background, data, popts)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel propagate: %s: verdict %s: %v\n", in, rep.Verdict, err)
		return 1
	}
	after, err := detect.Inspect(background, res.Output, dopts)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel propagate: checking the output: %v\n", err)
		return 1
	}
	if err := writeFileAtomic(*out, res.Output, 0o644); err != nil {
		fmt.Fprintf(stderr, "aigclabel propagate: %v\n", err)
		return 1
	}
	if *df.asJSON {
		printJSON(stdout, detect.LabelReport{Report: after, Output: *out})
	} else {
		fmt.Fprintf(stdout, "%s -> %s: verdict %s, ContentPropagator %s, PropagateID %s\n", in, *out, rep.Verdict, res.Record.ContentPropagator, res.Record.PropagateID)
	}
	return 0
}

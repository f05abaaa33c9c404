// Command wasi is aigclabel's GOOS=wasip1 module: the browser's operations over
// stdin, stdout and arguments, for any WASI runtime (wazero, wasmtime, Node's
// node:wasi). Build it with `make wasi`.
//
//	aigclabel.wasm label [--name value | --name=value | --flag]... < IN > OUT 2> REPORT.json
//	aigclabel.wasm propagate [options] < IN > OUT 2> REPORT.json
//	aigclabel.wasm detect [--declared] < IN > REPORT.json
//
// Option names are the CLI's (labeler.OptionsFromValues). label and propagate
// write the labeled file to stdout and its JSON report to stderr; detect writes
// the report to stdout. On failure the error message goes to stderr and the
// exit code is 1; a usage error exits with 2.
//
// The program uses nothing specific to WASI, so it also runs natively, which
// the parity test uses as its reference.
package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/aigclabel/aigclabel/wasm/api"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: aigclabel.wasm label|propagate|detect [--option value]... < IN")
		return 2
	}
	opts, err := parseArgs(args[1:])
	if err != nil {
		fmt.Fprintln(stderr, "aigclabel:", err)
		return 2
	}
	in, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "aigclabel: reading stdin:", err)
		return 1
	}
	ctx := context.Background()
	var out, report []byte
	switch args[0] {
	case "label":
		out, report, err = api.Label(ctx, in, opts, api.Env{})
	case "propagate":
		out, report, err = api.Propagate(ctx, in, opts, api.Env{})
	case "detect":
		report, err = api.Detect(ctx, in, opts)
	default:
		fmt.Fprintf(stderr, "aigclabel: unknown operation %q (want label, propagate or detect)\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	reportTo := stderr
	if out != nil {
		if _, err := stdout.Write(out); err != nil {
			fmt.Fprintln(stderr, "aigclabel: writing stdout:", err)
			return 1
		}
	} else {
		reportTo = stdout
	}
	if _, err := reportTo.Write(report); err != nil {
		return 1
	}
	return 0
}

// parseArgs reads --name value, --name=value and bare --flag (a flag followed
// by another --option or by nothing means "true").
func parseArgs(args []string) (url.Values, error) {
	v := url.Values{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			return nil, fmt.Errorf("unexpected argument %q (options are --name value)", a)
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		if !hasVal {
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				val = args[i]
			} else {
				val = "true"
			}
		}
		v.Set(name, val)
	}
	return v, nil
}

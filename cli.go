package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

// errUsage marks errors that are the caller's mistake (exit code 2).
var errUsage = errors.New("usage error")

// parseArgs parses flags that may stand before, between or after positional
// arguments (`label IN -o OUT --producer X`), which package flag alone does
// not allow. It returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// optionFlags registers the shared labeling options (labeler.Opt* names) on fs
// and returns a function that collects the ones set into url.Values.
func optionFlags(fs *flag.FlagSet, names map[string]string, bools map[string]bool) func() url.Values {
	vals := url.Values{}
	for name, help := range names {
		name := name
		if bools[name] {
			fs.Var(boolValue{name: name, vals: vals}, name, help)
			continue
		}
		fs.Func(name, help, func(s string) error { vals.Set(name, s); return nil })
	}
	return func() url.Values { return vals }
}

// boolValue is a flag.Value that records "true"/"false" into vals and allows
// `--name` without a value.
type boolValue struct {
	name string
	vals url.Values
}

func (b boolValue) String() string   { return "" }
func (b boolValue) IsBoolFlag() bool { return true }
func (b boolValue) Set(s string) error {
	b.vals.Set(b.name, s)
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so a crash never leaves a half-written output.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(perm)
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
	}
	return werr
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// isTerminal reports whether f is a character device (a terminal), where a
// progress bar makes sense.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// exitCode maps an error to the CLI's exit codes.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

var background = context.Background()

// readInput reads a file, refusing sizes beyond maxInput.
func readInput(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if st.Size() > maxInput {
		return nil, fmt.Errorf("%s: %d bytes exceeds the %d-byte input limit", path, st.Size(), maxInput)
	}
	return io.ReadAll(f)
}

const maxInput = 1 << 30

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

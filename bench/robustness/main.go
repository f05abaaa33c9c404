// Command robustness measures how the invisible watermarks survive the
// transformations content meets after labeling (re-encoding, resizing,
// cropping, noise, screenshots), their quality cost, speed and false-positive
// rate, over the development corpus. Run it with `make bench-robustness`;
// each medium (image, audio, text) registers its runner from its own file.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// config is what every runner gets.
type config struct {
	// CorpusDir is the development corpus root (with images/, audio/, text/).
	CorpusDir string
	// Out receives the runner's report (Markdown tables).
	Out io.Writer
	// Quick cuts the work down for a fast check.
	Quick bool
}

// runners maps a medium name to its benchmark.
var runners = map[string]func(cfg *config) error{}

// register adds a runner; call it from init().
func register(name string, fn func(cfg *config) error) {
	if _, dup := runners[name]; dup {
		panic("robustness: runner registered twice: " + name)
	}
	runners[name] = fn
}

// moduleRoot walks up from the working directory to the directory with go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func main() {
	names := make([]string, 0, len(runners))
	for n := range runners {
		names = append(names, n)
	}
	sort.Strings(names)
	media := flag.String("media", strings.Join(names, ","), "comma-separated media to benchmark")
	corpus := flag.String("corpus", filepath.Join(moduleRoot(), "..", "shared", "corpus"), "development corpus directory")
	quick := flag.Bool("quick", false, "fewer images and false-positive trials, for a fast check")
	flag.Parse()

	if _, err := os.Stat(*corpus); err != nil {
		fmt.Fprintf(os.Stderr, "robustness: corpus not found at %s (use -corpus)\n", *corpus)
		os.Exit(2)
	}
	cfg := &config{CorpusDir: *corpus, Out: os.Stdout, Quick: *quick}
	failed := false
	for _, m := range strings.Split(*media, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		fn, ok := runners[m]
		if !ok {
			fmt.Fprintf(os.Stderr, "robustness: no runner for %q (have %s)\n", m, strings.Join(names, ", "))
			failed = true
			continue
		}
		if err := fn(cfg); err != nil {
			fmt.Fprintf(os.Stderr, "robustness: %s: %v\n", m, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// Command metadata measures metadata-only labeling against a plain in-memory
// copy of the same bytes, in the same run, over the shared corpus.
//
// Metadata-only labeling is a byte splice (sniff, parse the container, write
// the record, re-read it to verify); the copy (allocate and copy the file) is
// the floor any labeling must pay to produce a new file. The target is a ratio
// of at most 3. Times are CPU time (the VM this runs on is shared), the lowest
// of five rounds, with GC running as usual for both methods.
//
//	go run ./bench/metadata [-corpus DIR] [-time 300ms]
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/aigclabel/aigclabel/labeler"
)

func main() {
	corpus := flag.String("corpus", "../shared/corpus", "corpus folder")
	minTime := flag.Duration("time", 300*time.Millisecond, "minimum measuring time per file and method")
	flag.Parse()

	var files []string
	for _, sub := range []string{"images", "audio", "c2pa", "aigc-real"} {
		ents, err := os.ReadDir(filepath.Join(*corpus, sub))
		if err != nil {
			fmt.Fprintf(os.Stderr, "metadata: %v (is -corpus right?)\n", err)
			os.Exit(1)
		}
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".png", ".webp", ".wav", ".mp3":
				files = append(files, filepath.Join(*corpus, sub, e.Name()))
			}
		}
	}
	sort.Strings(files)
	opts := labeler.Options{Producer: "001191110102MACQD9K64010000", ProduceID: "01JDXBENCH0000000000000000"}
	fmt.Printf("%-72s %10s %12s %12s %7s\n", "file", "bytes", "copy ns/op", "label ns/op", "ratio")
	var sumCopy, sumLabel float64
	failed := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if _, err := labeler.Label(context.Background(), data, opts); err != nil {
			fmt.Printf("%-70s %10d  label failed: %v\n", rel(*corpus, f), len(data), err)
			failed++
			continue
		}
		var sink []byte
		cp := measure(*minTime, func() {
			sink = make([]byte, len(data))
			copy(sink, data)
		})
		lb := measure(*minTime, func() {
			res, _ := labeler.Label(context.Background(), data, opts)
			sink = res.Output
		})
		_ = sink
		sumCopy += cp
		sumLabel += lb
		fmt.Printf("%-72s %10d %12.0f %12.0f %6.2fx\n", rel(*corpus, f), len(data), cp, lb, lb/cp)
	}
	fmt.Printf("\nall %d files: label/copy = %.2fx (sum of per-file times; target <= 3x); %d failed\n", len(files)-failed, sumLabel/sumCopy, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// measure returns the CPU nanoseconds per call of fn (user + system time of
// the process, so a loaded machine's waiting does not count), the lowest of
// several rounds of at least d each.
func measure(d time.Duration, fn func()) float64 {
	fn() // warm up
	n := 1
	for {
		start := time.Now()
		for i := 0; i < n; i++ {
			fn()
		}
		if time.Since(start) >= d/4 {
			break
		}
		n *= 2
	}
	best := math.Inf(1)
	for round := 0; round < 5; round++ {
		c0 := cpuTime()
		for i := 0; i < n; i++ {
			fn()
		}
		best = math.Min(best, float64(cpuTime()-c0)/float64(n))
	}
	return best
}

// cpuTime is the process's user + system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func rel(base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return r
}

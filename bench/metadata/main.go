// Command metadata measures metadata-only labeling against a plain in-memory
// copy of the same bytes, in the same run, over the shared corpus.
//
// Metadata-only labeling is a byte splice (sniff, parse the container, write
// the record, re-read it to verify); the copy (allocate and copy the file) is
// the floor any labeling must pay to produce a new file. The target is a ratio
// of at most 3 for every file. Times are CPU time (the VM this runs on is
// shared), the lowest of 21 rounds alternating between copy and labeling,
// with GC running as usual for both methods.
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
	minTime := flag.Duration("time", 300*time.Millisecond, "minimum CPU time per file and method")
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
	var sumCopy, sumLabel, worst float64
	var worstFile string
	over := 0
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
		cp, lb := paired(*minTime,
			func() {
				sink = make([]byte, len(data))
				copy(sink, data)
			},
			func() {
				res, _ := labeler.Label(context.Background(), data, opts)
				sink = res.Output
			})
		_ = sink
		if lb/cp > worst {
			worst, worstFile = lb/cp, rel(*corpus, f)
		}
		if lb/cp > 3 {
			over++
		}
		sumCopy += cp
		sumLabel += lb
		fmt.Printf("%-72s %10d %12.0f %12.0f %6.2fx\n", rel(*corpus, f), len(data), cp, lb, lb/cp)
	}
	fmt.Printf("\nall %d files: label/copy = %.2fx (sum of per-file times; target <= 3x); %d failed\n", len(files)-failed, sumLabel/sumCopy, failed)
	fmt.Printf("per file: %d over 3x; highest %.2fx (%s)\n", over, worst, worstFile)
	if failed > 0 {
		os.Exit(1)
	}
}

// paired returns the CPU nanoseconds per call of the baseline and of fn
// (user + system time of the process, so a loaded machine's waiting does not
// count), each the lowest of 21 rounds of at least d/21 that alternate
// between the two, so that load from other processes does not land on one
// side only.
func paired(d time.Duration, baseline, fn func()) (base, ns float64) {
	const rounds = 21
	baseline() // warm up
	fn()
	base, ns = math.Inf(1), math.Inf(1)
	for range rounds {
		base = math.Min(base, once(d/rounds, baseline))
		ns = math.Min(ns, once(d/rounds, fn))
	}
	return base, ns
}

// once returns the mean CPU ns per call of fn over at least d of CPU time.
func once(d time.Duration, fn func()) float64 {
	for n := 1; ; n *= 2 {
		c0 := cpuTime()
		for i := 0; i < n; i++ {
			fn()
		}
		if el := cpuTime() - c0; el >= d.Nanoseconds() {
			return float64(el) / float64(n)
		}
	}
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

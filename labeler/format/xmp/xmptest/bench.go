//go:build unix

package xmptest

import (
	"syscall"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// BenchWriteRead measures labeling in (Write, then the verifying Read) beside
// a plain copy of the same bytes, the floor of producing a new file. Besides
// wall time it reports process CPU time per operation (cpu-ns/op), which a
// loaded machine inflates far less.
func BenchWriteRead(b *testing.B, c format.Codec, in []byte) {
	b.Run("copy", func(b *testing.B) {
		start(b, len(in))
		for b.Loop() {
			out := make([]byte, len(in))
			copy(out, in)
		}
	})
	b.Run("label", func(b *testing.B) {
		start(b, len(in))
		for b.Loop() {
			out, err := c.Write(in, Rec1)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Read(out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func start(b *testing.B, size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	t0 := cpuTime()
	b.Cleanup(func() { b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op") })
}

// cpuTime returns the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

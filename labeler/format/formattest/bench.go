//go:build unix

package formattest

import (
	"syscall"
	"testing"
)

// StartBench starts measuring a benchmark over size bytes, after its setup.
// Besides wall time it reports process CPU time per operation (cpu-ns/op),
// which a loaded machine inflates far less.
func StartBench(b *testing.B, size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	t0 := cpuTime()
	b.ResetTimer()
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

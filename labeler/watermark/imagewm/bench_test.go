//go:build !wasip1 && !js

package imagewm

import (
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCPU(b *testing.B, fn func()) {
	t0 := cpuNow()
	for i := 0; i < b.N; i++ {
		fn()
	}
	b.ReportMetric(float64((cpuNow()-t0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

func BenchmarkDetectUnmarked(b *testing.B) {
	img := texture(768, 512, 9)
	b.ResetTimer()
	benchCPU(b, func() { Detect(img, DevKey) })
}

func BenchmarkDetectMarked(b *testing.B) {
	img, _ := Embed(texture(768, 512, 9), 1, DevKey, Options{})
	b.ResetTimer()
	benchCPU(b, func() { Detect(img, DevKey) })
}

func BenchmarkEmbed(b *testing.B) {
	img := texture(768, 512, 9)
	b.ResetTimer()
	benchCPU(b, func() { Embed(img, 1, DevKey, Options{}) })
}

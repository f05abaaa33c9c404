//go:build !wasip1 && !js

package imagewm

import (
	"testing"

	"github.com/disintegration/imaging"
)

func BenchmarkDetectCrop(b *testing.B) {
	m, _ := Embed(texture(768, 512, 9), 1, DevKey, Options{})
	img := imaging.CropCenter(m, 576, 384)
	b.ResetTimer()
	benchCPU(b, func() { Detect(img, DevKey) })
}

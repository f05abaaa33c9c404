//go:build unix

package xmptest

import (
	"testing"

	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/formattest"
)

// BenchWriteRead measures labeling in (Write, then the verifying Read) beside
// a plain copy of the same bytes, the floor of producing a new file. Besides
// wall time it reports process CPU time per operation (cpu-ns/op), which a
// loaded machine inflates far less.
func BenchWriteRead(b *testing.B, c format.Codec, in []byte) {
	b.Run("copy", func(b *testing.B) {
		formattest.StartBench(b, len(in))
		for b.Loop() {
			out := make([]byte, len(in))
			copy(out, in)
		}
	})
	b.Run("label", func(b *testing.B) {
		formattest.StartBench(b, len(in))
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

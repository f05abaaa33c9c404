package audiowm

import (
	"testing"

	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// TestFalsePositiveBound checks the documented per-minute bound: the
// decodes a minute of audio can cost, times the per-decode bound.
func TestFalsePositiveBound(t *testing.T) {
	// A minute is searched in windows every windowHop frames, each with up
	// to MaxCandidates decodes and one of the untouched alignment, plus
	// one decode of their sum.
	nf := 60*rate8/detectHop + 1
	decodes := len(windows(nf))*(MaxCandidates+1) + 1
	p := float64(decodes) * payload.FalsePositive(payload.MaxBitErrors)
	t.Logf("%d windows per minute, %d decodes, bound %.2g per minute", len(windows(nf)), decodes, p)
	if p > 1e-6 {
		t.Errorf("bound %.2g per minute exceeds 1e-6", p)
	}
}

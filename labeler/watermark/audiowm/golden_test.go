package audiowm

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// goldenEmbed is the SHA-256 of the float32 bits of Embed(synth(44100, 2,
// 6, 11), 44100, 99, DevKey) from a native amd64 run; a wasip1 run
// (GOOS=wasip1 GOARCH=wasm) must give the same. Changed on 2026-11-29 when
// the quantisation step became a function of the unit's frequency (Step to
// TopStep) and the SNR floor a cap on the dearest units' moves.
const goldenEmbed = "4f35c9613097b691764eed508bf88549d9a0e4de631e284b1c60820d7e490848"

func TestGolden(t *testing.T) {
	s := synth(44100, 2, 6, 11)
	if err := Embed(s, 44100, 99, DevKey, Options{}); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var b [4]byte
	for _, c := range s {
		for _, v := range c {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != goldenEmbed {
		t.Errorf("Embed output hash %s, want %s", got, goldenEmbed)
	}
}

package voice

import (
	"os"
	"testing"
)

// FuzzParse: parse never panics and never returns more samples than bytes allow.
func FuzzParse(f *testing.F) {
	wav, err := os.ReadFile("prompt_cmn_16k.wav")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(wav[:200])
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parse(b)
		if err == nil && 2*len(s) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
	})
}

// FuzzUnpack: unpack never panics and returns one sample per two bytes.
func FuzzUnpack(f *testing.F) {
	f.Add(residuals[:200])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := unpack(b)
		if err == nil && 2*len(s) != len(b) {
			t.Fatalf("%d samples from %d bytes", len(s), len(b))
		}
	})
}

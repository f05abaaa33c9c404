package voice

import (
	"flag"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestClip checks the embedded clip against sox's own reading of the file.
func TestClip(t *testing.T) {
	s := Samples()
	if len(s) < Rate || len(s) > 4*Rate {
		t.Fatalf("clip is %d samples; want 1-4 s", len(s))
	}
	soxi, err := exec.LookPath("soxi")
	if err != nil {
		t.Skip("soxi not installed")
	}
	out, err := exec.Command(soxi, "-s", "prompt_cmn_16k.wav").Output()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	if n != len(s) {
		t.Fatalf("soxi counts %d samples, parse %d", n, len(s))
	}
}

func TestParseRejects(t *testing.T) {
	for _, b := range []string{"", "RIFF", "RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\x7f", "RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00ab"} {
		if _, err := parse([]byte(b)); err == nil {
			t.Errorf("parse(%q) accepted", b)
		}
	}
}

var update = flag.Bool("update", false, "rewrite prompt_cmn_16k.res from prompt_cmn_16k.wav")

// pack is unpack's inverse.
func pack(s []int16) []byte {
	n := len(s)
	b := make([]byte, 2*n)
	for i, v := range s {
		r := int32(v)
		switch {
		case i >= 2:
			r -= 2*int32(s[i-1]) - int32(s[i-2])
		case i == 1:
			r -= int32(s[0])
		}
		z := uint32(r<<1 ^ r>>31)
		if z > 0xffff {
			panic("residual does not fit 16 bits")
		}
		b[i], b[n+i] = byte(z>>8), byte(z)
	}
	return b
}

// TestResidualsAreTheWAV checks that the embedded residuals decode to the
// samples of prompt_cmn_16k.wav exactly (with -update, it writes them).
func TestResidualsAreTheWAV(t *testing.T) {
	wav, err := os.ReadFile("prompt_cmn_16k.wav")
	if err != nil {
		t.Fatal(err)
	}
	want, err := parse(wav)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("prompt_cmn_16k.res", pack(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !slices.Equal(Samples(), want) {
		t.Fatal("the embedded residuals do not decode to the WAV's samples")
	}
	if got := pack(want); !slices.Equal(got, residuals) {
		t.Fatal("prompt_cmn_16k.res is not the packing of the WAV: run go test -run TestResidualsAreTheWAV -update")
	}
}

package voice

import (
	"os/exec"
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

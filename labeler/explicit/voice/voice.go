// Package voice holds aigclabel's Mandarin voice prompt: 人工智能生成 ("AI
// generated"), spoken by espeak-ng from pinyin at about 139 characters per
// minute and stored as 16 kHz mono 16-bit PCM. regen.sh made it; it is
// embedded so that labeling needs no speech synthesizer and every build
// inserts the same samples.
package voice

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"sync"
)

// Rate is the clip's sample rate in Hz.
const Rate = 16000

// Text is what the clip says.
const Text = "人工智能生成"

//go:embed prompt_cmn_16k.wav
var wav []byte

var (
	once    sync.Once
	samples []int16
	err     error
)

// Samples returns the clip's samples (mono, Rate Hz). The slice is shared:
// do not modify it.
func Samples() []int16 {
	once.Do(func() { samples, err = parse(wav) })
	if err != nil {
		panic("voice: embedded clip is broken: " + err.Error())
	}
	return samples
}

// parse reads a canonical PCM WAV: 16-bit, mono, Rate Hz. It checks every
// chunk length against the bytes present.
func parse(b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a RIFF/WAVE file")
	}
	fmtOK := false
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		p += 8
		if n < 0 || n > len(b)-p {
			return nil, errors.New("chunk " + id + " runs past the end")
		}
		body := b[p : p+n]
		switch id {
		case "fmt ":
			if n < 16 || binary.LittleEndian.Uint16(body[0:2]) != 1 || binary.LittleEndian.Uint16(body[2:4]) != 1 ||
				binary.LittleEndian.Uint32(body[4:8]) != Rate || binary.LittleEndian.Uint16(body[14:16]) != 16 {
				return nil, errors.New("want 16-bit mono PCM at 16 kHz")
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, errors.New("data before fmt")
			}
			s := make([]int16, n/2)
			for i := range s {
				s[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return s, nil
		}
		p += n + n&1
	}
	return nil, errors.New("no data chunk")
}

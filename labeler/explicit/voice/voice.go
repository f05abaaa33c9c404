// Package voice holds aigclabel's Mandarin voice prompt: 人工智能生成 ("AI
// generated"), spoken by espeak-ng from pinyin at about 139 characters per
// minute and stored as 16 kHz mono 16-bit PCM. regen.sh made it; it is
// embedded so that labeling needs no speech synthesizer and every build
// inserts the same samples.
//
// The module embeds the samples of prompt_cmn_16k.wav as prediction
// residuals (prompt_cmn_16k.res, see unpack), which gzip and brotli compress
// better than the PCM: 15 KB less of the browser module's gzip size.
// TestResidualsAreTheWAV checks they decode to the WAV's samples exactly.
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

//go:embed prompt_cmn_16k.res
var residuals []byte

var (
	once    sync.Once
	samples []int16
	err     error
)

// Samples returns the clip's samples (mono, Rate Hz). The slice is shared:
// do not modify it.
func Samples() []int16 {
	once.Do(func() { samples, err = unpack(residuals) })
	if err != nil {
		panic("voice: embedded clip is broken: " + err.Error())
	}
	return samples
}

// unpack decodes the residual form: for n samples, n high bytes then n low
// bytes of zigzag-coded residuals of the second-order predictor
// 2·s[i-1] - s[i-2] (s[i-1] for i = 1, 0 for i = 0).
func unpack(b []byte) ([]int16, error) {
	if len(b)%2 != 0 {
		return nil, errors.New("residuals of odd length")
	}
	n := len(b) / 2
	s := make([]int16, n)
	for i := range n {
		z := int32(b[i])<<8 | int32(b[n+i])
		v := z>>1 ^ -(z & 1)
		switch {
		case i >= 2:
			v += 2*int32(s[i-1]) - int32(s[i-2])
		case i == 1:
			v += int32(s[0])
		}
		if v < -32768 || v > 32767 {
			return nil, errors.New("residual out of range")
		}
		s[i] = int16(v)
	}
	return s, nil
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

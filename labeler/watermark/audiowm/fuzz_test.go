package audiowm

import (
	"encoding/binary"
	"testing"
)

// FuzzDetect feeds arbitrary samples to Detect: the first byte picks the
// rate and channel count, the rest are 16-bit samples repeated to fill
// 2.5 s. Detect must not panic, and must not find a payload in noise made
// of a few repeated bytes.
func FuzzDetect(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4})
	f.Add([]byte{1, 0xff, 0x7f, 0x00, 0x80})
	f.Add([]byte{2, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80})
	f.Add([]byte{3})
	f.Add([]byte{4, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		rates := []int{8000, 16000, 44100, 4000, 96000}
		rate := rates[int(b[0])%len(rates)]
		ch := 1 + int(b[0]>>4)%3
		data := b[1:]
		if len(data) > 1<<16 {
			data = data[:1<<16]
		}
		n := rate * 5 / 2
		s := make([][]float32, ch)
		for c := range s {
			s[c] = make([]float32, n)
			if len(data) < 2 {
				continue
			}
			pairs := len(data) / 2
			for i := range s[c] {
				p := (i + c) % pairs
				s[c][i] = float32(int16(binary.LittleEndian.Uint16(data[2*p:]))) / 32768
			}
		}
		r, err := Detect(s, rate, DevKey)
		if err != nil {
			if rate != 4000 {
				t.Fatalf("rate %d: %v", rate, err)
			}
			return
		}
		if r.Found {
			t.Fatalf("found %x in fuzz input", r.Payload)
		}
	})
}

package wav

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// Format tags of the fmt chunk.
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

// subFormatTail is the common tail of the KSDATAFORMAT_SUBTYPE_* GUIDs: an
// extensible fmt chunk's SubFormat is the format tag (little-endian uint16),
// two zero bytes, then these 12 bytes.
var subFormatTail = [12]byte{0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// SampleFormat describes how the data chunk stores samples.
type SampleFormat struct {
	// Bits is the container size of one sample: 8, 16, 24, 32 (integer or
	// float) or 64 (float).
	Bits int
	// ValidBits is the number of significant bits (wValidBitsPerSample of an
	// extensible fmt chunk); it equals Bits otherwise.
	ValidBits int
	// Float reports IEEE float samples; otherwise samples are integers,
	// unsigned for 8 bits and two's complement above.
	Float bool
	// Extensible reports a WAVE_FORMAT_EXTENSIBLE fmt chunk; EncodePCM keeps
	// it, with its SubFormat GUID and channel mask.
	Extensible bool
	// ChannelMask is the speaker mask of an extensible fmt chunk, 0 otherwise.
	ChannelMask uint32
}

// PCM holds decoded audio.
//
// Integer samples s of b bits map to s / 2^(b-1) (8-bit: (u-128)/128), so the
// nominal range is [-1, 1); float samples are taken as stored. This is the
// mapping ffmpeg uses, and for 8, 16 and 24 bits it is exact both ways, so
// EncodePCM(orig, DecodePCM(orig)) gives back the same data chunk. 32-bit
// integer samples keep the 24 significant bits a float32 holds.
type PCM struct {
	Rate    int         // frames per second
	Samples [][]float32 // planar: one slice per channel, all the same length
	Format  SampleFormat
}

// Frames returns the number of frames (samples per channel).
func (p *PCM) Frames() int {
	if len(p.Samples) == 0 {
		return 0
	}
	return len(p.Samples[0])
}

// waveFmt is a parsed fmt chunk.
type waveFmt struct {
	SampleFormat
	channels   int
	rate       int
	blockAlign int
}

// parseFmt reads the fmt chunk and checks that aigclabel can decode its
// samples: integer PCM of 8 to 32 bits or IEEE float of 32 or 64 bits, plain or
// extensible. Compressed formats (A-law, µ-law, ADPCM, MP3 in WAV) are
// unsupported.
func parseFmt(b []byte, c chunk) (*waveFmt, error) {
	body := c.body(b)
	off := int64(c.off + 8)
	if len(body) < 16 {
		return nil, format.Errorf(format.WAV, off, "fmt chunk of %d bytes, want at least 16", len(body))
	}
	le := binary.LittleEndian
	w := &waveFmt{
		channels:   int(le.Uint16(body[2:])),
		rate:       int(le.Uint32(body[4:])),
		blockAlign: int(le.Uint16(body[12:])),
	}
	w.Bits = int(le.Uint16(body[14:]))
	w.ValidBits = w.Bits
	tag := le.Uint16(body[0:])
	if tag == tagExtensible {
		if len(body) < 40 {
			return nil, format.Errorf(format.WAV, off, "extensible fmt chunk of %d bytes, want 40", len(body))
		}
		w.Extensible = true
		w.ValidBits = int(le.Uint16(body[18:]))
		w.ChannelMask = le.Uint32(body[20:])
		if [12]byte(body[28:40]) != subFormatTail || le.Uint16(body[26:]) != 0 {
			return nil, &format.UnsupportedError{Format: format.WAV, Msg: "extensible fmt chunk with a SubFormat GUID that is not a WAVE format tag"}
		}
		tag = le.Uint16(body[24:])
		if w.ValidBits == 0 || w.ValidBits > w.Bits {
			w.ValidBits = w.Bits // 0 means "not given"; larger is invalid, and harmless here
		}
	}
	switch {
	case tag == tagPCM && (w.Bits == 8 || w.Bits == 16 || w.Bits == 24 || w.Bits == 32):
	case tag == tagFloat && (w.Bits == 32 || w.Bits == 64):
		w.Float = true
	case tag == tagPCM || tag == tagFloat:
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: fmt.Sprintf("%d-bit samples with format tag %d", w.Bits, tag)}
	default:
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: fmt.Sprintf("format tag 0x%04X (only PCM and IEEE float samples are decoded)", tag)}
	}
	switch {
	case w.channels == 0:
		return nil, format.Errorf(format.WAV, off+2, "zero channels")
	case w.rate == 0:
		return nil, format.Errorf(format.WAV, off+4, "zero sample rate")
	case w.blockAlign != w.channels*w.Bits/8:
		return nil, format.Errorf(format.WAV, off+12, "block align %d, want %d channels × %d bytes", w.blockAlign, w.channels, w.Bits/8)
	}
	return w, nil
}

// parseWAV parses b and finds its fmt chunk and first data chunk.
func parseWAV(b []byte) (*riffFile, *waveFmt, chunk, error) {
	f, err := parseRIFF(b)
	if err != nil {
		return nil, nil, chunk{}, err
	}
	var fc, dc *chunk
	for i := range f.chunks {
		switch c := &f.chunks[i]; c.id {
		case idFmt:
			if fc == nil {
				fc = c
			}
		case idData:
			if dc == nil {
				dc = c
			}
		}
	}
	if fc == nil {
		return nil, nil, chunk{}, format.Errorf(format.WAV, 12, "no fmt chunk")
	}
	if dc == nil {
		return nil, nil, chunk{}, format.Errorf(format.WAV, 12, "no data chunk")
	}
	w, err := parseFmt(b, *fc)
	return f, w, *dc, err
}

// DecodePCM decodes the samples of a WAV file. A partial frame at the end of
// the data chunk is ignored; the data chunk's pad byte is never a sample.
func DecodePCM(b []byte) (*PCM, error) {
	_, w, dc, err := parseWAV(b)
	if err != nil {
		return nil, err
	}
	data := dc.body(b)
	frames := len(data) / w.blockAlign
	p := &PCM{Rate: w.rate, Format: w.SampleFormat, Samples: make([][]float32, w.channels)}
	all := make([]float32, frames*w.channels)
	for ch := range p.Samples {
		p.Samples[ch] = all[ch*frames : (ch+1)*frames : (ch+1)*frames]
	}
	decode(p.Samples, data[:frames*w.blockAlign], w)
	return p, nil
}

// Scale factors 2^-(b-1), exact in float64.
const (
	inv7  = 1.0 / (1 << 7)
	inv15 = 1.0 / (1 << 15)
	inv23 = 1.0 / (1 << 23)
	inv31 = 1.0 / (1 << 31)
)

// decode converts data, whole frames only, into the planar dst. The common
// formats get a loop each, since an indirect call per sample costs more than
// the conversion; the conversions are exact (see PCM) except for 32-bit
// integers and 64-bit floats, which round to the nearest float32.
func decode(dst [][]float32, data []byte, w *waveFmt) {
	le := binary.LittleEndian
	n := len(dst)
	frames := len(data) / w.blockAlign
	switch size := w.Bits / 8; {
	case w.Float && size == 4:
		for i := range frames * n {
			dst[i%n][i/n] = math.Float32frombits(le.Uint32(data[4*i:]))
		}
	case size == 2:
		for i := range frames * n {
			dst[i%n][i/n] = float32(int16(le.Uint16(data[2*i:]))) * inv15
		}
	case size == 3:
		for i := range frames * n {
			s := data[3*i:]
			dst[i%n][i/n] = float32(int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24)>>8) * inv23
		}
	case w.Float:
		for i := range frames * n {
			dst[i%n][i/n] = float32(math.Float64frombits(le.Uint64(data[8*i:])))
		}
	case size == 1:
		for i := range frames * n {
			dst[i%n][i/n] = float32(int(data[i])-128) * inv7
		}
	default:
		for i := range frames * n {
			dst[i%n][i/n] = float32(int32(le.Uint32(data[4*i:]))) * inv31
		}
	}
}

// EncodePCM returns orig with its data chunk replaced by p's samples, written
// in orig's sample format (the fmt chunk is kept as it is, extensible GUID and
// channel mask included). Every other chunk is kept byte for byte, except that
// a "fact" chunk's sample count is updated, since the frame count may change
// (an audio prompt inserted). p must have orig's rate and channel count.
//
// Integer samples are x·2^(b-1) rounded half away from zero and clamped to the
// b-bit range; float samples are clamped to [-1, 1]; NaN becomes 0. Callers
// that must not clip limit the signal beforehand.
func EncodePCM(orig []byte, p *PCM) ([]byte, error) {
	f, w, dc, err := parseWAV(orig)
	if err != nil {
		return nil, err
	}
	if p.Rate != w.rate {
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: fmt.Sprintf("PCM rate %d differs from the file's %d (no resampling)", p.Rate, w.rate)}
	}
	if len(p.Samples) != w.channels {
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: fmt.Sprintf("PCM has %d channels, the file %d", len(p.Samples), w.channels)}
	}
	frames := p.Frames()
	for _, s := range p.Samples {
		if len(s) != frames {
			return nil, &format.UnsupportedError{Format: format.WAV, Msg: "PCM channels differ in length"}
		}
	}
	if int64(frames)*int64(w.blockAlign) > maxRIFF-int64(len(orig)) {
		return nil, &format.UnsupportedError{Format: format.WAV, Msg: "result exceeds the 4 GiB RIFF limit"}
	}
	n := frames * w.blockAlign
	out := make([]byte, 0, len(orig)-dc.size+n+1)
	out = append(out, orig[:12]...)
	for _, c := range f.chunks {
		switch {
		case c.off == dc.off:
			// Encode in place: the data chunk is most of the file.
			out = append(out, idData[:]...)
			out = binary.LittleEndian.AppendUint32(out, uint32(n))
			out = append(out, make([]byte, n)...)
			encode(out[len(out)-n:], p.Samples, w)
			if n%2 == 1 {
				out = append(out, 0)
			}
		case c.id == idFact && c.size >= 4:
			start := len(out)
			out = appendRaw(out, orig, c)
			binary.LittleEndian.PutUint32(out[start+8:], uint32(frames))
		default:
			out = appendRaw(out, orig, c)
		}
	}
	return finishRIFF(out, f)
}

// encode writes the planar src interleaved into data, which holds exactly
// its frames. Like decode, it has a loop per format.
func encode(data []byte, src [][]float32, w *waveFmt) {
	le := binary.LittleEndian
	n := len(src)
	samples := len(data) / (w.Bits / 8)
	at := func(i int) float64 { return float64(src[i%n][i/n]) }
	switch size := w.Bits / 8; {
	case w.Float && size == 4:
		for i := range samples {
			le.PutUint32(data[4*i:], math.Float32bits(float32(clampFloat(at(i)))))
		}
	case w.Float:
		for i := range samples {
			le.PutUint64(data[8*i:], math.Float64bits(clampFloat(at(i))))
		}
	case size == 1:
		for i := range samples {
			data[i] = byte(quantize(at(i), 7) + 128)
		}
	case size == 2:
		for i := range samples {
			le.PutUint16(data[2*i:], uint16(quantize(at(i), 15)))
		}
	case size == 3:
		for i := range samples {
			v := quantize(at(i), 23)
			data[3*i], data[3*i+1], data[3*i+2] = byte(v), byte(v>>8), byte(v>>16)
		}
	default:
		for i := range samples {
			le.PutUint32(data[4*i:], uint32(quantize(at(i), 31)))
		}
	}
}

// clampFloat limits a float sample to [-1, 1], NaN to 0.
func clampFloat(x float64) float64 {
	if x != x {
		return 0
	}
	return clamp(x, -1, 1)
}

// quantize maps x, a float32 value, to a signed integer of shift+1 bits:
// x·2^shift rounded half away from zero, clamped to [-2^shift, 2^shift-1]; NaN
// maps to 0. Because x has a 24-bit mantissa, x·2^shift and the ±0.5 added
// before truncating are exact in float64, so this is exactly
// math.Round-and-clamp (TestQuantizeOracle checks it), on every target.
func quantize(x float64, shift uint) int32 {
	scale := float64(int64(1) << shift)
	v := x * scale
	switch {
	case v != v:
		return 0
	case v >= scale-1:
		return int32(scale - 1)
	case v <= -scale:
		return int32(-scale)
	case v < 0:
		return int32(v - 0.5)
	default:
		return int32(v + 0.5)
	}
}

func clamp(x, lo, hi float64) float64 {
	return max(lo, min(hi, x))
}

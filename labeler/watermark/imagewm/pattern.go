package imagewm

import "github.com/aigclabel/aigclabel/labeler/watermark/payload"

// Tile geometry. The mark is a tile of tileCells x tileCells chips repeated
// over the image. Each chip is a ±1 value spread over one cell by bilinear
// interpolation between chip centres (a smooth, band-limited pattern).
const (
	tileCells = 32
	chips     = tileCells * tileCells
	// chipsPerBit data chips carry each code bit in every tile; the rest are
	// sync chips with a keyed, payload-independent sign.
	chipsPerBit = 3
	dataChips   = payload.Bits * chipsPerBit
	syncChips   = chips - dataChips
)

// layout is the keyed assignment of chips: for each chip (row-major cell
// index), its keyed sign and the code bit it carries (-1 for a sync chip).
type layout struct {
	sign [chips]int8
	bit  [chips]int16
}

// newLayout derives the layout from key. Positions come from a keyed
// permutation so each bit's chips are scattered over the tile; signs from a
// second keyed stream.
func newLayout(key []byte) *layout {
	l := &layout{}
	perm := payload.Keystream(key, "aigclabel/imagewm/v1/layout").Perm(chips)
	for i, pos := range perm {
		if i < dataChips {
			l.bit[pos] = int16(i % payload.Bits)
		} else {
			l.bit[pos] = -1
		}
	}
	var buf [chips / 8]byte
	payload.Keystream(key, "aigclabel/imagewm/v1/signs").Read(buf[:])
	for i := range l.sign {
		if buf[i/8]>>(i%8)&1 == 1 {
			l.sign[i] = 1
		} else {
			l.sign[i] = -1
		}
	}
	return l
}

// chipValues returns the ±1 chip values of the tile carrying code.
func (l *layout) chipValues(code []byte) [chips]float64 {
	var v [chips]float64
	for i := range v {
		s := float64(l.sign[i])
		if b := l.bit[i]; b >= 0 && code[b] == 0 {
			s = -s
		}
		v[i] = s
	}
	return v
}

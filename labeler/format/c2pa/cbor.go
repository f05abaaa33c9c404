package c2pa

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A bounded decoder for the CBOR (RFC 8949) of C2PA assertions and claims.
// It decodes into plain Go values: string (text), []byte (bytes), int64 or
// uint64, bool, nil, []any and map[string]any (members with non-text keys
// are dropped). Tags are skipped (the tagged value is kept), floats become
// nil. Every declared length is checked against the bytes left before
// anything is allocated, and nesting is limited, so hostile input costs at
// most a few times its size.

const maxDepth = 64

var errCBORShort = errors.New("cbor: unexpected end of data")

type cborDecoder struct {
	b   []byte
	pos int
}

// decodeCBOR decodes the single item that must fill b.
func decodeCBOR(b []byte) (any, error) {
	d := &cborDecoder{b: b}
	v, err := d.item(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(b) {
		return nil, fmt.Errorf("cbor: %d bytes after the item at offset %d", len(b)-d.pos, d.pos)
	}
	return v, nil
}

// head reads an item's initial byte and argument. For indefinite lengths
// (additional info 31) it returns indefinite = true.
func (d *cborDecoder) head() (major byte, info byte, arg uint64, err error) {
	if d.pos >= len(d.b) {
		return 0, 0, 0, errCBORShort
	}
	ib := d.b[d.pos]
	d.pos++
	major, info = ib>>5, ib&0x1f
	var n int
	switch {
	case info < 24:
		return major, info, uint64(info), nil
	case info == 24:
		n = 1
	case info == 25:
		n = 2
	case info == 26:
		n = 4
	case info == 27:
		n = 8
	case info == 31:
		return major, info, 0, nil
	default:
		return 0, 0, 0, fmt.Errorf("cbor: reserved additional information %d at offset %d", info, d.pos-1)
	}
	if len(d.b)-d.pos < n {
		return 0, 0, 0, errCBORShort
	}
	switch n {
	case 1:
		arg = uint64(d.b[d.pos])
	case 2:
		arg = uint64(binary.BigEndian.Uint16(d.b[d.pos:]))
	case 4:
		arg = uint64(binary.BigEndian.Uint32(d.b[d.pos:]))
	case 8:
		arg = binary.BigEndian.Uint64(d.b[d.pos:])
	}
	d.pos += n
	return major, info, arg, nil
}

func (d *cborDecoder) left() uint64 { return uint64(len(d.b) - d.pos) }

func (d *cborDecoder) item(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("cbor: nesting deeper than %d at offset %d", maxDepth, d.pos)
	}
	start := d.pos
	major, info, arg, err := d.head()
	if err != nil {
		return nil, err
	}
	indefinite := info == 31
	switch major {
	case 0:
		if arg > 1<<63-1 {
			return arg, nil
		}
		return int64(arg), nil
	case 1:
		if arg > 1<<63-1 {
			return nil, nil // below the int64 range; C2PA never uses it
		}
		return -1 - int64(arg), nil
	case 2, 3:
		var s []byte
		if indefinite {
			// Concatenated definite chunks of the same major type.
			for {
				if d.pos < len(d.b) && d.b[d.pos] == 0xff {
					d.pos++
					break
				}
				m, ci, n, err := d.head()
				if err != nil {
					return nil, err
				}
				if m != major || ci == 31 || n > d.left() {
					return nil, fmt.Errorf("cbor: bad string chunk at offset %d", start)
				}
				s = append(s, d.b[d.pos:d.pos+int(n)]...)
				d.pos += int(n)
			}
		} else {
			if arg > d.left() {
				return nil, errCBORShort
			}
			s = d.b[d.pos : d.pos+int(arg)]
			d.pos += int(arg)
		}
		if major == 3 {
			return string(s), nil
		}
		return append([]byte(nil), s...), nil
	case 4:
		if !indefinite && arg > d.left() { // every item takes at least one byte
			return nil, errCBORShort
		}
		var out []any
		if !indefinite {
			out = make([]any, 0, int(arg))
		}
		for i := uint64(0); indefinite || i < arg; i++ {
			if indefinite && d.pos < len(d.b) && d.b[d.pos] == 0xff {
				d.pos++
				break
			}
			v, err := d.item(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case 5:
		if !indefinite && arg > d.left()/2 {
			return nil, errCBORShort
		}
		out := map[string]any{}
		for i := uint64(0); indefinite || i < arg; i++ {
			if indefinite && d.pos < len(d.b) && d.b[d.pos] == 0xff {
				d.pos++
				break
			}
			k, err := d.item(depth + 1)
			if err != nil {
				return nil, err
			}
			v, err := d.item(depth + 1)
			if err != nil {
				return nil, err
			}
			if ks, ok := k.(string); ok {
				out[ks] = v
			}
		}
		return out, nil
	case 6:
		if indefinite {
			return nil, fmt.Errorf("cbor: indefinite tag at offset %d", start)
		}
		return d.item(depth + 1)
	default: // 7: simple values and floats
		switch {
		case info == 20:
			return false, nil
		case info == 21:
			return true, nil
		case info == 31:
			return nil, fmt.Errorf("cbor: unexpected break at offset %d", start)
		}
		return nil, nil
	}
}

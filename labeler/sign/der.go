package sign

// A minimal DER reader and writer for the key and signature encodings,
// with golang.org/x/crypto/cryptobyte's rules (single-byte tags, definite
// minimal lengths, minimal integers). cryptobyte imports encoding/asn1,
// whose initialisation keeps big.Int's text and JSON methods and more in the
// browser module (about 10 KB of its gzip size); TestDERMatchesCryptobyte
// compares the two.

// DER tags used here.
const (
	tagInteger     = 0x02
	tagBitString   = 0x03
	tagOctetString = 0x04
	tagOID         = 0x06
	tagSequence    = 0x30
	tagCurve       = 0xa0 // ECPrivateKey parameters [0]
	tagPublic      = 0xa1 // ECPrivateKey publicKey [1]
)

// der is the unread part of a DER encoding.
type der []byte

// next splits off the first element: its tag, its contents and the whole
// element.
func (d der) next() (tag byte, body, elem der, ok bool) {
	if len(d) < 2 || d[0]&0x1f == 0x1f {
		return 0, nil, nil, false
	}
	n, p := int(d[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(d) < 2+k || d[2] == 0 {
			return 0, nil, nil, false
		}
		n = 0
		for _, c := range d[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0x80 {
			return 0, nil, nil, false
		}
		p += k
	}
	if n > len(d)-p {
		return 0, nil, nil, false
	}
	return d[0], d[p : p+n], d[:p+n], true
}

// read consumes an element with tag and returns its contents.
func (d *der) read(tag byte) (der, bool) {
	t, body, elem, ok := d.next()
	if !ok || t != tag {
		return nil, false
	}
	*d = (*d)[len(elem):]
	return body, true
}

// readAny consumes any element and returns it whole.
func (d *der) readAny() (der, bool) {
	_, _, elem, ok := d.next()
	if ok {
		*d = (*d)[len(elem):]
	}
	return elem, ok
}

// readOptional consumes an element with tag if the next one has it.
func (d *der) readOptional(tag byte) (body der, present, ok bool) {
	if len(*d) == 0 || (*d)[0] != tag {
		return nil, false, true
	}
	body, ok = d.read(tag)
	return body, true, ok
}

// integer reads a minimally encoded INTEGER's contents.
func (d *der) integer() (der, bool) {
	b, ok := d.read(tagInteger)
	if !ok || len(b) == 0 || len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0) {
		return nil, false
	}
	return b, true
}

// smallInt reads an INTEGER that fits in an int64.
func (d *der) smallInt() (int64, bool) {
	b, ok := d.integer()
	if !ok || len(b) > 8 {
		return 0, false
	}
	v := int64(int8(b[0]))
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return v, true
}

// unsigned reads a non-negative INTEGER and returns its magnitude without
// leading zeros (at least one byte).
func (d *der) unsigned() ([]byte, bool) {
	b, ok := d.integer()
	if !ok || b[0]&0x80 != 0 {
		return nil, false
	}
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b, true
}

// tlv encodes an element with tag and the concatenated contents.
func tlv(tag byte, contents ...[]byte) []byte {
	n := 0
	for _, c := range contents {
		n += len(c)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	for _, c := range contents {
		out = append(out, c...)
	}
	return out
}

// derInt is the encoding of a small non-negative INTEGER.
func derInt(v byte) []byte { return []byte{tagInteger, 1, v} }

// bitString is a BIT STRING of whole bytes.
func bitString(b []byte) []byte { return tlv(tagBitString, []byte{0}, b) }

package sign

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// checkDER compares the DER reader with cryptobyte's on one input: reading
// an element of the input's first tag, an unsigned INTEGER and a small one.
func checkDER(t *testing.T, in []byte) {
	t.Helper()
	if len(in) == 0 {
		return
	}
	tag := in[0]
	d := der(in)
	body, ok := d.read(tag)
	cs := cryptobyte.String(in)
	var cbody cryptobyte.String
	cok := cs.ReadASN1(&cbody, cbasn1.Tag(tag))
	if ok != cok || ok && (!bytes.Equal(body, cbody) || !bytes.Equal(d, cs)) {
		t.Fatalf("%x: read %v %x rest %x, cryptobyte %v %x rest %x", in, ok, body, []byte(d), cok, []byte(cbody), []byte(cs))
	}
	d, cs = der(in), cryptobyte.String(in)
	u, ok := d.unsigned()
	var cu []byte
	if cok := cs.ReadASN1Integer(&cu); ok != cok || ok && !bytes.Equal(u, cu) {
		t.Fatalf("%x: unsigned %v %x, cryptobyte %v %x", in, ok, u, cok, cu)
	}
	d, cs = der(in), cryptobyte.String(in)
	v, ok := d.smallInt()
	var cv int64
	if cok := cs.ReadASN1Integer(&cv); ok != cok || ok && v != cv {
		t.Fatalf("%x: smallInt %v %d, cryptobyte %v %d", in, ok, v, cok, cv)
	}
}

// TestDERMatchesCryptobyte checks der.go against cryptobyte, which it
// replaces: reading on edge cases and random inputs, and writing.
func TestDERMatchesCryptobyte(t *testing.T) {
	for _, in := range [][]byte{
		{0x02, 0x01, 0x00}, {0x02, 0x01, 0x80}, {0x02, 0x02, 0x00, 0x80}, {0x02, 0x02, 0x00, 0x7f}, {0x02, 0x02, 0xff, 0x80},
		{0x02, 0x00}, {0x02, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0},
		{0x30, 0x81, 0x7f}, {0x30, 0x81, 0x80}, {0x30, 0x82, 0x00, 0x80}, {0x30, 0x80}, {0x1f, 0x01, 0x00}, {0x30, 0x85, 1, 0, 0, 0, 0},
	} {
		checkDER(t, in)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 50000 {
		b := make([]byte, 2+r.IntN(10))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		b[0] = []byte{0x02, 0x30, 0x04, 0xa0, 0x1f}[r.IntN(5)]
		if r.IntN(2) == 0 {
			b[1] = byte(r.IntN(len(b)))
		}
		checkDER(t, b)
	}
	for _, n := range []int{0, 1, 127, 128, 255, 256, 1000} {
		c := bytes.Repeat([]byte{7}, n)
		var bld cryptobyte.Builder
		bld.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddBytes(c) })
		want, _ := bld.Bytes()
		if got := tlv(tagOctetString, c[:n/2], c[n/2:]); !bytes.Equal(got, want) {
			t.Errorf("tlv of %d bytes: %x, cryptobyte %x", n, got[:4], want[:4])
		}
	}
}

// FuzzDER compares the DER reader with cryptobyte on arbitrary input.
func FuzzDER(f *testing.F) {
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02})
	f.Add([]byte{0x02, 0x81, 0x80})
	f.Fuzz(func(t *testing.T, in []byte) { checkDER(t, in) })
}

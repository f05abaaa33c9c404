package sign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

// gmsmKey converts k to gmsm's key type, the independent implementation the
// SM2 tests compare against.
func gmsmKey(k PrivateKey) *sm2.PrivateKey {
	g := &sm2.PrivateKey{}
	g.Curve, g.X, g.Y, g.D = sm2.P256(), k.sm.X, k.sm.Y, k.sm.D
	return g
}

func gmsmPub(p PublicKey) *ecdsa.PublicKey {
	return &ecdsa.PublicKey{Curve: sm2.P256(), X: p.sm.X, Y: p.sm.Y}
}

// TestSM2AgainstGmsm checks the SM2 scheme written here against gmsm/sm2 in
// both directions: our signatures verify with gmsm, gmsm's verify here (DER
// and r‖s), tampering fails both, and key generation from a fixed stream
// gives gmsm's key.
func TestSM2AgainstGmsm(t *testing.T) {
	uid := []byte(DefaultSM2UID)
	for i := range 12 {
		seed := "sm2 vs gmsm " + string(rune('a'+i))
		d, x, y, err := generateSM2(newFixedReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := sm2.GenerateKey(newFixedReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		if d.Cmp(theirs.D) != 0 || x.Cmp(theirs.X) != 0 || y.Cmp(theirs.Y) != 0 {
			t.Fatalf("key %d differs from gmsm's for the same stream", i)
		}
		k := mustKey(t, SM2, seed)
		msg := bytes.Repeat([]byte{byte(i)}, 10*i)

		sig, err := k.sign(rand.Reader, msg)
		if err != nil || len(sig) != 64 {
			t.Fatalf("sign: %v, %d bytes", err, len(sig))
		}
		der := derOf(t, sig)
		if !sm2.VerifyASN1WithSM2(gmsmPub(k.Public()), uid, msg, der) {
			t.Errorf("key %d: gmsm rejects our signature", i)
		}
		if sm2.VerifyASN1WithSM2(gmsmPub(k.Public()), uid, append(msg, 0), der) {
			t.Errorf("key %d: gmsm accepts our signature over another message", i)
		}

		gder, err := gmsmKey(k).Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, uid))
		if err != nil {
			t.Fatal(err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(gder, &rs); err != nil {
			t.Fatal(err)
		}
		raw := append(rs.R.FillBytes(make([]byte, 32)), rs.S.FillBytes(make([]byte, 32))...)
		pub := k.Public()
		if !pub.verify(msg, gder) || !pub.verify(msg, raw) {
			t.Errorf("key %d: gmsm's signature does not verify here", i)
		}
		if pub.verify(append(msg, 0), gder) || pub.verify(msg, append(raw[:63:63], raw[63]^1)) {
			t.Errorf("key %d: tampered signature verifies", i)
		}
		other := mustKey(t, SM2, seed+" other").Public()
		if other.verify(msg, raw) {
			t.Errorf("key %d: signature verifies with another key", i)
		}
	}
	// r, s out of [1, n-1] and malformed DER.
	k := mustKey(t, SM2, "range")
	n := sm2.P256().Params().N
	for _, rs := range [][2]*big.Int{{big.NewInt(0), big.NewInt(1)}, {big.NewInt(1), big.NewInt(0)}, {n, big.NewInt(1)}} {
		der, _ := asn1.Marshal(struct{ R, S *big.Int }{rs[0], rs[1]})
		if k.Public().verify([]byte("m"), der) {
			t.Errorf("r, s = %v accepted", rs)
		}
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x81}, {0x30, 0x03, 0x02, 0x01, 0x01}} {
		if k.Public().verify([]byte("m"), bad) {
			t.Errorf("malformed signature %x accepted", bad)
		}
	}
}

func derOf(t testing.TB, rs []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestPKCS8MatchesX509 checks the hand-written key encodings against
// crypto/x509 (Ed25519) and encoding/asn1 structures (SM2, the layout
// aigclabel has always written), in both directions (smx509_test.go adds
// gmsm's smx509).
func TestPKCS8MatchesX509(t *testing.T) {
	ed := mustKey(t, Ed25519, "pkcs8 ed")
	want, _ := x509.MarshalPKCS8PrivateKey(ed.ed)
	if got, err := marshalPKCS8(ed); err != nil || !bytes.Equal(got, want) {
		t.Errorf("Ed25519 PKCS #8:\n got %x %v\nwant %x", got, err, want)
	}
	want, _ = x509.MarshalPKIXPublicKey(ed.Public().ed)
	if got, err := marshalSPKI(ed.Public()); err != nil || !bytes.Equal(got, want) {
		t.Errorf("Ed25519 SPKI:\n got %x %v\nwant %x", got, err, want)
	}

	type ecPrivateKey struct {
		Version       int
		PrivateKey    []byte
		NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
		PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
	}
	sm2OID := asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	params, _ := asn1.Marshal(sm2OID)
	algo := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, Parameters: asn1.RawValue{FullBytes: params}}
	for i := range 4 {
		k := mustKey(t, SM2, "pkcs8 sm2 "+string(rune('a'+i)))
		pt := uncompressed(&k.sm.sm2Pub)
		inner, _ := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: k.sm.D.FillBytes(make([]byte, 32)),
			PublicKey: asn1.BitString{Bytes: pt, BitLength: 65 * 8}})
		want, _ := asn1.Marshal(struct {
			Version    int
			Algo       pkix.AlgorithmIdentifier
			PrivateKey []byte
		}{Algo: algo, PrivateKey: inner})
		got, err := marshalPKCS8(k)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("SM2 PKCS #8:\n got %x %v\nwant %x", got, err, want)
		}
		wantPub, _ := asn1.Marshal(struct {
			Algo      pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}{algo, asn1.BitString{Bytes: pt, BitLength: 65 * 8}})
		if got, err := marshalSPKI(k.Public()); err != nil || !bytes.Equal(got, wantPub) {
			t.Errorf("SM2 SPKI:\n got %x %v\nwant %x", got, err, wantPub)
		}
	}

	// Ed25519 written by crypto/x509 reads back, with the v2 public key
	// member (OneAsymmetricKey) ignored as crypto/x509 ignores it.
	der, _ := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))
	if k, err := parsePKCS8(der); err != nil || !bytes.Equal(k.ed.Seed(), bytes.Repeat([]byte{7}, 32)) {
		t.Errorf("x509's Ed25519 PKCS #8: %v", err)
	}
	v2 := append([]byte{0x30, byte(len(der) - 2 + 35)}, der[2:]...)
	v2 = append(v2, append([]byte{0x81, 0x21, 0x00}, bytes.Repeat([]byte{1}, 32)...)...)
	if _, err := x509.ParsePKCS8PrivateKey(v2); err != nil {
		t.Fatalf("the v2 test input is not what x509 accepts: %v", err)
	}
	if _, err := parsePKCS8(v2); err != nil {
		t.Errorf("PKCS #8 v2 with a public key: %v", err)
	}
	// Trailing data after the key is refused (crypto/x509 ignores it).
	if _, err := parsePKCS8(append(bytes.Clone(der), 0)); err == nil {
		t.Error("trailing data after PKCS #8 accepted")
	}
	// What crypto/x509 rejects is rejected here too.
	for _, bad := range [][]byte{
		bytes.Replace(der, []byte{0x04, 0x20}, []byte{0x04, 0x1f}, 1)[:len(der)-1], // 31-byte seed
		{0x30, 0x03, 0x02, 0x01, 0x00},
	} {
		_, xerr := x509.ParsePKCS8PrivateKey(bad)
		_, err := parsePKCS8(bad)
		if (err == nil) != (xerr == nil) {
			t.Errorf("%x: here %v, crypto/x509 %v", bad, err, xerr)
		}
	}
}

// TestSM2OnCurve compares the written-out curve equation with gmsm's point
// validation on points, near misses and out-of-range coordinates.
func TestSM2OnCurve(t *testing.T) {
	c := sm2.P256()
	p := c.Params().P
	for i := range 16 {
		k := mustKey(t, SM2, "on curve "+string(rune('a'+i)))
		x, y := k.sm.X, k.sm.Y
		cases := [][2]*big.Int{{x, y}, {x, new(big.Int).Sub(p, y)}, {x, new(big.Int).Add(y, big.NewInt(1))},
			{new(big.Int).Add(x, p), y}, {big.NewInt(0), big.NewInt(0)}, {x, new(big.Int).Neg(y)}}
		for _, pt := range cases {
			if got, want := sm2OnCurve(pt[0], pt[1]), c.IsOnCurve(pt[0], pt[1]); got != want {
				t.Errorf("(%x, %x): %v, gmsm %v", pt[0], pt[1], got, want)
			}
		}
	}
}

// BenchmarkSM2Verify compares verification here with gmsm's on the same
// signature (the seal benchmark's open+verify depends on it).
func BenchmarkSM2Verify(b *testing.B) {
	k := mustKey(b, SM2, "bench")
	msg := []byte("aigclabel")
	sig, err := k.sign(rand.Reader, msg)
	if err != nil {
		b.Fatal(err)
	}
	der := derOf(b, sig)
	b.Run("here", func(b *testing.B) {
		for b.Loop() {
			if !k.Public().verify(msg, sig) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("gmsm", func(b *testing.B) {
		pub := gmsmPub(k.Public())
		for b.Loop() {
			if !sm2.VerifyASN1WithSM2(pub, []byte(DefaultSM2UID), msg, der) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("sign-here", func(b *testing.B) {
		for b.Loop() {
			k.sign(rand.Reader, msg)
		}
	})
	b.Run("sign-gmsm", func(b *testing.B) {
		g := gmsmKey(k)
		for b.Loop() {
			g.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, []byte(DefaultSM2UID)))
		}
	})
}

// TestOIDStringAndSqrt checks the small helpers against encoding/asn1 and
// big.Int.ModSqrt.
func TestOIDStringAndSqrt(t *testing.T) {
	for _, oid := range []asn1.ObjectIdentifier{{1, 2, 840, 10045, 2, 1}, {1, 2, 156, 10197, 1, 301}, {1, 3, 101, 112},
		{2, 999, 3}, {0, 39}, {2, 16, 840, 1, 101, 3, 4, 2, 1}, {1, 2, 1 << 40}} {
		der, err := asn1.Marshal(oid)
		if err != nil {
			t.Fatal(err)
		}
		if got := oidString(der[2:]); got != oid.String() {
			t.Errorf("oidString(%x) = %s, want %s", der[2:], got, oid)
		}
	}
	for _, bad := range [][]byte{nil, {0x80, 0x01}, {0x2a, 0x86}, {0x2a, 0x01, 0x80, 0x01}} {
		if got := oidString(bad); strings.Contains(got, ".") {
			t.Errorf("oidString(%x) = %s, want hex", bad, got)
		}
	}
	p := sm2.P256().Params().P
	for i := range 200 {
		a := new(big.Int).SetBytes(newFixedReaderBytes("sqrt", i))
		a.Mod(a, p)
		want := new(big.Int).ModSqrt(a, p)
		got := sm2Sqrt(a)
		if (want == nil) != (got == nil) {
			t.Fatalf("%x: root %v, ModSqrt %v", a, got, want)
		}
		if got != nil && got.Cmp(want) != 0 && new(big.Int).Sub(p, got).Cmp(want) != 0 {
			t.Fatalf("%x: root %x, ModSqrt %x", a, got, want)
		}
	}
}

func newFixedReaderBytes(seed string, i int) []byte {
	b := make([]byte, 32)
	newFixedReader(seed + string(rune('a'+i%26)) + string(rune('a'+i/26))).Read(b)
	return b
}

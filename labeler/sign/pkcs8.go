package sign

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// PKCS #8 (RFC 5208/5958) and SubjectPublicKeyInfo (RFC 5280) for the two
// key types, read and written with der.go. Both are fixed layouts, so
// crypto/x509 (which would bring RSA, DSA, every NIST curve and net into the
// browser module) is not needed, nor gmsm/smx509, which does not build for
// WASM. The reading is as lenient as crypto/x509's and encoding/asn1's (extra
// trailing members of a SEQUENCE are ignored, as in OneAsymmetricKey v2) and
// the writing is byte for byte what they write (TestPKCS8MatchesX509).

// DER contents of the object identifiers used in the key encodings.
var (
	oidECPublicKey = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}       // 1.2.840.10045.2.1
	oidSM2Curve    = []byte{0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d} // 1.2.156.10197.1.301
	oidEd25519     = []byte{0x2b, 0x65, 0x70}                               // 1.3.101.112
)

// oidString renders DER object identifier contents in dotted form for error
// messages (hex when they are not a valid encoding).
func oidString(der []byte) string {
	var arcs []string
	var v uint64
	for i, c := range der {
		if v > 1<<56 || i == 0 && c == 0x80 || c == 0x80 && der[i-1]&0x80 == 0 {
			return fmt.Sprintf("%x", der)
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if arcs == nil { // the first subidentifier holds two arcs
			first := min(v/40, 2)
			arcs = append(arcs, strconv.FormatUint(first, 10))
			v -= first * 40
		}
		arcs = append(arcs, strconv.FormatUint(v, 10))
		v = 0
	}
	if len(der) == 0 || der[len(der)-1]&0x80 != 0 {
		return fmt.Sprintf("%x", der)
	}
	return strings.Join(arcs, ".")
}

// algorithmIdentifier reads an AlgorithmIdentifier: the OID contents and the
// whole parameters element (nil when absent).
func algorithmIdentifier(d *der) (oid, params []byte, ok bool) {
	ai, ok := d.read(tagSequence)
	if !ok {
		return nil, nil, false
	}
	if oid, ok = ai.read(tagOID); !ok {
		return nil, nil, false
	}
	if len(ai) > 0 {
		if params, ok = ai.readAny(); !ok {
			return nil, nil, false
		}
	}
	return oid, params, true
}

// algorithmIdentifierDER writes an AlgorithmIdentifier with the optional
// named-curve parameter.
func algorithmIdentifierDER(oid, curve []byte) []byte {
	if curve == nil {
		return tlv(tagSequence, tlv(tagOID, oid))
	}
	return tlv(tagSequence, tlv(tagOID, oid), tlv(tagOID, curve))
}

// namedCurve reads the parameters element as a named-curve OID.
func namedCurve(params []byte) ([]byte, bool) {
	d := der(params)
	return d.read(tagOID)
}

// bitStringBytes reads a BIT STRING with encoding/asn1's checks on the
// padding bits and returns its bytes.
func bitStringBytes(d *der) ([]byte, bool) {
	bs, ok := d.read(tagBitString)
	if !ok || len(bs) == 0 {
		return nil, false
	}
	pad := bs[0]
	if pad > 7 || len(bs) == 1 && pad > 0 || bs[len(bs)-1]&(1<<pad-1) != 0 {
		return nil, false
	}
	return bs[1:], true
}

func uncompressed(pub *sm2Pub) []byte {
	out := make([]byte, 65)
	out[0] = 4
	pub.X.FillBytes(out[1:33])
	pub.Y.FillBytes(out[33:])
	return out
}

func marshalPKCS8(k PrivateKey) ([]byte, error) {
	switch k.alg {
	case Ed25519:
		return tlv(tagSequence, derInt(0), algorithmIdentifierDER(oidEd25519, nil),
			tlv(tagOctetString, tlv(tagOctetString, k.ed.Seed()))), nil
	case SM2:
		ec := tlv(tagSequence, derInt(1), tlv(tagOctetString, k.sm.D.FillBytes(make([]byte, 32))),
			tlv(tagPublic, bitString(uncompressed(&k.sm.sm2Pub))))
		return tlv(tagSequence, derInt(0), algorithmIdentifierDER(oidECPublicKey, oidSM2Curve), tlv(tagOctetString, ec)), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownAlg, k.alg)
}

func parsePKCS8(b []byte) (PrivateKey, error) {
	in := der(b)
	info, ok := in.read(tagSequence)
	if ok && len(in) == 0 {
		_, ok = info.smallInt() // the version, not checked (as crypto/x509)
	} else {
		ok = false
	}
	if !ok {
		return PrivateKey{}, errors.New("not a PKCS #8 private key")
	}
	algo, params, ok := algorithmIdentifier(&info)
	var priv der
	if ok {
		priv, ok = info.read(tagOctetString)
	}
	if !ok {
		return PrivateKey{}, errors.New("not a PKCS #8 private key")
	}
	switch {
	case bytes.Equal(algo, oidEd25519):
		if len(params) != 0 {
			return PrivateKey{}, errors.New("invalid Ed25519 private key parameters")
		}
		seed, ok := priv.read(tagOctetString)
		if !ok {
			return PrivateKey{}, errors.New("invalid Ed25519 private key")
		}
		if len(seed) != ed25519.SeedSize {
			return PrivateKey{}, fmt.Errorf("invalid Ed25519 private key length: %d", len(seed))
		}
		return PrivateKey{alg: Ed25519, ed: ed25519.NewKeyFromSeed(seed)}, nil
	case bytes.Equal(algo, oidSM2Curve), bytes.Equal(algo, oidECPublicKey):
		var curve []byte
		if len(params) > 0 {
			if curve, ok = namedCurve(params); !ok {
				return PrivateKey{}, errors.New("EC key parameters are not a named curve")
			}
		}
		// ECPrivateKey (RFC 5915): version 1, the scalar, optional [0]
		// parameters and [1] public key.
		malformed := errors.New("malformed SEC 1 EC private key")
		ec, ok := priv.read(tagSequence)
		var ecVersion int64
		if ok && len(priv) == 0 {
			ecVersion, ok = ec.smallInt()
		}
		var d der
		if ok && ecVersion == 1 {
			d, ok = ec.read(tagOctetString)
		} else {
			ok = false
		}
		tagged, present, ok2 := ec.readOptional(tagCurve)
		if !ok || !ok2 {
			return PrivateKey{}, malformed
		}
		if present {
			named, ok := namedCurve(tagged)
			if !ok {
				return PrivateKey{}, malformed
			}
			if curve == nil {
				curve = named
			}
		}
		var pub []byte
		if tagged, present, ok = ec.readOptional(tagPublic); !ok {
			return PrivateKey{}, malformed
		}
		if present {
			if pub, ok = bitStringBytes(&tagged); !ok {
				return PrivateKey{}, malformed
			}
		}
		if !bytes.Equal(curve, oidSM2Curve) {
			return PrivateKey{}, fmt.Errorf("EC key on curve %s, not SM2", oidString(curve))
		}
		return sm2FromScalar(d, pub)
	}
	return PrivateKey{}, fmt.Errorf("private key algorithm %s is neither Ed25519 nor SM2", oidString(algo))
}

// sm2FromScalar builds an SM2 key from d, checking 1 <= d <= n-2 (SM2
// signing needs (1+d)⁻¹) and, when given, the stored public point.
func sm2FromScalar(dBytes, pubBytes []byte) (PrivateKey, error) {
	n := sm2Params.N
	d := new(big.Int).SetBytes(dBytes)
	if d.Sign() <= 0 || d.Cmp(new(big.Int).Sub(n, bigOne)) >= 0 {
		return PrivateKey{}, errors.New("SM2 private scalar out of range")
	}
	x, y, err := sm2BaseMult(d.FillBytes(make([]byte, 32)))
	if err != nil {
		return PrivateKey{}, err
	}
	k := newSM2Priv(d, x, y)
	if len(pubBytes) > 0 {
		if p, err := parseSM2Point(pubBytes); err != nil || p.X.Cmp(x) != 0 || p.Y.Cmp(y) != 0 {
			return PrivateKey{}, errors.New("SM2 private key and its stored public key disagree")
		}
	}
	return PrivateKey{alg: SM2, sm: k}, nil
}

func marshalSPKI(p PublicKey) ([]byte, error) {
	switch p.alg {
	case Ed25519:
		return tlv(tagSequence, algorithmIdentifierDER(oidEd25519, nil), bitString(p.ed)), nil
	case SM2:
		return tlv(tagSequence, algorithmIdentifierDER(oidECPublicKey, oidSM2Curve), bitString(uncompressed(p.sm))), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownAlg, p.alg)
}

// parseSM2SPKI reads a DER SubjectPublicKeyInfo holding an SM2 point
// (id-ecPublicKey with the SM2 curve, or the SM2 OID as algorithm).
func parseSM2SPKI(b []byte) (*sm2Pub, error) {
	in := der(b)
	s, ok := in.read(tagSequence)
	if !ok || len(in) != 0 {
		return nil, errors.New("sign: SM2 public key: malformed SubjectPublicKeyInfo")
	}
	algo, params, ok := algorithmIdentifier(&s)
	if !ok {
		return nil, errors.New("sign: SM2 public key: malformed SubjectPublicKeyInfo")
	}
	pt, ok := bitStringBytes(&s)
	if !ok {
		return nil, errors.New("sign: SM2 public key: malformed SubjectPublicKeyInfo")
	}
	curve, _ := namedCurve(params)
	if !(bytes.Equal(algo, oidECPublicKey) && bytes.Equal(curve, oidSM2Curve)) && !bytes.Equal(algo, oidSM2Curve) {
		return nil, errors.New("sign: SubjectPublicKeyInfo does not hold an SM2 key")
	}
	if len(pt) == 0 || pt[0] == 0x30 {
		return nil, errors.New("sign: SM2 public key: bad point in SubjectPublicKeyInfo")
	}
	return parseSM2Point(pt)
}

package sign

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
)

// PKCS #8 and SubjectPublicKeyInfo for SM2 keys, written here with
// encoding/asn1 rather than taken from gmsm/smx509, which does not build for
// WASM (it loads system certificate roots). Ed25519 uses crypto/x509.

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSM2Curve    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
)

type pkcs8Info struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// ecPrivateKey is SEC 1's ECPrivateKey (RFC 5915).
type ecPrivateKey struct {
	Version       int
	PrivateKey    []byte
	NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

type spki struct {
	Algo      pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

func sm2Params() (asn1.RawValue, error) {
	b, err := asn1.Marshal(oidSM2Curve)
	return asn1.RawValue{FullBytes: b}, err
}

func uncompressed(pub *ecdsa.PublicKey) []byte {
	out := make([]byte, 65)
	out[0] = 4
	pub.X.FillBytes(out[1:33])
	pub.Y.FillBytes(out[33:])
	return out
}

func marshalPKCS8(k PrivateKey) ([]byte, error) {
	switch k.alg {
	case Ed25519:
		return x509.MarshalPKCS8PrivateKey(k.ed)
	case SM2:
		params, err := sm2Params()
		if err != nil {
			return nil, err
		}
		inner, err := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: k.sm.D.FillBytes(make([]byte, 32)),
			PublicKey: asn1.BitString{Bytes: uncompressed(&k.sm.PublicKey), BitLength: 65 * 8}})
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(pkcs8Info{Algo: pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: params}, PrivateKey: inner})
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownAlg, k.alg)
}

func parsePKCS8(der []byte) (PrivateKey, error) {
	var info pkcs8Info
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return PrivateKey{}, errors.New("not a PKCS #8 private key")
	}
	switch {
	case info.Algo.Algorithm.Equal(oidEd25519):
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return PrivateKey{}, err
		}
		return PrivateKey{alg: Ed25519, ed: key.(ed25519.PrivateKey)}, nil
	case info.Algo.Algorithm.Equal(oidSM2Curve), info.Algo.Algorithm.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if len(info.Algo.Parameters.FullBytes) > 0 {
			if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &curve); err != nil {
				return PrivateKey{}, errors.New("EC key parameters are not a named curve")
			}
		}
		var ec ecPrivateKey
		if rest, err := asn1.Unmarshal(info.PrivateKey, &ec); err != nil || len(rest) != 0 || ec.Version != 1 {
			return PrivateKey{}, errors.New("malformed SEC 1 EC private key")
		}
		if curve == nil {
			curve = ec.NamedCurveOID
		}
		if !curve.Equal(oidSM2Curve) {
			return PrivateKey{}, fmt.Errorf("EC key on curve %v, not SM2", curve)
		}
		return sm2FromScalar(ec.PrivateKey, ec.PublicKey.Bytes)
	}
	return PrivateKey{}, fmt.Errorf("private key algorithm %v is neither Ed25519 nor SM2", info.Algo.Algorithm)
}

// sm2FromScalar builds an SM2 key from d, checking 1 <= d <= n-2 (SM2
// signing needs (1+d)⁻¹) and, when given, the stored public point.
func sm2FromScalar(dBytes, pubBytes []byte) (PrivateKey, error) {
	curve := sm2.P256()
	n := curve.Params().N
	d := new(big.Int).SetBytes(dBytes)
	if d.Sign() <= 0 || d.Cmp(new(big.Int).Sub(n, big.NewInt(1))) >= 0 {
		return PrivateKey{}, errors.New("SM2 private scalar out of range")
	}
	x, y := curve.ScalarBaseMult(d.FillBytes(make([]byte, 32)))
	k := &sm2.PrivateKey{}
	k.Curve, k.X, k.Y, k.D = curve, x, y, d
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
		return x509.MarshalPKIXPublicKey(p.ed)
	case SM2:
		params, err := sm2Params()
		if err != nil {
			return nil, err
		}
		pt := uncompressed(p.sm)
		return asn1.Marshal(spki{Algo: pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: params},
			PublicKey: asn1.BitString{Bytes: pt, BitLength: len(pt) * 8}})
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownAlg, p.alg)
}

// parseSM2SPKI reads a DER SubjectPublicKeyInfo holding an SM2 point
// (id-ecPublicKey with the SM2 curve, or the SM2 OID as algorithm).
func parseSM2SPKI(der []byte) (*ecdsa.PublicKey, error) {
	var s spki
	if rest, err := asn1.Unmarshal(der, &s); err != nil || len(rest) != 0 {
		return nil, errors.New("sign: SM2 public key: malformed SubjectPublicKeyInfo")
	}
	var curve asn1.ObjectIdentifier
	if len(s.Algo.Parameters.FullBytes) > 0 {
		asn1.Unmarshal(s.Algo.Parameters.FullBytes, &curve)
	}
	if !(s.Algo.Algorithm.Equal(oidECPublicKey) && curve.Equal(oidSM2Curve)) && !s.Algo.Algorithm.Equal(oidSM2Curve) {
		return nil, errors.New("sign: SubjectPublicKeyInfo does not hold an SM2 key")
	}
	if len(s.PublicKey.Bytes) == 0 || s.PublicKey.Bytes[0] == 0x30 {
		return nil, errors.New("sign: SM2 public key: bad point in SubjectPublicKeyInfo")
	}
	return parseSM2Point(s.PublicKey.Bytes)
}

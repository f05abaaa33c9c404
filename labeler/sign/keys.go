package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Alg names a signature algorithm. The values are stable: they appear in key
// set files and in reports.
type Alg string

// The signature algorithms aigclabel seals with.
const (
	// Ed25519 is pure Ed25519 (RFC 8032) over the to-be-signed bytes.
	Ed25519 Alg = "ed25519"
	// SM2 is SM3withSM2 (GB/T 32918.2) with the default user ID
	// 1234567812345678, the algorithm Chinese providers use in SecurityData.
	SM2 Alg = "sm2"
)

// Object identifiers written in SecurityData AlgID members.
const (
	OIDSM2withSM3 = "1.2.156.10197.1.501" // SM3withSM2 signature (GM/T 0006)
	OIDSM3        = "1.2.156.10197.1.401" // SM3 hash
	OIDEd25519    = "1.3.101.112"         // id-Ed25519 (RFC 8410)
	OIDSHA256     = "2.16.840.1.101.3.4.2.1"
)

// DefaultSM2UID is the SM2 distinguishing identifier of GB/T 32918 used when
// none is agreed (OpenSSL 3 defaults to an empty ID: pass distid explicitly).
const DefaultSM2UID = "1234567812345678"

// OID returns the AlgID written for signatures of a.
func (a Alg) OID() string {
	switch a {
	case Ed25519:
		return OIDEd25519
	case SM2:
		return OIDSM2withSM3
	}
	return ""
}

// algFromOID maps a SecurityData AlgID to an Alg. Besides the OIDs it accepts
// the names some providers write instead (Tencent writes "sm2").
func algFromOID(s string) Alg {
	switch s {
	case OIDEd25519, "ed25519", "Ed25519":
		return Ed25519
	case OIDSM2withSM3, "1.2.156.10197.1.301", "sm2", "SM2":
		return SM2
	}
	return ""
}

// ErrUnknownAlg is returned for an algorithm aigclabel does not seal with.
var ErrUnknownAlg = errors.New("sign: unknown algorithm")

// PrivateKey is a signing key of one of the supported algorithms. The zero
// value is not usable; obtain one from GenerateKey or ParsePrivateKeyPEM.
type PrivateKey struct {
	alg Alg
	ed  ed25519.PrivateKey
	sm  *sm2Priv
}

// PublicKey is a verification key. The zero value is not usable.
type PublicKey struct {
	alg Alg
	ed  ed25519.PublicKey
	sm  *sm2Pub
}

// GenerateKey creates a key of algorithm alg from the randomness in rand.
// Ed25519 reads exactly 32 bytes (the seed), so a fixed reader gives a fixed
// key. SM2 keys are generated with an even y coordinate (the key is negated
// when y is odd), so that they can also be written in the 33-byte 00‖x form
// MiniMax uses, which keeps only x and implies the even root.
func GenerateKey(alg Alg, rand io.Reader) (PrivateKey, error) {
	switch alg {
	case Ed25519:
		seed := make([]byte, ed25519.SeedSize)
		if _, err := io.ReadFull(rand, seed); err != nil {
			return PrivateKey{}, fmt.Errorf("sign: generating Ed25519 key: %w", err)
		}
		return PrivateKey{alg: Ed25519, ed: ed25519.NewKeyFromSeed(seed)}, nil
	case SM2:
		for range 8 {
			d, x, y, err := generateSM2(rand)
			if err != nil {
				return PrivateKey{}, fmt.Errorf("sign: generating SM2 key: %w", err)
			}
			if y.Bit(0) == 1 {
				// -P = (x, p-y) flips the parity; its scalar is n-d. SM2 forbids
				// d = n-1, which n-d reaches only for d = 1.
				if d.Cmp(bigOne) == 0 {
					continue
				}
				d = new(big.Int).Sub(sm2Params.N, d)
				y = new(big.Int).Sub(sm2Params.P, y)
			}
			return PrivateKey{alg: SM2, sm: newSM2Priv(d, x, y)}, nil
		}
		return PrivateKey{}, errors.New("sign: generating SM2 key: no usable key from the random source")
	}
	return PrivateKey{}, fmt.Errorf("%w %q", ErrUnknownAlg, alg)
}

// Alg returns the key's algorithm.
func (k PrivateKey) Alg() Alg { return k.alg }

// Public returns the matching public key.
func (k PrivateKey) Public() PublicKey {
	switch k.alg {
	case Ed25519:
		return PublicKey{alg: Ed25519, ed: k.ed.Public().(ed25519.PublicKey)}
	case SM2:
		return PublicKey{alg: SM2, sm: &k.sm.sm2Pub}
	}
	return PublicKey{}
}

// sign signs msg: Ed25519 is deterministic and ignores rand; SM2 returns the
// 64-byte r‖s form (not DER), as providers write it.
func (k PrivateKey) sign(rand io.Reader, msg []byte) ([]byte, error) {
	switch k.alg {
	case Ed25519:
		return ed25519.Sign(k.ed, msg), nil
	case SM2:
		return k.sm.sign(rand, []byte(DefaultSM2UID), msg)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownAlg, k.alg)
}

// MarshalPrivateKeyPEM encodes k as an unencrypted PKCS #8 "PRIVATE KEY" PEM
// block (RFC 5958; SM2 keys use the SM2 curve OID 1.2.156.10197.1.301, as
// OpenSSL and GmSSL write them). Store the result with mode 0600.
func MarshalPrivateKeyPEM(k PrivateKey) ([]byte, error) {
	der, err := marshalPKCS8(k)
	if err != nil {
		return nil, fmt.Errorf("sign: encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM decodes the first "PRIVATE KEY" block of data (PKCS #8,
// Ed25519 or SM2).
func ParsePrivateKeyPEM(data []byte) (PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return PrivateKey{}, errors.New("sign: no PRIVATE KEY PEM block")
		}
		if b.Type != "PRIVATE KEY" {
			continue
		}
		k, err := parsePKCS8(b.Bytes)
		if err != nil {
			return PrivateKey{}, fmt.Errorf("sign: parsing private key: %w", err)
		}
		return k, nil
	}
}

// Alg returns the key's algorithm.
func (p PublicKey) Alg() Alg { return p.alg }

// Bytes returns the key in the form written to KeyValue and to key sets:
// Ed25519, the 32-byte key of RFC 8032; SM2, the 33-byte SEC 1 compressed
// point 02‖x or 03‖x.
func (p PublicKey) Bytes() []byte {
	switch p.alg {
	case Ed25519:
		return bytes.Clone(p.ed)
	case SM2:
		out := make([]byte, 33)
		out[0] = 2 | byte(p.sm.Y.Bit(0))
		p.sm.X.FillBytes(out[1:])
		return out
	}
	return nil
}

// String returns the lower-case hex of Bytes.
func (p PublicKey) String() string { return hex.EncodeToString(p.Bytes()) }

// Equal reports whether p and q are the same key.
func (p PublicKey) Equal(q PublicKey) bool {
	return p.alg != "" && p.alg == q.alg && bytes.Equal(p.Bytes(), q.Bytes())
}

// MarshalPublicKeyPEM encodes p as a "PUBLIC KEY" PEM block
// (SubjectPublicKeyInfo), for tools such as OpenSSL.
func MarshalPublicKeyPEM(p PublicKey) ([]byte, error) {
	der, err := marshalSPKI(p)
	if err != nil {
		return nil, fmt.Errorf("sign: encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey decodes a public key of algorithm alg. Ed25519 takes the
// 32-byte key. SM2 takes every form seen in SecurityData: 02/03‖x (SEC 1
// compressed), 04‖x‖y (uncompressed), 00‖x (MiniMax: x only, the even y is
// implied) and a DER SubjectPublicKeyInfo (StepFun). The point must lie on
// the SM2 curve.
func ParsePublicKey(alg Alg, b []byte) (PublicKey, error) {
	switch alg {
	case Ed25519:
		if len(b) != ed25519.PublicKeySize {
			return PublicKey{}, fmt.Errorf("sign: Ed25519 public key is %d bytes, want 32", len(b))
		}
		return PublicKey{alg: Ed25519, ed: ed25519.PublicKey(bytes.Clone(b))}, nil
	case SM2:
		pub, err := parseSM2Point(b)
		if err != nil {
			return PublicKey{}, err
		}
		return PublicKey{alg: SM2, sm: pub}, nil
	}
	return PublicKey{}, fmt.Errorf("%w %q", ErrUnknownAlg, alg)
}

func parseSM2Point(b []byte) (*sm2Pub, error) {
	params := sm2Params
	if len(b) > 0 && b[0] == 0x30 {
		return parseSM2SPKI(b)
	}
	var x, y *big.Int
	switch {
	case len(b) == 65 && b[0] == 4:
		x, y = new(big.Int).SetBytes(b[1:33]), new(big.Int).SetBytes(b[33:])
	case len(b) == 33 && b[0] <= 3 && b[0] != 1:
		x = new(big.Int).SetBytes(b[1:])
		if x.Cmp(params.P) >= 0 {
			return nil, errors.New("sign: SM2 public key: x out of range")
		}
		y = sm2Sqrt(sm2Polynomial(x))
		if y == nil {
			return nil, errors.New("sign: SM2 public key: x is not on the curve")
		}
		odd := b[0] == 3 // 00 and 02 both mean the even root
		if (y.Bit(0) == 1) != odd {
			y.Sub(params.P, y)
		}
	default:
		return nil, fmt.Errorf("sign: SM2 public key: %d bytes starting %#02x is not a point encoding", len(b), firstByte(b))
	}
	if !sm2OnCurve(x, y) {
		return nil, errors.New("sign: SM2 public key: point not on the curve")
	}
	return &sm2Pub{X: x, Y: y}, nil
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// verify checks sig over msg. SM2 accepts the 64-byte r‖s form and DER.
func (p PublicKey) verify(msg, sig []byte) bool {
	switch p.alg {
	case Ed25519:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(p.ed, msg, sig)
	case SM2:
		return p.sm.verify([]byte(DefaultSM2UID), msg, sig)
	}
	return false
}

// KeyIDOf returns the default key ID of p: the algorithm name, a colon and
// the first 16 bytes of SHA-256 of Bytes() in lower-case hex, e.g.
// "ed25519:3b6a27bcceb6a42d62a3a8d02a6f0d73". Anyone holding the public key
// can recompute it.
func KeyIDOf(p PublicKey) string {
	h := sha256.Sum256(p.Bytes())
	return string(p.alg) + ":" + hex.EncodeToString(h[:16])
}

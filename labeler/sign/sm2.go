package sign

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha512"
	"errors"
	"io"
	"math/big"

	"github.com/emmansun/gmsm/sm2/sm2ec"
	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SM2 signatures (GB/T 32918.2-2016, section 6 and 7) over gmsm's SM2 curve.
//
// The curve arithmetic (constant-time scalar multiplication) is gmsm's
// sm2ec; the signature scheme is written here rather than taken from
// gmsm/sm2 because that package imports crypto/ecdsa, whose initialisation
// keeps every NIST curve (P-224 to P-521 field code and the 88 KB P-256
// table) in the browser module: about 200 KB of its gzip size for curves
// aigclabel never uses. The steps and the nonce derivation follow gmsm/sm2
// (and crypto/ecdsa) exactly; TestSM2AgainstGmsm checks both directions
// against gmsm.

// sm2Pub is an SM2 public point in affine coordinates.
type sm2Pub struct {
	X, Y *big.Int
}

// sm2Priv is an SM2 key pair. D is in [1, n-2] (GB/T 32918.1 6.1).
type sm2Priv struct {
	sm2Pub
	D *big.Int
}

var (
	sm2Curve  = sm2ec.P256()
	sm2Params = sm2Curve.Params()
	bigOne    = big.NewInt(1)
)

// sm2Polynomial returns x³ - 3x + b mod p, which is y² for the points of
// the curve (SM2's a is -3).
func sm2Polynomial(x *big.Int) *big.Int {
	p := sm2Params.P
	y2 := new(big.Int).Exp(x, big.NewInt(3), p)
	y2.Sub(y2, new(big.Int).Lsh(x, 1))
	y2.Sub(y2, x)
	y2.Add(y2, sm2Params.B)
	return y2.Mod(y2, p)
}

// sm2OnCurve reports whether (x, y) is a point of the curve (never the
// point at infinity, which has no affine coordinates). It is written out
// rather than called through elliptic.Curve, because an IsOnCurve call
// through that interface keeps crypto/elliptic's CurveParams.IsOnCurve, and
// with it every NIST curve, in the browser module.
func sm2OnCurve(x, y *big.Int) bool {
	p := sm2Params.P
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return false
	}
	y2 := new(big.Int).Mul(y, y)
	return y2.Mod(y2, p).Cmp(sm2Polynomial(x)) == 0
}

// sm2OrderInverse returns k⁻¹ mod n through sm2ec's constant-time inversion
// modulo the group order.
func sm2OrderInverse(k *big.Int) *big.Int {
	return sm2Curve.(interface{ Inverse(*big.Int) *big.Int }).Inverse(k)
}

// sm2Scalar reads candidates of 32 bytes from rand until one lies in
// [1, n-1], the rejection sampling of FIPS 186-4 B.5.2 that gmsm/sm2 uses,
// so a fixed stream gives the same scalar as gmsm would.
func sm2Scalar(rand io.Reader) (*big.Int, error) {
	b := make([]byte, 32)
	for {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, err
		}
		k := new(big.Int).SetBytes(b)
		if k.Sign() > 0 && k.Cmp(sm2Params.N) < 0 {
			return k, nil
		}
	}
}

// generateSM2 creates a key pair from rand as gmsm's sm2.GenerateKey does.
func generateSM2(rand io.Reader) (*sm2Priv, error) {
	d, err := sm2Scalar(rand)
	if err != nil {
		return nil, err
	}
	x, y := sm2Curve.ScalarBaseMult(d.FillBytes(make([]byte, 32)))
	return &sm2Priv{sm2Pub: sm2Pub{X: x, Y: y}, D: d}, nil
}

// sm2Digest returns e = SM3(Z_A ‖ msg) with Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖
// xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 5.5 and 6.1, steps A1 and A2).
func sm2Digest(pub *sm2Pub, uid, msg []byte) []byte {
	p := sm2Params
	za := sm3.New()
	bits := len(uid) * 8
	za.Write([]byte{byte(bits >> 8), byte(bits)})
	za.Write(uid)
	for _, v := range []*big.Int{new(big.Int).Sub(p.P, big.NewInt(3)), p.B, p.Gx, p.Gy, pub.X, pub.Y} {
		za.Write(v.FillBytes(make([]byte, 32)))
	}
	md := sm3.New()
	md.Write(za.Sum(nil))
	md.Write(msg)
	return md.Sum(nil)
}

// sm2Nonces returns the stream the per-signature scalars are drawn from:
// AES-256-CTR keyed with SHA-512(d ‖ 32 bytes of rand ‖ digest)[:32], gmsm's (and
// crypto/ecdsa's) hedge that keeps the nonce secret even if rand is weak.
func sm2Nonces(rand io.Reader, d *big.Int, digest []byte) (io.Reader, error) {
	entropy := make([]byte, 32)
	if _, err := io.ReadFull(rand, entropy); err != nil {
		return nil, err
	}
	md := sha512.New()
	md.Write(d.Bytes())
	md.Write(entropy)
	md.Write(digest)
	block, err := aes.NewCipher(md.Sum(nil)[:32])
	if err != nil {
		return nil, err
	}
	return cipher.StreamReader{R: zeros{}, S: cipher.NewCTR(block, []byte("IV for ECDSA CTR"))}, nil
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// sign returns the 64-byte r‖s signature of msg with the user ID uid
// (GB/T 32918.2 6.1).
func (k *sm2Priv) sign(rand io.Reader, uid, msg []byte) ([]byte, error) {
	n := sm2Params.N
	digest := sm2Digest(&k.sm2Pub, uid, msg)
	e := new(big.Int).SetBytes(digest)
	e.Mod(e, n)
	nonces, err := sm2Nonces(rand, k.D, digest)
	if err != nil {
		return nil, err
	}
	dp1Inv := sm2OrderInverse(new(big.Int).Add(k.D, bigOne)) // (1+d)⁻¹
	for {
		kk, err := sm2Scalar(nonces)
		if err != nil {
			return nil, err
		}
		x1, _ := sm2Curve.ScalarBaseMult(kk.FillBytes(make([]byte, 32)))
		r := x1.Add(x1, e)
		r.Mod(r, n) // r = (e + x1) mod n
		if r.Sign() == 0 || new(big.Int).Add(r, kk).Cmp(n) == 0 {
			continue
		}
		s := new(big.Int).Mul(r, k.D)
		s.Sub(kk, s)
		s.Mul(s, dp1Inv)
		s.Mod(s, n) // s = (1+d)⁻¹ (k - r·d) mod n
		if s.Sign() == 0 {
			continue
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
}

// parseSM2Sig reads r and s from the 64-byte r‖s form or a DER
// SEQUENCE { INTEGER r, INTEGER s } (read as strictly as gmsm does).
func parseSM2Sig(sig []byte) (r, s *big.Int, err error) {
	if len(sig) == 64 {
		return new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]), nil
	}
	var inner cryptobyte.String
	var rb, sb []byte
	in := cryptobyte.String(sig)
	if !in.ReadASN1(&inner, cbasn1.SEQUENCE) || !in.Empty() ||
		!inner.ReadASN1Integer(&rb) || !inner.ReadASN1Integer(&sb) || !inner.Empty() {
		return nil, nil, errors.New("sign: SM2 signature is neither r‖s nor DER")
	}
	return new(big.Int).SetBytes(rb), new(big.Int).SetBytes(sb), nil
}

// verify checks an SM2 signature (r‖s or DER) of msg with the user ID uid
// (GB/T 32918.2 7.1).
func (p *sm2Pub) verify(uid, msg, sig []byte) bool {
	n := sm2Params.N
	r, s, err := parseSM2Sig(sig)
	if err != nil || r.Sign() == 0 || s.Sign() == 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return false
	}
	if !sm2OnCurve(p.X, p.Y) {
		return false
	}
	t := new(big.Int).Add(r, s)
	t.Mod(t, n)
	if t.Sign() == 0 {
		return false
	}
	e := new(big.Int).SetBytes(sm2Digest(p, uid, msg))
	x1, y1 := sm2Curve.(interface {
		CombinedMult(x, y *big.Int, s1, s2 []byte) (*big.Int, *big.Int)
	}).CombinedMult(p.X, p.Y, s.FillBytes(make([]byte, 32)), t.FillBytes(make([]byte, 32)))
	if x1.Sign() == 0 && y1.Sign() == 0 {
		return false // the point at infinity
	}
	v := x1.Add(x1, e)
	v.Mod(v, n)
	return v.Cmp(r) == 0
}

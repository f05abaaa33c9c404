package sign

import (
	"errors"
	"io"
	"math/big"

	"github.com/emmansun/gmsm/ecdh"
	"github.com/emmansun/gmsm/sm3"
)

// SM2 keys and signature verification (GB/T 32918.2-2016, section 7).
//
// Signing is gmsm/sm2's (sm2sign.go), a maintained constant-time
// implementation; the browser build, which never signs, leaves it out
// (sm2sign_js.go). Verification, which handles only public data, and key
// generation are written here over gmsm's constant-time curve arithmetic,
// reached through gmsm/ecdh: gmsm/sm2 imports crypto/ecdsa, and gmsm/sm2/sm2ec
// crypto/elliptic, whose initialisation keeps the NIST curves (field code and
// the 88 KB P-256 table) in the browser module, about 370 KB of its gzip size
// together, for curves aigclabel never uses. TestSM2AgainstGmsm checks both
// directions against gmsm.

// sm2Pub is an SM2 public point in affine coordinates.
type sm2Pub struct {
	X, Y *big.Int
}

// sm2Priv is an SM2 key pair. D is in [1, n-2] (GB/T 32918.1 6.1).
type sm2Priv struct {
	sm2Pub
	D *big.Int
}

// newSM2Priv completes a key pair from d and its public point.
func newSM2Priv(d, x, y *big.Int) *sm2Priv {
	return &sm2Priv{sm2Pub: sm2Pub{X: x, Y: y}, D: d}
}

func bigHex(s string) *big.Int {
	v, _ := new(big.Int).SetString(s, 16)
	return v
}

// sm2Params are the curve's domain parameters (GB/T 32918.5); a is p-3.
var sm2Params = struct{ P, N, B, Gx, Gy *big.Int }{
	P:  bigHex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF"),
	N:  bigHex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123"),
	B:  bigHex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
	Gx: bigHex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
	Gy: bigHex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
}

var bigOne = big.NewInt(1)

// sm2BaseMult returns k·G for k in [1, n-1] (32 bytes), in constant time.
func sm2BaseMult(k []byte) (x, y *big.Int, err error) {
	priv, err := ecdh.P256().NewPrivateKey(k)
	if err != nil {
		return nil, nil, err
	}
	b := priv.PublicKey().Bytes() // 04 ‖ x ‖ y
	return new(big.Int).SetBytes(b[1:33]), new(big.Int).SetBytes(b[33:]), nil
}

// sm2MultX returns the x coordinate of k·(x, y), or an error for the point
// at infinity.
func sm2MultX(k []byte, x, y *big.Int) (*big.Int, error) {
	priv, err := ecdh.P256().NewPrivateKey(k)
	if err != nil {
		return nil, err
	}
	pub, err := ecdh.P256().NewPublicKey(uncompressed(&sm2Pub{x, y}))
	if err != nil {
		return nil, err
	}
	xb, err := priv.ECDH(pub)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(xb), nil
}

// sm2Add returns (x1, y1) + (x2, y2) in affine coordinates, with ok false
// for the point at infinity. It handles the doubling case; the inputs must
// be curve points.
func sm2Add(x1, y1, x2, y2 *big.Int) (x3, y3 *big.Int, ok bool) {
	p := sm2Params.P
	var lambda *big.Int
	if x1.Cmp(x2) == 0 {
		if y1.Cmp(y2) != 0 || y1.Sign() == 0 {
			return nil, nil, false // P + (-P)
		}
		// λ = (3x² + a) / 2y with a = -3.
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3))
		num.Sub(num, big.NewInt(3))
		den := new(big.Int).Lsh(y1, 1)
		lambda = num.Mul(num, den.ModInverse(den.Mod(den, p), p))
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		lambda = num.Mul(num, den.ModInverse(den.Mod(den, p), p))
	}
	lambda.Mod(lambda, p)
	x3 = new(big.Int).Mul(lambda, lambda)
	x3.Sub(x3, x1)
	x3.Sub(x3, x2)
	x3.Mod(x3, p)
	y3 = new(big.Int).Sub(x1, x3)
	y3.Mul(y3, lambda)
	y3.Sub(y3, y1)
	y3.Mod(y3, p)
	return x3, y3, true
}

// sm2Polynomial returns x³ - 3x + b mod p, which is y² for the points of
// the curve (SM2's a is -3).
func sm2Polynomial(x *big.Int) *big.Int {
	p := sm2Params.P
	y2 := new(big.Int).Mul(x, x)
	y2.Mod(y2, p)
	y2.Mul(y2, x)
	y2.Sub(y2, new(big.Int).Lsh(x, 1))
	y2.Sub(y2, x)
	y2.Add(y2, sm2Params.B)
	return y2.Mod(y2, p)
}

// sm2Sqrt returns a square root of a modulo p, or nil when there is none:
// p ≡ 3 (mod 4), so a^((p+1)/4) is a root whenever one exists (big.Int's
// ModSqrt would also bring Tonelli-Shanks into the browser module).
func sm2Sqrt(a *big.Int) *big.Int {
	p := sm2Params.P
	e := new(big.Int).Add(p, bigOne)
	y := new(big.Int).Exp(a, e.Rsh(e, 2), p)
	if sq := new(big.Int).Mul(y, y); sq.Mod(sq, p).Cmp(new(big.Int).Mod(a, p)) != 0 {
		return nil
	}
	return y
}

// sm2OnCurve reports whether (x, y) is a point of the curve (never the
// point at infinity, which has no affine coordinates).
func sm2OnCurve(x, y *big.Int) bool {
	p := sm2Params.P
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(p) >= 0 || y.Cmp(p) >= 0 {
		return false
	}
	y2 := new(big.Int).Mul(y, y)
	return y2.Mod(y2, p).Cmp(sm2Polynomial(x)) == 0
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

// generateSM2 creates a key pair (d, x, y) from rand as gmsm's
// sm2.GenerateKey does.
func generateSM2(rand io.Reader) (d, x, y *big.Int, err error) {
	if d, err = sm2Scalar(rand); err != nil {
		return nil, nil, nil, err
	}
	x, y, err = sm2BaseMult(d.FillBytes(make([]byte, 32)))
	return d, x, y, err
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

// parseSM2Sig reads r and s from the 64-byte r‖s form or a DER
// SEQUENCE { INTEGER r, INTEGER s } (read as strictly as gmsm does).
func parseSM2Sig(sig []byte) (r, s *big.Int, err error) {
	if len(sig) == 64 {
		return new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]), nil
	}
	in := der(sig)
	inner, ok := in.read(tagSequence)
	var rb, sb []byte
	if ok && len(in) == 0 {
		rb, ok = inner.unsigned()
	}
	if ok {
		sb, ok = inner.unsigned()
	}
	if !ok || len(inner) != 0 || len(in) != 0 {
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
	// x1 of s·G + t·P, computed as t·(P + u·G) with u = s/t mod n: one base
	// multiplication, one addition and one multiplication, each gmsm's.
	u := new(big.Int).ModInverse(t, n)
	u.Mul(u, s)
	u.Mod(u, n)
	qx, qy := p.X, p.Y
	if u.Sign() != 0 {
		ux, uy, err := sm2BaseMult(u.FillBytes(make([]byte, 32)))
		if err != nil {
			return false
		}
		var ok bool
		if qx, qy, ok = sm2Add(p.X, p.Y, ux, uy); !ok {
			return false // s·G + t·P is the point at infinity
		}
	}
	x1, err := sm2MultX(t.FillBytes(make([]byte, 32)), qx, qy)
	if err != nil {
		return false
	}
	e := new(big.Int).SetBytes(sm2Digest(p, uid, msg))
	v := x1.Add(x1, e)
	v.Mod(v, n)
	return v.Cmp(r) == 0
}

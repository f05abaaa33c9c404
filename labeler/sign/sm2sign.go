//go:build !js

package sign

import (
	"crypto/ecdsa"
	"errors"
	"io"

	"github.com/emmansun/gmsm/sm2"
)

// sign returns the 64-byte r‖s signature of msg with the user ID uid
// (GB/T 32918.2 6.1), made by gmsm/sm2: its arithmetic on the private scalar
// is constant-time.
func (k *sm2Priv) sign(rand io.Reader, uid, msg []byte) ([]byte, error) {
	ec := ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: sm2.P256(), X: k.X, Y: k.Y}, D: k.D}
	priv, err := new(sm2.PrivateKey).FromECPrivateKey(&ec)
	if err != nil {
		return nil, err
	}
	der, err := priv.Sign(rand, msg, sm2.NewSM2SignerOption(true, uid))
	if err != nil {
		return nil, err
	}
	r, s, err := parseSM2Sig(der)
	if err != nil {
		return nil, errors.New("sign: gmsm returned a malformed SM2 signature")
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

//go:build !wasm

package sign

import (
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// TestPKCS8AgainstSmx509 checks the SM2 key encodings against gmsm's
// smx509 in both directions: gmsm reads what we write, and we read what gmsm
// writes (its ECPrivateKey carries the [0] curve parameters we omit).
// smx509 does not build for WASM (it loads system roots), hence the tag.
func TestPKCS8AgainstSmx509(t *testing.T) {
	for i := range 4 {
		k := mustKey(t, SM2, "pkcs8 sm2 "+string(rune('a'+i)))
		got, err := marshalPKCS8(k)
		if err != nil {
			t.Fatal(err)
		}
		if gk, err := smx509.ParsePKCS8PrivateKey(got); err != nil || gk.(*sm2.PrivateKey).D.Cmp(k.sm.D) != 0 {
			t.Errorf("smx509 cannot read our PKCS #8: %v", err)
		}
		gp, err := smx509.MarshalPKCS8PrivateKey(gmsmKey(k))
		if err != nil {
			t.Fatal(err)
		}
		back, err := parsePKCS8(gp)
		if err != nil || back.sm.D.Cmp(k.sm.D) != 0 || !back.Public().Equal(k.Public()) {
			t.Errorf("smx509's PKCS #8 %x: %v", gp, err)
		}
		gs, err := smx509.MarshalPKIXPublicKey(gmsmPub(k.Public()))
		if err != nil {
			t.Fatal(err)
		}
		if p, err := ParsePublicKey(SM2, gs); err != nil || !p.Equal(k.Public()) {
			t.Errorf("smx509's SPKI %x: %v", gs, err)
		}
	}
}

package sign

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

func openssl(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "openssl"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
	return out
}

func derSig(t *testing.T, rs []byte) []byte {
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestOpenSSLInterop checks keys and signatures against OpenSSL 3, an
// independent SM2/SM3 and Ed25519 implementation: a key OpenSSL generated
// seals, and OpenSSL verifies both signatures of the seal with the public
// key PEM we write; a key we generated is read by OpenSSL, and a signature
// OpenSSL makes with it verifies here.
func TestOpenSSLInterop(t *testing.T) {
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	write := func(n string, b []byte) {
		if err := os.WriteFile(path(n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, alg := range []Alg{SM2, Ed25519} {
		name := map[Alg]string{SM2: "SM2", Ed25519: "ED25519"}[alg]
		sm2opts := []string{}
		if alg == SM2 {
			sm2opts = []string{"-digest", "sm3", "-pkeyopt", "distid:" + DefaultSM2UID}
		}
		// OpenSSL's key, our seal, OpenSSL's verification.
		openssl(t, "genpkey", "-algorithm", name, "-out", path("k.pem"))
		pemBytes, _ := os.ReadFile(path("k.pem"))
		k, err := ParsePrivateKeyPEM(pemBytes)
		if err != nil || k.Alg() != alg {
			t.Fatalf("%s: OpenSSL key: %v", alg, err)
		}
		pub, err := MarshalPublicKeyPEM(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		write("pub.pem", pub)
		if got := openssl(t, "pkey", "-pubin", "-in", path("pub.pem"), "-pubout"); string(got) != string(openssl(t, "pkey", "-in", path("k.pem"), "-pubout")) {
			t.Errorf("%s: our public key PEM differs from OpenSSL's:\n%s", alg, got)
		}
		_, sd := sealTestRec(t, mustSealer(t, k, "ossl"))
		msgs := map[string][]byte{
			"Md":     labelMessage(Producer, &testRec),
			SealType: sealMessage(Producer, &testRec, "ossl", alg.OID(), OIDSHA256, hex.EncodeToString(hashA[:])),
		}
		for _, e := range sd.PubSD {
			if e.Type != "DS" {
				continue
			}
			sig := unhex(t, e.Signature)
			if alg == SM2 {
				sig = derSig(t, sig)
			}
			write("msg", msgs[e.tbsType()])
			write("sig", sig)
			out := openssl(t, append([]string{"pkeyutl", "-verify", "-pubin", "-inkey", path("pub.pem"), "-rawin",
				"-in", path("msg"), "-sigfile", path("sig")}, sm2opts...)...)
			t.Logf("%s %s: %s", alg, e.tbsType(), out)
		}

		// Our key, OpenSSL's signature, our verification.
		mine, err := GenerateKey(alg, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := MarshalPrivateKeyPEM(mine)
		write("mine.pem", p)
		write("msg", []byte(`"Label":"1","ContentProducer":"X","ProduceID":"Y"`))
		openssl(t, append([]string{"pkeyutl", "-sign", "-inkey", path("mine.pem"), "-rawin", "-in", path("msg"),
			"-out", path("sig")}, sm2opts...)...)
		sig, _ := os.ReadFile(path("sig"))
		if !mine.Public().verify([]byte(`"Label":"1","ContentProducer":"X","ProduceID":"Y"`), sig) {
			t.Errorf("%s: OpenSSL's signature with our key does not verify", alg)
		}
		if mine.Public().verify([]byte(`"Label":"2","ContentProducer":"X","ProduceID":"Y"`), sig) {
			t.Errorf("%s: signature verifies over another message", alg)
		}
	}
}

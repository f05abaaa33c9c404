package sign

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/emmansun/gmsm/sm2"
)

// fixedReader is a deterministic byte stream for key generation in tests.
type fixedReader struct{ state [32]byte }

func newFixedReader(seed string) *fixedReader {
	return &fixedReader{state: sha256.Sum256([]byte(seed))}
}

func (r *fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		if i%32 == 0 {
			r.state = sha256.Sum256(r.state[:])
		}
		p[i] = r.state[i%32]
	}
	return len(p), nil
}

const (
	testProducer   = "001191110108MA0000000010001"
	testPropagator = "001191110108MA0000000020001"
)

var (
	t0      = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	testRec = aigc.Record{Label: "1", ContentProducer: testProducer, ProduceID: "p-0001"}
	hashA   = sha256.Sum256([]byte("content A"))
	hashB   = sha256.Sum256([]byte("content B"))
)

func mustKey(t testing.TB, alg Alg, seed string) PrivateKey {
	t.Helper()
	k, err := GenerateKey(alg, newFixedReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSealer(t testing.TB, k PrivateKey, id string) *Sealer {
	t.Helper()
	s, err := NewSealer(k, id, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keySetOf(t testing.TB, entries ...KeyEntry) *KeySet {
	t.Helper()
	ks := &KeySet{}
	for _, e := range entries {
		if err := ks.AddKey(e); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}

func TestGenerateKeyDeterministicAndEvenY(t *testing.T) {
	for _, alg := range []Alg{Ed25519, SM2} {
		a, b := mustKey(t, alg, "x"), mustKey(t, alg, "x")
		if !a.Public().Equal(b.Public()) {
			t.Errorf("%s: same random stream gave different keys", alg)
		}
		if mustKey(t, alg, "y").Public().Equal(a.Public()) {
			t.Errorf("%s: different streams gave the same key", alg)
		}
	}
	for i := range 20 {
		k := mustKey(t, SM2, "even"+string(rune('a'+i)))
		if k.sm.Y.Bit(0) != 0 {
			t.Fatalf("SM2 key %d has odd y", i)
		}
		if !sm2.P256().IsOnCurve(k.sm.X, k.sm.Y) {
			t.Fatalf("SM2 key %d not on curve", i)
		}
		// The negation must keep the pair consistent: d·G == (x, y).
		x, y := sm2.P256().ScalarBaseMult(k.sm.D.Bytes())
		if x.Cmp(k.sm.X) != 0 || y.Cmp(k.sm.Y) != 0 {
			t.Fatalf("SM2 key %d: d·G != public key", i)
		}
	}
	if _, err := GenerateKey("rsa", rand.Reader); err == nil {
		t.Error("unknown algorithm accepted")
	}
}

func TestPrivateKeyPEMRoundTrip(t *testing.T) {
	for _, alg := range []Alg{Ed25519, SM2} {
		k := mustKey(t, alg, "pem")
		p, err := MarshalPrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(p, []byte("-----BEGIN PRIVATE KEY-----\n")) {
			t.Errorf("%s: PEM starts %q", alg, p[:30])
		}
		back, err := ParsePrivateKeyPEM(p)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if back.Alg() != alg || !back.Public().Equal(k.Public()) {
			t.Errorf("%s: PEM round trip changed the key", alg)
		}
		// A seal made with the parsed key verifies with the original public key.
		s := mustSealer(t, back, "k")
		rc, err := s.Seal(testRec, hashA)
		if err != nil {
			t.Fatal(err)
		}
		rec := testRec
		rec.ReservedCode1 = rc
		ks := keySetOf(t, KeyEntry{KeyID: "k", Public: k.Public()})
		if st := VerifyProducer(rec, hashA, ks, t0); st.Status != StatusValid {
			t.Errorf("%s: %+v", alg, st)
		}
		if _, err := MarshalPublicKeyPEM(k.Public()); err != nil {
			t.Errorf("%s: public PEM: %v", alg, err)
		}
	}
	if _, err := ParsePrivateKeyPEM([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); err == nil {
		t.Error("garbage PEM accepted")
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	k := mustKey(t, SM2, "forms")
	pub := k.Public()
	x := k.sm.X.FillBytes(make([]byte, 32))
	y := k.sm.Y.FillBytes(make([]byte, 32))
	forms := map[string][]byte{
		"02x":   append([]byte{2}, x...),
		"00x":   append([]byte{0}, x...),
		"04xy":  append(append([]byte{4}, x...), y...),
		"bytes": pub.Bytes(),
	}
	for name, b := range forms {
		got, err := ParsePublicKey(SM2, b)
		if err != nil || !got.Equal(pub) {
			t.Errorf("%s: %v, equal=%v", name, err, got.Equal(pub))
		}
	}
	odd, err := ParsePublicKey(SM2, append([]byte{3}, x...))
	if err != nil || odd.Equal(pub) {
		t.Errorf("03x must give the other point: %v", err)
	}
	bad := append(append([]byte{4}, x...), y...)
	bad[64] ^= 1
	if _, err := ParsePublicKey(SM2, bad); err == nil {
		t.Error("point off the curve accepted")
	}
	for _, b := range [][]byte{nil, {2}, {5, 1, 2}, bytes.Repeat([]byte{0xff}, 33)} {
		if _, err := ParsePublicKey(SM2, b); err == nil {
			t.Errorf("%x accepted", b)
		}
	}
	if _, err := ParsePublicKey(Ed25519, make([]byte, 31)); err == nil {
		t.Error("short Ed25519 key accepted")
	}
}

// sealTestRec seals testRec over hashA and parses the seal back.
func sealTestRec(t *testing.T, s *Sealer) (string, *SecurityData) {
	t.Helper()
	rc, err := s.Seal(testRec, hashA)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := ParseSecurityData([]byte(rc))
	if err != nil {
		t.Fatal(err)
	}
	return rc, sd
}

func TestSealFitsAndShape(t *testing.T) {
	for _, alg := range []Alg{Ed25519, SM2} {
		rc, sd := sealTestRec(t, mustSealer(t, mustKey(t, alg, "shape"), ""))
		if !sd.Wrapped || sd.Type != "TC260PG" || sd.Version != "1" || len(sd.PubSD) != 3 || len(sd.Bindings) != 1 {
			t.Errorf("%s: unexpected shape %+v", alg, sd)
		}
		rec := testRec
		rec.ReservedCode1 = rc
		if err := rec.Validate(); err != nil {
			for _, e := range err.(aigc.ValidationError).Errors() {
				t.Errorf("%s: sealed record fails Annex E: %v", alg, e)
			}
		}
		wrapped := len(rec.MarshalWrapped())
		t.Logf("%s seal: %d bytes; record with seal: %d bytes", alg, len(rc), wrapped)
		if len(rc) > 1024 {
			t.Errorf("%s seal is %d bytes, want well under %d", alg, len(rc), aigc.MaxReservedLen)
		}
		if hb := sd.Bindings[0].Value; hb != hex.EncodeToString(hashA[:]) {
			t.Errorf("binding %s, want the content hash", hb)
		}
	}
}

func TestSealRejects(t *testing.T) {
	k := mustKey(t, Ed25519, "rej")
	if _, err := NewSealer(k, `a"b`, nil); err == nil {
		t.Error(`key ID with '"' accepted`)
	}
	if _, err := NewSealer(k, strings.Repeat("k", 129), nil); err == nil {
		t.Error("long key ID accepted")
	}
	if _, err := NewSealer(PrivateKey{}, "k", nil); err == nil {
		t.Error("zero key accepted")
	}
	if _, err := NewSealer(mustKey(t, SM2, "r"), "k", nil); err == nil {
		t.Error("SM2 without randomness accepted")
	}
	s := mustSealer(t, k, "k")
	rec := testRec
	rec.ProduceID = "a\nb"
	if _, err := s.Seal(rec, hashA); err == nil {
		t.Error("control character in a sealed field accepted")
	}
	if s.KeyID() != "k" {
		t.Error("KeyID")
	}
}

// TestStatuses is the tampering table of the acceptance: each change gives
// its own status, for both algorithms and both roles.
func TestStatuses(t *testing.T) {
	for _, alg := range []Alg{Ed25519, SM2} {
		prodKey, propKey := mustKey(t, alg, "prod"), mustKey(t, alg, "prop")
		prod, prop := mustSealer(t, prodKey, "prod-1"), mustSealer(t, propKey, "prop-1")
		entries := func(mod func(e *KeyEntry)) *KeySet {
			p := KeyEntry{KeyID: "prod-1", Code: testProducer, Role: Producer, Public: prodKey.Public(),
				NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(1, 0, 0)}
			q := KeyEntry{KeyID: "prop-1", Code: testPropagator, Role: Propagator, Public: propKey.Public()}
			mod(&p)
			mod(&q)
			return keySetOf(t, p, q)
		}
		good := entries(func(*KeyEntry) {})

		rec := testRec
		var err error
		if rec.ReservedCode1, err = prod.Seal(rec, hashA); err != nil {
			t.Fatal(err)
		}
		rec.ContentPropagator, rec.PropagateID = testPropagator, "q-77"
		if rec.ReservedCode2, err = prop.SealPropagation(rec, hashA); err != nil {
			t.Fatal(err)
		}

		type tc struct {
			name string
			rec  func(r aigc.Record) aigc.Record
			hash [32]byte
			ks   *KeySet
			at   time.Time
			want [2]Status // producer, propagator
		}
		same := func(r aigc.Record) aigc.Record { return r }
		cases := []tc{
			{"valid", same, hashA, good, t0, [2]Status{StatusValid, StatusValid}},
			{"content changed", same, hashB, good, t0, [2]Status{StatusContentModified, StatusContentModified}},
			{"ProduceID edited", func(r aigc.Record) aigc.Record { r.ProduceID = "p-0002"; return r }, hashA, good, t0,
				[2]Status{StatusInvalid, StatusInvalid}},
			{"Label edited", func(r aigc.Record) aigc.Record { r.Label = "2"; return r }, hashA, good, t0,
				[2]Status{StatusInvalid, StatusInvalid}},
			{"PropagateID edited", func(r aigc.Record) aigc.Record { r.PropagateID = "q-78"; return r }, hashA, good, t0,
				[2]Status{StatusValid, StatusInvalid}},
			{"ReservedCode1 rewritten", func(r aigc.Record) aigc.Record {
				// Still a valid producer seal (readers ignore whitespace), but
				// not the bytes the propagator sealed.
				r.ReservedCode1 = strings.Replace(r.ReservedCode1, `"Version":1`, `"Version": 1`, 1)
				return r
			}, hashA, good, t0, [2]Status{StatusValid, StatusInvalid}},
			{"no key set", same, hashA, nil, t0, [2]Status{StatusUnknownKey, StatusUnknownKey}},
			{"key not in set", same, hashA, keySetOf(t, KeyEntry{KeyID: "other", Public: mustKey(t, alg, "other").Public()}), t0,
				[2]Status{StatusUnknownKey, StatusUnknownKey}},
			{"key ID listed with another key", same, hashA, entries(func(e *KeyEntry) { e.Public = mustKey(t, alg, "evil"+e.KeyID).Public() }), t0,
				[2]Status{StatusInvalid, StatusInvalid}},
			{"key for another code", same, hashA, entries(func(e *KeyEntry) { e.Code = "001191110108MA0000000099999" }), t0,
				[2]Status{StatusUnknownKey, StatusUnknownKey}},
			{"key for the other role", same, hashA, entries(func(e *KeyEntry) {
				if e.Role == Producer {
					e.Role = Propagator
				} else {
					e.Role = Producer
				}
			}), t0, [2]Status{StatusUnknownKey, StatusUnknownKey}},
			{"revoked", same, hashA, entries(func(e *KeyEntry) { e.Revoked = true }), t0,
				[2]Status{StatusRevokedKey, StatusRevokedKey}},
			{"revoked later", same, hashA, entries(func(e *KeyEntry) { e.Revoked, e.RevokedAt = true, t0.AddDate(0, 1, 0) }), t0,
				[2]Status{StatusValid, StatusValid}},
			{"revoked earlier", same, hashA, entries(func(e *KeyEntry) { e.Revoked, e.RevokedAt = true, t0.AddDate(0, -1, 0) }), t0,
				[2]Status{StatusRevokedKey, StatusRevokedKey}},
			{"expired", same, hashA, good, t0.AddDate(2, 0, 0), [2]Status{StatusExpiredKey, StatusValid}},
			{"not yet valid", same, hashA, good, t0.AddDate(-2, 0, 0), [2]Status{StatusExpiredKey, StatusValid}},
			{"truncated", func(r aigc.Record) aigc.Record {
				r.ReservedCode1 = r.ReservedCode1[:len(r.ReservedCode1)/2]
				r.ReservedCode2 = r.ReservedCode2[:len(r.ReservedCode2)-3]
				return r
			}, hashA, good, t0, [2]Status{StatusMalformed, StatusMalformed}},
			{"absent", func(r aigc.Record) aigc.Record { r.ReservedCode1, r.ReservedCode2 = "", " "; return r }, hashA, good, t0,
				[2]Status{StatusAbsent, StatusAbsent}},
			{"signature flipped", func(r aigc.Record) aigc.Record {
				r.ReservedCode1 = flipSig(t, r.ReservedCode1, SealType)
				r.ReservedCode2 = flipSig(t, r.ReservedCode2, "Md")
				return r
			}, hashA, good, t0, [2]Status{StatusInvalid, StatusInvalid}},
			{"binding hash edited", func(r aigc.Record) aigc.Record {
				h := hex.EncodeToString(hashA[:])
				r.ReservedCode1 = strings.Replace(r.ReservedCode1, h, hex.EncodeToString(hashB[:]), 1)
				return r
			}, hashB, good, t0, [2]Status{StatusInvalid, StatusInvalid}}, // the propagator seal covers ReservedCode1
			{"KeyID edited", func(r aigc.Record) aigc.Record {
				r.ReservedCode1 = strings.Replace(r.ReservedCode1, `"KeyID":"prod-1"`, `"KeyID":"prop-1"`, 1)
				return r
			}, hashA, nil, t0, [2]Status{StatusInvalid, StatusInvalid}},
		}
		for _, c := range cases {
			r := c.rec(rec)
			got := [2]SealStatus{
				VerifyProducer(r, c.hash, c.ks, c.at),
				VerifyPropagator(r, c.hash, c.ks, c.at),
			}
			for i, g := range got {
				if g.Status != c.want[i] {
					t.Errorf("%s/%s/%s: got %s (%s), want %s", alg, c.name, []string{"producer", "propagator"}[i], g.Status, g.Detail, c.want[i])
				}
				if g.Status == StatusValid && (!g.Signature || g.Content != ContentMatch || g.Alg != alg) {
					t.Errorf("%s/%s: valid without signature and content checks: %+v", alg, c.name, g)
				}
			}
		}
	}
}

// flipSig changes one hex digit of the signature of the DS entry with the
// given TBSData type.
func flipSig(t *testing.T, rc, tbs string) string {
	t.Helper()
	marker := `"TBSData":{"Type":"` + tbs + `"},"Signature":"`
	i := strings.Index(rc, marker)
	if i < 0 {
		t.Fatalf("no %s signature in %s", tbs, rc)
	}
	j := i + len(marker) + 10
	c := byte('0')
	if rc[j] == '0' {
		c = '1'
	}
	return rc[:j] + string(c) + rc[j+1:]
}

func TestKeySetRoundTripAndRejects(t *testing.T) {
	ks := keySetOf(t,
		KeyEntry{KeyID: "a", Code: testProducer, Role: Producer, Public: mustKey(t, Ed25519, "a").Public(),
			NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0), Comment: "test"},
		KeyEntry{Public: mustKey(t, SM2, "b").Public(), Revoked: true, RevokedAt: t0},
	)
	b, err := ks.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseKeySet(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.Marshal()
	if !bytes.Equal(b, b2) {
		t.Errorf("key set round trip differs:\n%s\n%s", b, b2)
	}
	if back.Keys[1].KeyID != KeyIDOf(back.Keys[1].Public) || !strings.HasPrefix(back.Keys[1].KeyID, "sm2:") {
		t.Errorf("default key ID %q", back.Keys[1].KeyID)
	}
	pk := hex.EncodeToString(mustKey(t, Ed25519, "a").Public().Bytes())
	for name, doc := range map[string]string{
		"unknown member": `{"version":1,"keys":[{"keyId":"a","alg":"ed25519","publicKey":"` + pk + `","revokd":true}]}`,
		"bad version":    `{"version":2,"keys":[]}`,
		"bad alg":        `{"version":1,"keys":[{"keyId":"a","alg":"rsa","publicKey":"` + pk + `"}]}`,
		"bad hex":        `{"version":1,"keys":[{"keyId":"a","alg":"ed25519","publicKey":"zz"}]}`,
		"duplicate":      `{"version":1,"keys":[{"keyId":"a","alg":"ed25519","publicKey":"` + pk + `"},{"keyId":"a","alg":"ed25519","publicKey":"` + pk + `"}]}`,
		"empty period":   `{"version":1,"keys":[{"keyId":"a","alg":"ed25519","publicKey":"` + pk + `","notBefore":"2026-01-01T00:00:00Z","notAfter":"2025-01-01T00:00:00Z"}]}`,
		"bad role":       `{"version":1,"keys":[{"keyId":"a","alg":"ed25519","publicKey":"` + pk + `","role":"admin"}]}`,
		"revokedAt only": `{"version":1,"keys":[{"keyId":"a","alg":"ed25519","publicKey":"` + pk + `","revokedAt":"2025-01-01T00:00:00Z"}]}`,
		"bad key ID":     `{"version":1,"keys":[{"keyId":"a b","alg":"ed25519","publicKey":"` + pk + `"}]}`,
		"not JSON":       `{"version":1,`,
	} {
		if _, err := ParseKeySet([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestOneKeySeveralCodes: a key registered for two producer codes verifies
// seals of both, found by the key itself when the seal's key ID is unknown.
func TestOneKeySeveralCodes(t *testing.T) {
	k := mustKey(t, Ed25519, "shared")
	s := mustSealer(t, k, "unlisted-id")
	const other = "001191110108MA0000000010002"
	ks := keySetOf(t, KeyEntry{KeyID: "a", Code: testProducer, Public: k.Public()},
		KeyEntry{KeyID: "b", Code: other, Public: k.Public()})
	for _, code := range []string{testProducer, other} {
		rec := aigc.Record{Label: "1", ContentProducer: code, ProduceID: "x"}
		rec.ReservedCode1, _ = s.Seal(rec, hashA)
		if st := VerifyProducer(rec, hashA, ks, t0); st.Status != StatusValid {
			t.Errorf("%s: %+v", code, st)
		}
	}
	rec := aigc.Record{Label: "1", ContentProducer: "001191110108MA0000000010003", ProduceID: "x"}
	rec.ReservedCode1, _ = s.Seal(rec, hashA)
	if st := VerifyProducer(rec, hashA, ks, t0); st.Status != StatusUnknownKey {
		t.Errorf("third code: %+v", st)
	}
}

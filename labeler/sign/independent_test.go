package sign_test

// A second verifier for aigclabel's Ed25519 seals, written only from the
// package documentation (doc.go) and using only the standard library. It
// shares no code with package sign; the tests feed it the committed vectors
// and fresh seals made by package sign.

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/sign"
)

type indepKeySet struct {
	Version int `json:"version"`
	Keys    []struct {
		KeyID     string     `json:"keyId"`
		Alg       string     `json:"alg"`
		Code      string     `json:"code"`
		Role      string     `json:"role"`
		PublicKey string     `json:"publicKey"`
		NotBefore *time.Time `json:"notBefore"`
		NotAfter  *time.Time `json:"notAfter"`
		Revoked   bool       `json:"revoked"`
		RevokedAt *time.Time `json:"revokedAt"`
	} `json:"keys"`
}

// q is the doc's q(v): quotes, with '"' and '\' backslash-escaped.
func q(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

func members(kv ...string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		parts = append(parts, q(kv[i])+":"+q(kv[i+1]))
	}
	return strings.Join(parts, ",")
}

// indepVerify returns the doc's status for an Ed25519 seal: "valid",
// "content-modified", "invalid", "unknown-key", "revoked-key", "expired-key",
// "absent" or "malformed".
func indepVerify(rec map[string]string, role string, content [32]byte, ks *indepKeySet, at time.Time) (string, error) {
	rc := rec["ReservedCode1"]
	if role == "propagator" {
		rc = rec["ReservedCode2"]
	}
	if rc == "" {
		return "absent", nil
	}
	var outer struct {
		SecurityData struct {
			Type     string
			PubSD    []map[string]any
			Bindings []map[string]any
		}
	}
	if err := json.Unmarshal([]byte(rc), &outer); err != nil {
		return "malformed", err
	}
	sd := outer.SecurityData
	if sd.Type != "TC260PG" {
		return "malformed", errors.New("Type")
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	tbs := func(m map[string]any) string {
		t, _ := m["TBSData"].(map[string]any)
		return str(t, "Type")
	}
	var keyID, keyValue string
	sigs := map[string]string{}
	for _, e := range sd.PubSD {
		switch str(e, "Type") {
		case "PubKey":
			keyID, keyValue = str(e, "KeyID"), str(e, "KeyValue")
			if str(e, "AlgID") != "1.3.101.112" {
				return "malformed", errors.New("not Ed25519")
			}
		case "DS":
			sigs[tbs(e)] = str(e, "Signature")
		}
	}
	var hashAlg, hashHex string
	for _, b := range sd.Bindings {
		if str(b, "Type") == "Hash" {
			hashAlg, hashHex = str(b, "AlgID"), str(b, "Value")
			break
		}
	}
	pub, err := hex.DecodeString(keyValue)
	if err != nil || len(pub) != ed25519.PublicKeySize || sigs["Md"] == "" || sigs["aigclabel/1"] == "" || hashHex == "" {
		return "malformed", errors.New("missing key, signature or binding")
	}
	for _, v := range []string{rec["Label"], rec["ContentProducer"], rec["ProduceID"], rec["ContentPropagator"], rec["PropagateID"]} {
		for _, c := range []byte(v) {
			if c < 0x20 || c == 0x7f {
				return "invalid", errors.New("control character")
			}
		}
	}
	var md, seal string
	if role == "producer" {
		md = members("Label", rec["Label"], "ContentProducer", rec["ContentProducer"], "ProduceID", rec["ProduceID"])
		seal = members("Seal", "aigclabel/1/producer", "Label", rec["Label"], "ContentProducer", rec["ContentProducer"],
			"ProduceID", rec["ProduceID"], "KeyID", keyID, "AlgID", "1.3.101.112", "HashAlgID", hashAlg, "Hash", hashHex)
	} else {
		r := sha256.Sum256([]byte(rec["ReservedCode1"]))
		md = members("Label", rec["Label"], "ContentPropagator", rec["ContentPropagator"], "PropagateID", rec["PropagateID"])
		seal = members("Seal", "aigclabel/1/propagator", "Label", rec["Label"], "ContentProducer", rec["ContentProducer"],
			"ProduceID", rec["ProduceID"], "ReservedCode1SHA256", hex.EncodeToString(r[:]),
			"ContentPropagator", rec["ContentPropagator"], "PropagateID", rec["PropagateID"],
			"KeyID", keyID, "AlgID", "1.3.101.112", "HashAlgID", hashAlg, "Hash", hashHex)
	}
	for msg, sigHex := range map[string]string{md: sigs["Md"], seal: sigs["aigclabel/1"]} {
		sig, err := hex.DecodeString(sigHex)
		if err != nil {
			return "malformed", err
		}
		if !ed25519.Verify(pub, []byte(msg), sig) {
			return "invalid", nil
		}
	}
	code := rec["ContentProducer"]
	if role == "propagator" {
		code = rec["ContentPropagator"]
	}
	found := false
	for _, k := range ks.Keys {
		if k.KeyID != keyID && k.PublicKey != keyValue {
			continue
		}
		if k.PublicKey != keyValue || k.Alg != "ed25519" {
			return "invalid", errors.New("key ID listed with another key")
		}
		if (k.Code != "" && k.Code != code) || (k.Role != "" && k.Role != role) {
			continue
		}
		found = true
		if k.Revoked && (k.RevokedAt == nil || !at.Before(*k.RevokedAt)) {
			return "revoked-key", nil
		}
		if (k.NotBefore != nil && at.Before(*k.NotBefore)) || (k.NotAfter != nil && at.After(*k.NotAfter)) {
			return "expired-key", nil
		}
	}
	if !found {
		return "unknown-key", nil
	}
	if hashAlg != "2.16.840.1.101.3.4.2.1" || hashHex != hex.EncodeToString(content[:]) {
		return "content-modified", nil
	}
	return "valid", nil
}

func recordMap(r aigc.Record) map[string]string {
	v := r.Values()
	m := map[string]string{}
	for i, name := range aigc.FieldNames {
		m[name] = v[i]
	}
	return m
}

func loadIndepKeySet(t *testing.T) *indepKeySet {
	b, err := os.ReadFile("testdata/keyset.json")
	if err != nil {
		t.Fatal(err)
	}
	var ks indepKeySet
	if err := json.Unmarshal(b, &ks); err != nil || ks.Version != 1 {
		t.Fatalf("key set: %v", err)
	}
	return &ks
}

// TestIndependentVerifierVectors: the independent verifier agrees with the
// expected status of every committed Ed25519 vector, and its messages equal
// the vectors' mdMessage and sealMessage where the seal is intact.
func TestIndependentVerifierVectors(t *testing.T) {
	ks := loadIndepKeySet(t)
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf struct {
		Cases []struct {
			Name        string
			Role        string
			Alg         string
			Record      aigc.Record
			ContentHash string
			VerifyAt    time.Time
			Status      string
		}
	}
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range vf.Cases {
		if c.Alg != "ed25519" {
			continue
		}
		n++
		var h [32]byte
		hex.Decode(h[:], []byte(c.ContentHash))
		got, err := indepVerify(recordMap(c.Record), c.Role, h, ks, c.VerifyAt)
		if got != c.Status {
			t.Errorf("%s: independent verifier says %s (%v), want %s", c.Name, got, err, c.Status)
		}
	}
	if n < 4 {
		t.Fatalf("only %d Ed25519 vectors", n)
	}
}

// TestIndependentVerifierFreshSeals: seals made now by package sign, over
// varied records, are accepted by the independent verifier, and each
// tampering gives the same status in both verifiers.
func TestIndependentVerifierFreshSeals(t *testing.T) {
	seed := sha256.Sum256([]byte("independent"))
	prodKey, _ := sign.GenerateKey(sign.Ed25519, strings.NewReader(string(seed[:])))
	seed2 := sha256.Sum256(seed[:])
	propKey, _ := sign.GenerateKey(sign.Ed25519, strings.NewReader(string(seed2[:])))
	prod, err := sign.NewSealer(prodKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	prop, err := sign.NewSealer(propKey, "platform-2026", nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ks := &sign.KeySet{}
	ks.AddKey(sign.KeyEntry{Public: prodKey.Public(), Code: "001191110108MA0000000010001", Role: sign.Producer})
	ks.AddKey(sign.KeyEntry{KeyID: "platform-2026", Public: propKey.Public(), NotAfter: at.AddDate(1, 0, 0)})
	ksJSON, err := ks.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var iks indepKeySet
	if err := json.Unmarshal(ksJSON, &iks); err != nil {
		t.Fatal(err)
	}
	content := sha256.Sum256([]byte("pixels"))
	other := sha256.Sum256([]byte("other pixels"))
	for i, id := range []string{"plain-1", `quo"te`, `back\slash`, "中文编号", "sp ace", "{}[]:,", ""} {
		rec := aigc.Record{Label: []string{"1", "2", "3"}[i%3], ContentProducer: "001191110108MA0000000010001", ProduceID: id}
		if rec.ReservedCode1, err = prod.Seal(rec, content); err != nil {
			t.Fatal(err)
		}
		rec.ContentPropagator, rec.PropagateID = "platform", id+"-p"
		if rec.ReservedCode2, err = prop.SealPropagation(rec, content); err != nil {
			t.Fatal(err)
		}
		edited := rec
		edited.Label = "9"
		for _, c := range []struct {
			name string
			rec  aigc.Record
			hash [32]byte
			at   time.Time
		}{
			{"intact", rec, content, at},
			{"content", rec, other, at},
			{"edited", edited, content, at},
			{"expired", rec, content, at.AddDate(2, 0, 0)},
		} {
			for _, role := range []sign.Role{sign.Producer, sign.Propagator} {
				want := sign.Verify(c.rec, role, sign.Hashes{SHA256: &c.hash}, ks, c.at)
				got, err := indepVerify(recordMap(c.rec), string(role), c.hash, &iks, c.at)
				if got != string(want.Status) {
					t.Errorf("%q %s %s: independent %s (%v), sign %s (%s)", id, c.name, role, got, err, want.Status, want.Detail)
				}
				if c.name == "intact" && got != "valid" {
					t.Errorf("%q %s: fresh seal not accepted: %s %v", id, role, got, err)
				}
			}
		}
	}
}

package sign

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json and testdata/keyset.json")

// vectorFile is testdata/vectors.json: worked examples of the seal format
// for implementers (see the package doc).
type vectorFile struct {
	About string       `json:"about"`
	Keys  []vectorKey  `json:"keys"`
	Cases []vectorCase `json:"cases"`
}

type vectorKey struct {
	KeyID         string `json:"keyId"`
	Alg           Alg    `json:"alg"`
	Ed25519Seed   string `json:"ed25519Seed,omitempty"`
	PrivateKeyPEM string `json:"privateKeyPem"`
	PublicKey     string `json:"publicKey"`
}

type vectorCase struct {
	Name        string      `json:"name"`
	Role        Role        `json:"role"`
	KeyID       string      `json:"keyId"`
	Alg         Alg         `json:"alg"`
	Record      aigc.Record `json:"record"`
	ContentHash string      `json:"contentHash"`
	MdMessage   string      `json:"mdMessage,omitempty"`
	SealMessage string      `json:"sealMessage,omitempty"`
	VerifyAt    time.Time   `json:"verifyAt"`
	Status      Status      `json:"status"`
	Note        string      `json:"note,omitempty"`
}

var vectorTime = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// buildVectors makes the vector file from fixed keys. Ed25519 parts are
// reproducible exactly; SM2 seals change with every run (randomized
// signatures), which is why the committed file is checked, not regenerated.
func buildVectors(t *testing.T) (*vectorFile, *KeySet) {
	vf := &vectorFile{About: "aigclabel seal test vectors (format aigclabel/1, see labeler/sign/doc.go). " +
		"Keys are for tests only. Ed25519 seals are deterministic: re-sealing record (without ReservedCode of the case's role) " +
		"and contentHash with the key must give the stored ReservedCode byte for byte. SM2 signatures are randomized: verify them. " +
		"mdMessage and sealMessage are the exact signed bytes. Verify at verifyAt with testdata/keyset.json; status is the expected outcome."}
	ks := &KeySet{}
	sealers := map[string]*Sealer{}
	for _, k := range []struct {
		id   string
		alg  Alg
		role Role
		code string
	}{
		{"prod-ed25519", Ed25519, Producer, testProducer},
		{"prop-ed25519", Ed25519, Propagator, testPropagator},
		{"prod-sm2", SM2, Producer, testProducer},
		{"prop-sm2", SM2, Propagator, testPropagator},
	} {
		seed := newFixedReader("aigclabel vector key " + k.id)
		var seedHex string
		if k.alg == Ed25519 {
			s := make([]byte, 32)
			seed.Read(s)
			seedHex = hex.EncodeToString(s)
			seed = newFixedReader("aigclabel vector key " + k.id)
		}
		priv, err := GenerateKey(k.alg, seed)
		if err != nil {
			t.Fatal(err)
		}
		p, err := MarshalPrivateKeyPEM(priv)
		if err != nil {
			t.Fatal(err)
		}
		vf.Keys = append(vf.Keys, vectorKey{KeyID: k.id, Alg: k.alg, Ed25519Seed: seedHex, PrivateKeyPEM: string(p), PublicKey: priv.Public().String()})
		if err := ks.AddKey(KeyEntry{KeyID: k.id, Code: k.code, Role: k.role, Public: priv.Public(),
			NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		sealers[k.id] = mustSealer(t, priv, k.id)
	}
	content := sha256.Sum256([]byte("aigclabel test vector content"))
	other := sha256.Sum256([]byte("aigclabel test vector content, modified"))
	add := func(name string, role Role, keyID string, rec aigc.Record, hash [32]byte, status Status, note string) {
		s := sealers[keyID]
		c := vectorCase{Name: name, Role: role, KeyID: keyID, Alg: s.priv.alg, Record: rec,
			ContentHash: hex.EncodeToString(hash[:]), VerifyAt: vectorTime, Status: status, Note: note}
		c.MdMessage = string(labelMessage(role, &rec))
		c.SealMessage = string(sealMessage(role, &rec, keyID, s.priv.alg.OID(), OIDSHA256, hex.EncodeToString(content[:])))
		vf.Cases = append(vf.Cases, c)
	}
	for _, alg := range []string{"ed25519", "sm2"} {
		rec := aigc.Record{Label: "1", ContentProducer: testProducer, ProduceID: "vec-" + alg + "-0001"}
		var err error
		if rec.ReservedCode1, err = sealers["prod-"+alg].Seal(rec, content); err != nil {
			t.Fatal(err)
		}
		add(alg+" producer", Producer, "prod-"+alg, rec, content, StatusValid, "")
		rec.ContentPropagator, rec.PropagateID = testPropagator, "vec-prop-"+alg
		if rec.ReservedCode2, err = sealers["prop-"+alg].SealPropagation(rec, content); err != nil {
			t.Fatal(err)
		}
		add(alg+" propagator", Propagator, "prop-"+alg, rec, content, StatusValid, "")
		add(alg+" producer, content modified", Producer, "prod-"+alg, rec, other, StatusContentModified,
			"contentHash differs from the sealed hash; the messages shown are those signed")
		edited := rec
		edited.ProduceID += "x"
		c := len(vf.Cases)
		add(alg+" propagator, ProduceID edited", Propagator, "prop-"+alg, edited, content, StatusInvalid,
			"ProduceID changed after sealing; the messages shown are rebuilt from the edited record and do not verify")
		vf.Cases[c].Record = edited
	}
	rec := aigc.Record{Label: "1", ContentProducer: testProducer, ProduceID: `id"with\escapes-生成`}
	var err error
	if rec.ReservedCode1, err = sealers["prod-ed25519"].Seal(rec, content); err != nil {
		t.Fatal(err)
	}
	add("ed25519 producer, quote, backslash and UTF-8 in ProduceID", Producer, "prod-ed25519", rec, content, StatusValid,
		"q() escapes '\"' and '\\'; UTF-8 is copied")
	return vf, ks
}

func TestVectors(t *testing.T) {
	vecPath, ksPath := filepath.Join("testdata", "vectors.json"), filepath.Join("testdata", "keyset.json")
	if *update {
		vf, ks := buildVectors(t)
		b, err := json.MarshalIndent(vf, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		kb, err := ks.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vecPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ksPath, kb, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(vecPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	kb, err := os.ReadFile(ksPath)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := ParseKeySet(kb)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]PrivateKey{}
	for _, k := range vf.Keys {
		priv, err := ParsePrivateKeyPEM([]byte(k.PrivateKeyPEM))
		if err != nil {
			t.Fatal(err)
		}
		if priv.Public().String() != k.PublicKey {
			t.Errorf("%s: PEM and publicKey disagree", k.KeyID)
		}
		if k.Ed25519Seed != "" {
			fromSeed, err := GenerateKey(Ed25519, bytes.NewReader(unhex(t, k.Ed25519Seed)))
			if err != nil || !fromSeed.Public().Equal(priv.Public()) {
				t.Errorf("%s: seed and PEM disagree", k.KeyID)
			}
		}
		keys[k.KeyID] = priv
	}
	// The committed Ed25519 vectors are exactly what the code produces now.
	fresh, _ := buildVectors(t)
	for i, c := range vf.Cases {
		var hash [32]byte
		copy(hash[:], unhex(t, c.ContentHash))
		st := Verify(c.Record, c.Role, Hashes{SHA256: &hash}, ks, c.VerifyAt)
		if st.Status != c.Status {
			t.Errorf("%s: %s (%s), want %s", c.Name, st.Status, st.Detail, c.Status)
		}
		if c.Alg == Ed25519 {
			if i >= len(fresh.Cases) || fresh.Cases[i].Record != c.Record {
				t.Errorf("%s: committed Ed25519 vector differs from a fresh seal; rerun with -update if the format changed on purpose", c.Name)
			}
			if c.Status == StatusValid {
				s := mustSealer(t, keys[c.KeyID], c.KeyID)
				rec := c.Record
				var got, want string
				if c.Role == Producer {
					got, err = s.Seal(rec, hash)
					want = rec.ReservedCode1
				} else {
					got, err = s.SealPropagation(rec, hash)
					want = rec.ReservedCode2
				}
				if err != nil || got != want {
					t.Errorf("%s: re-seal gives\n%s\nwant\n%s", c.Name, got, want)
				}
			}
		}
		if c.Alg == SM2 && c.Status == StatusValid {
			// A fresh SM2 seal of the same input verifies too but differs.
			s, _ := NewSealer(keys[c.KeyID], c.KeyID, rand.Reader)
			rc, _ := s.Seal(c.Record, hash)
			if rc == c.Record.ReservedCode1 && c.Role == Producer {
				t.Errorf("%s: SM2 seal repeated exactly", c.Name)
			}
		}
	}
}

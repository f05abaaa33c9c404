package sign

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// Role says whose seal a ReservedCode holds.
type Role string

// The two roles of Annex E.
const (
	// Producer seals go in ReservedCode1 (the generation service provider).
	Producer Role = "producer"
	// Propagator seals go in ReservedCode2 (the propagation platform).
	Propagator Role = "propagator"
)

// SealType is the TBSData Type of aigclabel's seal signature. Its number is
// the version of the signed-message layout described in the package doc.
const SealType = "aigclabel/1"

// maxKeyIDLen bounds key IDs so that seals stay far below aigc.MaxReservedLen.
const maxKeyIDLen = 128

// Sealer signs records with one key. It implements labeler.Signer through
// Seal (ReservedCode1) and offers SealPropagation for ReservedCode2. A Sealer
// is safe for concurrent use if its random source is.
type Sealer struct {
	priv  PrivateKey
	pub   PublicKey
	keyID string
	rand  io.Reader
}

// NewSealer returns a Sealer signing with priv under keyID (KeyIDOf of the
// public key when keyID is empty). rand is the randomness SM2 signatures need
// (Ed25519 signatures are deterministic and do not read it); it must be a
// cryptographically secure source such as crypto/rand.Reader. keyID must be 1
// to 128 printable ASCII characters without space, '"' or '\'.
func NewSealer(priv PrivateKey, keyID string, rand io.Reader) (*Sealer, error) {
	if priv.alg != Ed25519 && priv.alg != SM2 {
		return nil, errors.New("sign: NewSealer: no usable private key")
	}
	if priv.alg == SM2 && rand == nil {
		return nil, errors.New("sign: NewSealer: SM2 needs a random source")
	}
	pub := priv.Public()
	if keyID == "" {
		keyID = KeyIDOf(pub)
	}
	if err := checkKeyID(keyID); err != nil {
		return nil, err
	}
	return &Sealer{priv: priv, pub: pub, keyID: keyID, rand: rand}, nil
}

// KeyID returns the key ID the Sealer writes.
func (s *Sealer) KeyID() string { return s.keyID }

// Public returns the Sealer's public key, for the key set.
func (s *Sealer) Public() PublicKey { return s.pub }

func checkKeyID(id string) error {
	if len(id) == 0 || len(id) > maxKeyIDLen {
		return fmt.Errorf("sign: key ID must be 1 to %d bytes, got %d", maxKeyIDLen, len(id))
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return fmt.Errorf("sign: key ID %q: byte %#02x at %d is not allowed", id, c, i)
		}
	}
	return nil
}

// checkSealable rejects control characters in the values a seal signs:
// Annex E rule j forbids them, and excluding them keeps the signed message
// unambiguous.
func checkSealable(name, v string) error {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			return fmt.Errorf("sign: %s holds the control character %#02x at byte %d", name, v[i], i)
		}
	}
	return nil
}

// Seal returns the ReservedCode1 value for rec: a SecurityData object whose
// signatures cover Label, ContentProducer and ProduceID, the key ID and
// contentHash (SHA-256 of the file with the metadata slot excluded, as
// format.Codec.ContentHash computes it). rec's other fields are ignored.
func (s *Sealer) Seal(rec aigc.Record, contentHash [32]byte) (string, error) {
	return s.seal(Producer, rec, contentHash)
}

// SealPropagation returns the ReservedCode2 value for rec: like Seal, but its
// signatures cover the propagator's fields (ContentPropagator, PropagateID),
// the producer's fields, the SHA-256 of ReservedCode1 as it stands in rec
// (so a producer seal replaced later breaks the propagation seal) and
// contentHash. rec.ReservedCode2 is ignored.
func (s *Sealer) SealPropagation(rec aigc.Record, contentHash [32]byte) (string, error) {
	return s.seal(Propagator, rec, contentHash)
}

func (s *Sealer) seal(role Role, rec aigc.Record, contentHash [32]byte) (string, error) {
	for _, f := range signedFields(role, &rec) {
		if err := checkSealable(f.name, f.value); err != nil {
			return "", err
		}
	}
	oid := s.priv.alg.OID()
	hashHex := hex.EncodeToString(contentHash[:])
	mdSig, err := s.priv.sign(s.rand, labelMessage(role, &rec))
	if err != nil {
		return "", fmt.Errorf("sign: signing the label message: %w", err)
	}
	sealSig, err := s.priv.sign(s.rand, sealMessage(role, &rec, s.keyID, oid, OIDSHA256, hashHex))
	if err != nil {
		return "", fmt.Errorf("sign: signing the seal message: %w", err)
	}
	var b strings.Builder
	b.WriteString(`{"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[`)
	b.WriteString(`{"Type":"DS","AlgID":"` + oid + `","TBSData":{"Type":"Md"},"Signature":"` + hex.EncodeToString(mdSig) + `"},`)
	b.WriteString(`{"Type":"DS","AlgID":"` + oid + `","TBSData":{"Type":"` + SealType + `"},"Signature":"` + hex.EncodeToString(sealSig) + `"},`)
	b.WriteString(`{"Type":"PubKey","KeyID":"` + s.keyID + `","AlgID":"` + oid + `","KeyValue":"` + s.pub.String() + `"}],`)
	b.WriteString(`"Bindings":[{"Type":"Hash","AlgID":"` + OIDSHA256 + `","TBSData":{"Type":"Content"},"Value":"` + hashHex + `"}]}}`)
	if b.Len() > aigc.MaxReservedLen {
		return "", fmt.Errorf("sign: seal of %d bytes exceeds %d", b.Len(), aigc.MaxReservedLen)
	}
	return b.String(), nil
}

type field struct{ name, value string }

// signedFields lists the record fields a role's seal covers, in message order.
func signedFields(role Role, rec *aigc.Record) []field {
	f := []field{{"Label", rec.Label}, {"ContentProducer", rec.ContentProducer}, {"ProduceID", rec.ProduceID}}
	if role == Propagator {
		f = append(f, field{"ContentPropagator", rec.ContentPropagator}, field{"PropagateID", rec.PropagateID})
	}
	return f
}

// labelMessage is the "Md" message of TC260-PG-202511A A.1 as MiniMax signs
// it: "Label":"…","ContentProducer":"…","ProduceID":"…" without braces. For
// the propagator the producer's names are replaced by ContentPropagator and
// PropagateID (our reading; no provider sample verifies it).
func labelMessage(role Role, rec *aigc.Record) []byte {
	var b strings.Builder
	member(&b, "Label", rec.Label)
	if role == Propagator {
		member(&b, "ContentPropagator", rec.ContentPropagator)
		member(&b, "PropagateID", rec.PropagateID)
	} else {
		member(&b, "ContentProducer", rec.ContentProducer)
		member(&b, "ProduceID", rec.ProduceID)
	}
	return []byte(b.String())
}

// sealMessage is the message of the aigclabel/1 signature (see the package
// doc for the layout).
func sealMessage(role Role, rec *aigc.Record, keyID, algOID, hashOID, hashHex string) []byte {
	var b strings.Builder
	member(&b, "Seal", SealType+"/"+string(role))
	member(&b, "Label", rec.Label)
	member(&b, "ContentProducer", rec.ContentProducer)
	member(&b, "ProduceID", rec.ProduceID)
	if role == Propagator {
		rc1 := sha256.Sum256([]byte(rec.ReservedCode1))
		member(&b, "ReservedCode1SHA256", hex.EncodeToString(rc1[:]))
		member(&b, "ContentPropagator", rec.ContentPropagator)
		member(&b, "PropagateID", rec.PropagateID)
	}
	member(&b, "KeyID", keyID)
	member(&b, "AlgID", algOID)
	member(&b, "HashAlgID", hashOID)
	member(&b, "Hash", hashHex)
	return []byte(b.String())
}

// PropagationSealer is a Sealer seen through the labeler.Signer interface
// for ReservedCode2: its Seal is the Sealer's SealPropagation. Pass it as
// labeler.PropagateOptions.Seal.Signer.
type PropagationSealer struct{ s *Sealer }

// ForPropagation returns s as a PropagationSealer.
func (s *Sealer) ForPropagation() PropagationSealer { return PropagationSealer{s} }

// Seal returns the ReservedCode2 value for rec (see Sealer.SealPropagation).
func (p PropagationSealer) Seal(rec aigc.Record, contentHash [32]byte) (string, error) {
	return p.s.SealPropagation(rec, contentHash)
}

package sign

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// Status is the outcome of verifying one ReservedCode seal. The values are
// stable: they appear in reports.
type Status string

// Verification outcomes. Only StatusValid means the label fields and the
// content are what a trusted, current key signed.
const (
	// StatusValid: every signature verifies, the content hash matches, and the
	// key is in the key set, current, not revoked, and registered for the
	// record's producer (or propagator).
	StatusValid Status = "valid"
	// StatusContentModified: the seal is intact and its key trusted, but the
	// content hash differs: the content changed after sealing.
	StatusContentModified Status = "content-modified"
	// StatusInvalid: a signature does not match the fields (a label field or
	// the seal was edited), or the key set lists the seal's key ID with a
	// different key.
	StatusInvalid Status = "invalid"
	// StatusUnknownKey: the signatures verify with the key embedded in the
	// seal, but the key set does not list that key for this producer or
	// propagator: integrity without identity.
	StatusUnknownKey Status = "unknown-key"
	// StatusExpiredKey: the key is trusted but outside its validity period at
	// the verification time.
	StatusExpiredKey Status = "expired-key"
	// StatusRevokedKey: the key was revoked.
	StatusRevokedKey Status = "revoked-key"
	// StatusAbsent: the ReservedCode is empty.
	StatusAbsent Status = "absent"
	// StatusMalformed: the ReservedCode is not a readable SecurityData object
	// (not JSON, truncated, bad hex, a key that is not a curve point, no
	// signature).
	StatusMalformed Status = "malformed"
	// StatusUnsupported: a well-formed SecurityData that cannot be checked:
	// an unknown algorithm (Honor's RSA), a signed message whose layout is
	// unknown (StepFun's DER-signed label does not verify over the A.1
	// message), no signature covering the label fields or the content, or a
	// content hash algorithm the caller supplied no hash for. Not a verdict
	// of forgery.
	StatusUnsupported Status = "unsupported"
)

// ContentCheck says what became of the content binding.
type ContentCheck string

// Content binding outcomes.
const (
	ContentMatch     ContentCheck = "match"
	ContentMismatch  ContentCheck = "mismatch"
	ContentUnchecked ContentCheck = "unchecked"
)

// SealStatus is the result of verifying one seal.
type SealStatus struct {
	Status Status `json:"status"`
	// KeyID is the seal's KeyID, or KeyIDOf the embedded key when the seal
	// names none (MiniMax).
	KeyID string `json:"keyId,omitempty"`
	Alg   Alg    `json:"alg,omitempty"`
	// Detail explains the status in one line.
	Detail string `json:"detail,omitempty"`
	// Signature reports that every signature in the seal verifies with the
	// key embedded in it (integrity, not identity).
	Signature bool `json:"signature"`
	// Content is the content-binding check, when one was made.
	Content ContentCheck `json:"content,omitempty"`
	// HashAlg is the AlgID of the content binding checked.
	HashAlg string `json:"hashAlg,omitempty"`
}

// Hashes are the content hashes of the file being verified, computed over
// the same selection as format.Codec.ContentHash (metadata slot excluded).
type Hashes struct {
	// SHA256 is the content hash seals by aigclabel bind; nil when unknown.
	SHA256 *[32]byte
	// SM3, when set, computes the SM3 content hash on demand, for provider
	// seals that bind SM3 (MiniMax). It reports false when unavailable.
	SM3 func() ([32]byte, bool)
}

// VerifyProducer verifies rec.ReservedCode1 against the content hash, the
// key set ks (nil: no trusted keys) and the time at (zero: validity periods
// are not checked; revocations without revokedAt still are).
func VerifyProducer(rec aigc.Record, contentHash [32]byte, ks *KeySet, at time.Time) SealStatus {
	return Verify(rec, Producer, Hashes{SHA256: &contentHash}, ks, at)
}

// VerifyPropagator verifies rec.ReservedCode2 like VerifyProducer.
func VerifyPropagator(rec aigc.Record, contentHash [32]byte, ks *KeySet, at time.Time) SealStatus {
	return Verify(rec, Propagator, Hashes{SHA256: &contentHash}, ks, at)
}

// Verify verifies the seal of role in rec. See Status for the outcomes and
// the package doc for what each signature covers.
func Verify(rec aigc.Record, role Role, h Hashes, ks *KeySet, at time.Time) SealStatus {
	rc := rec.ReservedCode1
	if role == Propagator {
		rc = rec.ReservedCode2
	}
	if strings.TrimSpace(rc) == "" {
		return SealStatus{Status: StatusAbsent}
	}
	sd, err := ParseSecurityData([]byte(rc))
	if err != nil {
		return SealStatus{Status: StatusMalformed, Detail: err.Error()}
	}
	return verifySecurityData(sd, &rec, role, h, ks, at)
}

func bad(st SealStatus, s Status, format string, args ...any) SealStatus {
	st.Status, st.Detail = s, fmt.Sprintf(format, args...)
	return st
}

func verifySecurityData(sd *SecurityData, rec *aigc.Record, role Role, h Hashes, ks *KeySet, at time.Time) SealStatus {
	var st SealStatus
	var keyEntry *Entry
	var dss []*Entry
	for i := range sd.PubSD {
		e := &sd.PubSD[i]
		switch strings.ToLower(e.Type) {
		case "pubkey":
			if keyEntry != nil {
				return bad(st, StatusMalformed, "more than one PubKey entry")
			}
			keyEntry = e
		case "ds":
			dss = append(dss, e)
		}
	}
	if len(dss) == 0 {
		return bad(st, StatusMalformed, "no DS (signature) entry")
	}
	if keyEntry == nil {
		return bad(st, StatusUnsupported, "no PubKey entry: the signer's key is not in the seal")
	}
	st.Alg = algFromOID(keyEntry.AlgID)
	if st.Alg == "" {
		return bad(st, StatusUnsupported, "key algorithm %q is not supported", keyEntry.AlgID)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(keyEntry.KeyValue))
	if err != nil {
		return bad(st, StatusMalformed, "KeyValue is not hex")
	}
	pub, err := ParsePublicKey(st.Alg, raw)
	if err != nil {
		return bad(st, StatusMalformed, "KeyValue: %v", err)
	}
	st.KeyID = keyEntry.KeyID
	if st.KeyID == "" {
		st.KeyID = KeyIDOf(pub)
	}

	var (
		labelCovered bool   // a verified signature covers the label fields
		bound        *Entry // the content binding a verified signature covers
		failed       []string
		foreignFail  = true // every failure is a foreign-shape Md signature
		unknown      []string
	)
	for _, ds := range dss {
		if algFromOID(ds.AlgID) != st.Alg {
			return bad(st, StatusMalformed, "DS algorithm %q differs from the key's %q", ds.AlgID, keyEntry.AlgID)
		}
		sig, err := hex.DecodeString(strings.TrimSpace(ds.Signature))
		if err != nil || len(sig) == 0 {
			return bad(st, StatusMalformed, "DS %q: Signature is not hex", ds.tbsType())
		}
		var msg []byte
		var binding *Entry
		kind := ds.tbsType()
		switch kind {
		case "Md", "LabelMataData", "LabelMetaData":
			if err := checkFields(role, rec); err != nil {
				return bad(st, StatusInvalid, "%v", err)
			}
			msg = labelMessage(role, rec)
		case SealType:
			if binding = hashBinding(sd); binding == nil {
				return bad(st, StatusMalformed, "%s signature without a Hash binding", SealType)
			}
			if err := checkFields(role, rec); err != nil {
				return bad(st, StatusInvalid, "%v", err)
			}
			msg = sealMessage(role, rec, keyEntry.KeyID, ds.AlgID, binding.AlgID, binding.hashValue())
		case "Binding":
			if binding, msg = bindingMessage(sd, ds.TBSData.BType); binding == nil {
				return bad(st, StatusMalformed, "Binding signature names no binding (BType %q)", ds.TBSData.BType)
			}
		default:
			unknown = append(unknown, kind)
			continue
		}
		if !pub.verify(msg, sig) {
			failed = append(failed, kind)
			if kind == SealType || kind == "Binding" || len(sig) == 64 {
				foreignFail = false
			}
			continue
		}
		if kind != "Binding" {
			labelCovered = true
		}
		if binding != nil {
			bound = binding
		}
	}
	switch {
	case len(failed) > 0 && foreignFail:
		return bad(st, StatusUnsupported, "the %s signature (DER) does not verify over the A.1 label message; "+
			"this provider's signed message is unknown", strings.Join(failed, ", "))
	case len(failed) > 0:
		return bad(st, StatusInvalid, "the %s signature does not match the record", strings.Join(failed, ", "))
	case !labelCovered && bound == nil:
		return bad(st, StatusUnsupported, "no signature of a known kind (TBSData %q)", strings.Join(unknown, ", "))
	}
	st.Signature = true
	if !labelCovered {
		// Tencent's shape: the content is signed, the label is not, so the
		// seal says nothing about the record it sits in.
		st.HashAlg, st.Content = bound.AlgID, ContentUnchecked
		return bad(st, StatusUnsupported, "signature valid with the embedded key, but it covers only the content binding, no label field")
	}

	// Identity: the key set decides who the key belongs to.
	code := rec.ContentProducer
	if role == Propagator {
		code = rec.ContentPropagator
	}
	var keyStatus Status
	var details []string
	entry, mismatch := ks.lookup(keyEntry.KeyID, pub, role, code, at)
	switch {
	case mismatch:
		return bad(st, StatusInvalid, "the key set lists key ID %q with a different key", keyEntry.KeyID)
	case entry == nil:
		keyStatus = StatusUnknownKey
		details = append(details, "signature valid with the embedded key; key not in the key set")
	default:
		st.KeyID = entry.KeyID
		var why string
		if keyStatus, why = entry.usable(role, code, at); keyStatus != "" {
			details = append(details, "signature valid; "+why)
		}
	}

	// Content: the signed binding against the caller's hash.
	st.Content = ContentUnchecked
	var contentWhy string
	if bound != nil {
		st.HashAlg = bound.AlgID
		st.Content, contentWhy = checkContent(bound, h)
	} else {
		contentWhy = "no signature covers a content binding"
	}
	details = append(details, contentWhy)
	st.Detail = strings.Join(details, "; ")
	switch {
	case keyStatus != "":
		st.Status = keyStatus
	case st.Content == ContentMismatch:
		st.Status = StatusContentModified
	case st.Content == ContentUnchecked:
		st.Status = StatusUnsupported
	default:
		st.Status = StatusValid
	}
	return st
}

// checkFields rejects control characters in the signed fields: aigclabel
// never seals them, so a record holding one cannot carry a valid seal.
func checkFields(role Role, rec *aigc.Record) error {
	for _, f := range signedFields(role, rec) {
		if err := checkSealable(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// hashBinding returns the first binding of Type "Hash".
func hashBinding(sd *SecurityData) *Entry {
	for i := range sd.Bindings {
		if strings.EqualFold(sd.Bindings[i].Type, "Hash") {
			return &sd.Bindings[i]
		}
	}
	return nil
}

// bindingMessage finds the binding a "Binding" signature covers and the
// message signed. A numeric BType (MiniMax "0") or none selects Bindings by
// index and the message is the entry's JSON exactly as found (MiniMax); a
// BType naming a binding type ("hash", Tencent) selects the first binding
// of that type and the message is its hex-decoded hash value.
func bindingMessage(sd *SecurityData, btype string) (*Entry, []byte) {
	if btype == "" {
		btype = "0"
	}
	if i, err := strconv.Atoi(btype); err == nil {
		if i < 0 || i >= len(sd.Bindings) {
			return nil, nil
		}
		return &sd.Bindings[i], sd.Bindings[i].Raw
	}
	for i := range sd.Bindings {
		if strings.EqualFold(sd.Bindings[i].Type, btype) {
			v, err := hex.DecodeString(sd.Bindings[i].hashValue())
			if err != nil {
				return nil, nil
			}
			return &sd.Bindings[i], v
		}
	}
	return nil, nil
}

// checkContent compares a signed binding's hash with the caller's.
func checkContent(b *Entry, h Hashes) (ContentCheck, string) {
	want, err := hex.DecodeString(b.hashValue())
	if err != nil || len(want) != 32 {
		return ContentUnchecked, fmt.Sprintf("binding hash %q is not a 32-byte hex value", b.hashValue())
	}
	var got [32]byte
	var name string
	switch b.AlgID {
	case OIDSHA256, "sha256", "SHA256", "SHA-256":
		name = "SHA-256"
		if h.SHA256 == nil {
			return ContentUnchecked, "no SHA-256 content hash supplied"
		}
		got = *h.SHA256
	case OIDSM3, "sm3", "SM3":
		name = "SM3"
		ok := false
		if h.SM3 != nil {
			got, ok = h.SM3()
		}
		if !ok {
			return ContentUnchecked, "content bound with SM3; no SM3 content hash supplied"
		}
	default:
		return ContentUnchecked, fmt.Sprintf("content hash algorithm %q is not supported", b.AlgID)
	}
	if !bytes.Equal(got[:], want) {
		return ContentMismatch, "content " + name + " differs from the sealed hash: content modified after sealing"
	}
	return ContentMatch, "content " + name + " matches"
}

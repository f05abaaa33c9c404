package sign

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// miniMaxX is the x coordinate of MiniMax's signing key (aigc-real README).
const miniMaxX = "a0b3b0b6a0c9b0c89cab328342af4e8221ec5b40799cbe835ab4251f7b47e4fd"

type miniMaxVector struct {
	File           string  `json:"file"`
	LabelMessage   string  `json:"label_message"`
	LabelSig       string  `json:"label_signature_r_s"`
	KeyValue       string  `json:"key_value"`
	X              string  `json:"public_key_x"`
	YEven          string  `json:"public_key_y_even"`
	LabelValid     bool    `json:"label_signature_valid"`
	BindingJSON    string  `json:"binding_json"`
	BindingSig     string  `json:"binding_signature_r_s"`
	BindingValid   bool    `json:"binding_signature_valid"`
	ContentSM3     *string `json:"content_sm3_file_minus_app1"`
	ContentMatches bool    `json:"content_binding_matches"`
	ChangedIDValid bool    `json:"negative_control_changed_produceid_valid"`
	OddYValid      bool    `json:"odd_y_valid"`
	BindingSM3     string  `json:"binding_sm3"`
}

func loadMiniMaxVectors(t *testing.T) []miniMaxVector {
	path := testenv.Corpus(t, "aigc-real", "minimax_securitydata_verification-vectors.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Files []miniMaxVector }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Files) == 0 {
		t.Fatal("no vectors")
	}
	return doc.Files
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMiniMaxVectors checks the primitives against the corpus vectors: the
// key lifts to the recorded even y, both signatures verify, the two negative
// controls fail.
func TestMiniMaxVectors(t *testing.T) {
	for _, v := range loadMiniMaxVectors(t) {
		pub, err := ParsePublicKey(SM2, unhex(t, v.KeyValue))
		if err != nil {
			t.Fatalf("%s: %v", v.File, err)
		}
		if got := hex.EncodeToString(pub.sm.X.FillBytes(make([]byte, 32))); got != v.X {
			t.Errorf("%s: x %s", v.File, got)
		}
		if got := hex.EncodeToString(pub.sm.Y.FillBytes(make([]byte, 32))); got != v.YEven {
			t.Errorf("%s: y %s, want %s", v.File, got, v.YEven)
		}
		if got := pub.verify([]byte(v.LabelMessage), unhex(t, v.LabelSig)); got != v.LabelValid || !got {
			t.Errorf("%s: label signature %v", v.File, got)
		}
		if got := pub.verify([]byte(v.BindingJSON), unhex(t, v.BindingSig)); got != v.BindingValid || !got {
			t.Errorf("%s: binding signature %v", v.File, got)
		}
		// The message our code builds from the record fields equals the vector's.
		m := regexp.MustCompile(`"ProduceID":"([^"]*)"`).FindStringSubmatch(v.LabelMessage)
		rec := aigc.Record{Label: "1", ContentProducer: "MiniMax", ProduceID: m[1]}
		if got := string(labelMessage(Producer, &rec)); got != v.LabelMessage {
			t.Errorf("%s: label message %q", v.File, got)
		}
		// Negative controls: one ProduceID digit changed; the odd-y point.
		changed := []byte(v.LabelMessage)
		i := bytes.LastIndexByte(changed, '"') - 1
		changed[i] ^= 1
		if pub.verify(changed, unhex(t, v.LabelSig)) != v.ChangedIDValid {
			t.Errorf("%s: changed ProduceID verifies", v.File)
		}
		odd, err := ParsePublicKey(SM2, append([]byte{3}, unhex(t, v.X)...))
		if err != nil {
			t.Fatal(err)
		}
		if odd.verify([]byte(v.LabelMessage), unhex(t, v.LabelSig)) != v.OddYValid {
			t.Errorf("%s: odd y verifies", v.File)
		}
	}
}

// recordFromFile finds the wrapped AIGC record stored as text in a file
// (EXIF UserComment) and parses it.
func recordFromFile(t *testing.T, b []byte) aigc.Record {
	t.Helper()
	i := bytes.Index(b, []byte(`{"AIGC":`))
	if i < 0 {
		t.Fatal("no AIGC record in file")
	}
	var raw json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(b[i:])).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	rec, _, err := aigc.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// jpegWithoutExif returns a JPEG with its APP1 Exif segments removed: the
// selection MiniMax's SM3 content binding covers.
func jpegWithoutExif(t *testing.T, b []byte) []byte {
	t.Helper()
	out := append([]byte{}, b[:2]...)
	p := 2
	for p+4 <= len(b) && b[p] == 0xFF {
		marker := b[p+1]
		if marker == 0xDA { // SOS: the rest is entropy-coded data
			break
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if p+2+n > len(b) {
			t.Fatal("truncated segment")
		}
		if !(marker == 0xE1 && bytes.HasPrefix(b[p+4:], []byte("Exif\x00\x00"))) {
			out = append(out, b[p:p+2+n]...)
		}
		p += 2 + n
	}
	return append(out, b[p:]...)
}

// TestMiniMaxFiles verifies whole records from the MiniMax files through the
// public API: intact signatures and content, unknown key without a key set,
// valid once the key set lists MiniMax's key, content-modified for the
// resized PNG, invalid after a field edit.
func TestMiniMaxFiles(t *testing.T) {
	mm, err := ParsePublicKey(SM2, unhex(t, "00"+miniMaxX))
	if err != nil {
		t.Fatal(err)
	}
	ks := keySetOf(t, KeyEntry{KeyID: "minimax", Code: "MiniMax", Role: Producer, Public: mm})
	for _, v := range loadMiniMaxVectors(t) {
		b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", v.File))
		if err != nil {
			t.Fatal(err)
		}
		rec := recordFromFile(t, b)
		h := Hashes{SM3: func() ([32]byte, bool) {
			if b[0] != 0xFF {
				return sm3.Sum(b), true // the derived PNG: no selection matches
			}
			return sm3.Sum(jpegWithoutExif(t, b)), true
		}}
		st := Verify(rec, Producer, h, nil, t0)
		wantContent := ContentMismatch
		if v.ContentMatches {
			wantContent = ContentMatch
		}
		if st.Status != StatusUnknownKey || !st.Signature || st.Content != wantContent || st.Alg != SM2 ||
			!strings.Contains(st.Detail, "signature valid with the embedded key") {
			t.Errorf("%s without key set: %+v", v.File, st)
		}
		if st.KeyID != KeyIDOf(mm) {
			t.Errorf("%s: key ID %q, want %q", v.File, st.KeyID, KeyIDOf(mm))
		}
		want := StatusContentModified
		if v.ContentMatches {
			want = StatusValid
		}
		if st := Verify(rec, Producer, h, ks, t0); st.Status != want || st.KeyID != "minimax" {
			t.Errorf("%s with MiniMax in the key set: %+v, want %s", v.File, st, want)
		}
		if st := Verify(rec, Producer, Hashes{}, ks, t0); st.Status != StatusUnsupported || st.Content != ContentUnchecked {
			t.Errorf("%s without an SM3 hash: %+v", v.File, st)
		}
		edited := rec
		edited.ProduceID = strings.Replace(edited.ProduceID, "06", "07", 1)
		if st := Verify(edited, Producer, h, ks, t0); st.Status != StatusInvalid {
			t.Errorf("%s with an edited ProduceID: %+v", v.File, st)
		}
		if st := Verify(rec, Propagator, h, ks, t0); st.Status != StatusAbsent {
			t.Errorf("%s ReservedCode2: %+v", v.File, st)
		}
	}
}

// TestMiniMaxShapeOwnKey builds a record in MiniMax's exact shape with our
// own SM2 key (00‖x key, Md and Binding signatures, SM3 binding stored under
// Signature): it verifies, and a changed field or content fails.
func TestMiniMaxShapeOwnKey(t *testing.T) {
	k := mustKey(t, SM2, "minimax-shape")
	content := []byte("file bytes without the Exif segment")
	contentSM3 := sm3.Sum(content)
	rec := aigc.Record{Label: "1", ContentProducer: "TestVendor", ProduceID: "06cb081dfdc5158e313379cf59b7c90d",
		ContentPropagator: "TestVendor"}
	binding := `{"Type":"Hash","AlgID":"1.2.156.10197.1.401","TBSData":{"Type":""},"Signature":"` + hex.EncodeToString(contentSM3[:]) + `"}`
	mdSig, err := k.sign(rand.Reader, labelMessage(Producer, &rec))
	if err != nil {
		t.Fatal(err)
	}
	bSig, err := k.sign(rand.Reader, []byte(binding))
	if err != nil {
		t.Fatal(err)
	}
	rec.ReservedCode1 = `{"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[` +
		`{"Type":"DS","AlgID":"1.2.156.10197.1.501","TBSData":{"Type":"LabelMataData"},"Signature":"` + hex.EncodeToString(mdSig) + `"},` +
		`{"Type":"DS","AlgID":"1.2.156.10197.1.501","TBSData":{"Type":"Binding","BType":"0"},"Signature":"` + hex.EncodeToString(bSig) + `"},` +
		`{"Type":"PubKey","AlgID":"1.2.156.10197.1.501","TBSData":{"Type":""},"KeyValue":"00` + hex.EncodeToString(k.sm.X.FillBytes(make([]byte, 32))) + `"}],` +
		`"Bindings":[` + binding + `]}}`
	// The label message is the A.1 form the README gives.
	if got := string(labelMessage(Producer, &rec)); got != `"Label":"1","ContentProducer":"TestVendor","ProduceID":"06cb081dfdc5158e313379cf59b7c90d"` {
		t.Fatalf("label message %s", got)
	}
	sm3Of := func(b []byte) Hashes {
		return Hashes{SM3: func() ([32]byte, bool) { return sm3.Sum(b), true }}
	}
	ks := keySetOf(t, KeyEntry{KeyID: "tv", Code: "TestVendor", Public: k.Public()})
	if st := Verify(rec, Producer, sm3Of(content), nil, t0); st.Status != StatusUnknownKey || !st.Signature || st.Content != ContentMatch {
		t.Errorf("own MiniMax-shape record: %+v", st)
	}
	if st := Verify(rec, Producer, sm3Of(content), ks, t0); st.Status != StatusValid {
		t.Errorf("own MiniMax-shape record with key set: %+v", st)
	}
	if st := Verify(rec, Producer, sm3Of(append(content, '!')), ks, t0); st.Status != StatusContentModified {
		t.Errorf("changed content: %+v", st)
	}
	for _, edit := range []func(*aigc.Record){
		func(r *aigc.Record) { r.Label = "3" },
		func(r *aigc.Record) { r.ContentProducer = "OtherVendor" },
		func(r *aigc.Record) { r.ProduceID += "0" },
		func(r *aigc.Record) {
			r.ReservedCode1 = strings.Replace(r.ReservedCode1, hex.EncodeToString(contentSM3[:]), strings.Repeat("0", 64), 2)
		},
	} {
		r := rec
		edit(&r)
		if st := Verify(r, Producer, sm3Of(content), ks, t0); st.Status != StatusInvalid {
			t.Errorf("edited record: %+v", st)
		}
	}
}

// TestStepFunUnsupported: StepFun's SecurityData (DER signatures, SPKI key)
// does not verify over any known message; it is reported as unsupported,
// not as a forgery, and its key still parses (the point is on the curve).
func TestStepFunUnsupported(t *testing.T) {
	b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", "stepfun_markdown-frontmatter_securitydata-sm2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) string {
		m := regexp.MustCompile(`(?m)^  ` + name + `: '([^']*)'`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no %s", name)
		}
		return string(m[1])
	}
	rec := aigc.Record{Label: get("Label"), ContentProducer: get("ContentProducer"), ProduceID: get("ProduceID"),
		ReservedCode1: get("ReservedCode1"), ContentPropagator: get("ContentPropagator"),
		PropagateID: get("PropagateID"), ReservedCode2: get("ReservedCode2")}
	for _, role := range []Role{Producer, Propagator} {
		st := Verify(rec, role, Hashes{}, nil, t0)
		if st.Status != StatusUnsupported || st.Signature || st.Alg != SM2 {
			t.Errorf("StepFun %s: %+v", role, st)
		}
	}
	// Its key is a valid SPKI point.
	sd, err := ParseSecurityData([]byte(rec.ReservedCode1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePublicKey(SM2, unhex(t, sd.PubSD[1].KeyValue)); err != nil {
		t.Errorf("StepFun key: %v", err)
	}
}

// TestHonorSyntheticUnsupported: the reconstructed Honor shape (nested
// objects, PubSd, RSA) parses and is reported as unsupported (RSA).
func TestHonorSyntheticUnsupported(t *testing.T) {
	b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", "honor-yoyo_exif-usercomment_SYNTHETIC.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := aigc.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := ParseSecurityData([]byte(rec.ReservedCode1))
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.PubSD) != 2 || len(sd.Bindings) != 1 || sd.Bindings[0].AlgID != OIDSHA256 {
		t.Errorf("Honor shape: %+v", sd)
	}
	for _, role := range []Role{Producer, Propagator} {
		if st := Verify(rec, role, Hashes{}, nil, time.Time{}); st.Status != StatusUnsupported {
			t.Errorf("Honor %s: %+v", role, st)
		}
	}
}

// TestTencentShape builds a seal in the shape the aigc-real README
// describes for Tencent Yuanbao (bare object, " TC260PG", algorithm names,
// a DER signature over the raw 32-byte hash of the "hash" binding, an
// uncompressed key) with our own key. The signature verifies, but it covers
// no label field, so the seal cannot be valid: unsupported, with the content
// check reported.
func TestTencentShape(t *testing.T) {
	k := mustKey(t, SM2, "tencent-shape")
	content := sm3.Sum([]byte("png without its label"))
	der, err := gmsmKey(k).Sign(rand.Reader, content[:], sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		t.Fatal(err)
	}
	pt := uncompressed(&k.sm.sm2Pub)
	rc := `{"Type":" TC260PG","Version":1,"Bindings":[{"Type":"soft","AlgID":"phash","Value":"c3c3c3c3c3c3c3c3"},` +
		`{"Type":"hash","AlgID":"sm3","Value":"` + hex.EncodeToString(content[:]) + `"}],` +
		`"PubSD":[{"Type":"DS","AlgID":"sm2","TBSData":{"Type":"Binding","BType":"hash"},"Signature":"` + hex.EncodeToString(der) + `"},` +
		`{"Type":"PubKey","AlgID":"sm2","KeyValue":"` + hex.EncodeToString(pt) + `"}],"Extension":{"Timestamp":1,"KeyVersion":"1"}}`
	rec := aigc.Record{Label: "1", ContentProducer: "001191440300708461136T1WFUO", ProduceID: "x", ReservedCode1: rc}
	h := Hashes{SM3: func() ([32]byte, bool) { return content, true }}
	st := Verify(rec, Producer, h, nil, t0)
	if st.Status != StatusUnsupported || !st.Signature || !strings.Contains(st.Detail, "no label field") || st.Content != ContentUnchecked {
		t.Errorf("Tencent shape: %+v", st)
	}
	other := Hashes{SM3: func() ([32]byte, bool) { return sm3.Sum([]byte("other")), true }}
	if st := Verify(rec, Producer, other, nil, t0); st.Content != ContentUnchecked {
		t.Errorf("Tencent shape, label uncovered, content must stay unchecked: %+v", st)
	}
	rec.ReservedCode1 = strings.Replace(rc, hex.EncodeToString(content[:]), strings.Repeat("ab", 32), 1)
	if st := Verify(rec, Producer, h, nil, t0); st.Status != StatusInvalid {
		t.Errorf("Tencent shape with edited hash: %+v", st)
	}
}

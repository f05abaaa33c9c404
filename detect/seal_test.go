package detect

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/sign"
)

type sealFixture struct {
	producer, platform *sign.Sealer
	keys               *sign.KeySet
}

func newSealFixture(t *testing.T) sealFixture {
	t.Helper()
	seed := bytes.NewReader(bytes.Repeat([]byte{7}, 4096))
	pk, err := sign.GenerateKey(sign.SM2, seed)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := sign.GenerateKey(sign.Ed25519, seed)
	if err != nil {
		t.Fatal(err)
	}
	var f sealFixture
	if f.producer, err = sign.NewSealer(pk, "producer-1", seed); err != nil {
		t.Fatal(err)
	}
	if f.platform, err = sign.NewSealer(ek, "platform-1", seed); err != nil {
		t.Fatal(err)
	}
	f.keys = &sign.KeySet{}
	f.keys.AddKey(sign.KeyEntry{KeyID: "producer-1", Role: sign.Producer, Public: pk.Public()})
	f.keys.AddKey(sign.KeyEntry{KeyID: "platform-1", Role: sign.Propagator, Public: ek.Public()})
	return f
}

func producerStatus(t *testing.T, b []byte, ks *sign.KeySet) (sign.Status, string) {
	t.Helper()
	rep, err := Inspect(context.Background(), b, Options{Keys: ks, MetadataOnly: true, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seal == nil {
		return "", rep.Verdict
	}
	return rep.Seal.Producer.Status, rep.Verdict
}

// rewrite replaces the record in b by rec, keeping the content.
func rewrite(t *testing.T, b []byte, rec aigc.Record) []byte {
	t.Helper()
	codec, _ := labeler.CodecFor(format.Sniff(b))
	out, err := codec.Write(b, rec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSealTampering runs each tampering case of issue 3 end to end: label a
// corpus image with a seal, change one thing, and inspect.
func TestSealTampering(t *testing.T) {
	f := newSealFixture(t)
	orig, err := os.ReadFile(testenv.Corpus(t, "images", "kodim23.png"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := labeler.Label(context.Background(), orig, labeler.Options{
		Producer: "001191110102MACQD9K64010000", ProduceID: "SEALTEST1", Seal: &labeler.SealOptions{Signer: f.producer}})
	if err != nil {
		t.Fatal(err)
	}
	sealed := res.Output
	if st, v := producerStatus(t, sealed, f.keys); st != sign.StatusValid || v != Confirmed {
		t.Fatalf("sealed file: %s, %s", st, v)
	}

	// One pixel changed (decode, flip a bit, encode, put the same record back).
	img, _ := png.Decode(bytes.NewReader(sealed))
	rgba := img.(*image.RGBA)
	rgba.Pix[1000] ^= 1
	var buf bytes.Buffer
	png.Encode(&buf, rgba)
	onePixel := rewrite(t, buf.Bytes(), res.Record)

	// The record moved to another file.
	other, _ := os.ReadFile(testenv.Corpus(t, "images", "kodim19.png"))
	moved := rewrite(t, other, res.Record)

	// A field edited.
	edited := res.Record
	edited.ProduceID = "SEALTEST2"
	fieldEdited := rewrite(t, sealed, edited)

	// A truncated seal.
	trunc := res.Record
	trunc.ReservedCode1 = trunc.ReservedCode1[:len(trunc.ReservedCode1)/2]
	truncated := rewrite(t, sealed, trunc)

	// Key sets without the key, with the key revoked.
	empty := &sign.KeySet{}
	revoked := &sign.KeySet{}
	for _, k := range f.keys.Keys {
		k.Revoked = true
		revoked.AddKey(k)
	}

	cases := []struct {
		name    string
		file    []byte
		keys    *sign.KeySet
		want    sign.Status
		verdict string
	}{
		{"one pixel changed", onePixel, f.keys, sign.StatusContentModified, Suspected},
		{"record moved to another file", moved, f.keys, sign.StatusContentModified, Suspected},
		{"field edited", fieldEdited, f.keys, sign.StatusInvalid, Suspected},
		{"key not in set", sealed, empty, sign.StatusUnknownKey, Confirmed},
		{"revoked key", sealed, revoked, sign.StatusRevokedKey, Suspected},
		{"truncated seal", truncated, f.keys, sign.StatusMalformed, Suspected},
	}
	for _, c := range cases {
		st, v := producerStatus(t, c.file, c.keys)
		if st != c.want || v != c.verdict {
			t.Errorf("%s: status %s verdict %s, want %s %s", c.name, st, v, c.want, c.verdict)
		}
	}
}

// TestPropagationSeal checks the platform's seal: valid after propagation,
// covering an explicit label the platform drew, and broken by a later edit.
func TestPropagationSeal(t *testing.T) {
	f := newSealFixture(t)
	orig, err := os.ReadFile(testenv.Corpus(t, "images", "kodim05.png"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := labeler.Label(context.Background(), orig, labeler.Options{
		Producer: "001191110102MACQD9K64010000", ProduceID: "PROP1", Seal: &labeler.SealOptions{Signer: f.producer}})
	if err != nil {
		t.Fatal(err)
	}
	prop, err := labeler.Propagate(context.Background(), res.Output, labeler.PropagateOptions{
		Propagator: "001191110108335469089C20100", PropagateID: "PLAT1",
		Explicit: &labeler.ExplicitOptions{}, Seal: &labeler.SealOptions{Signer: f.platform.ForPropagation()}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Inspect(context.Background(), prop.Output, Options{Keys: f.keys, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seal.Propagator.Status != sign.StatusValid || rep.Seal.Producer.Status != sign.StatusContentModified || rep.Verdict != Confirmed {
		t.Errorf("propagated: producer %s, propagator %s, verdict %s %v", rep.Seal.Producer.Status, rep.Seal.Propagator.Status, rep.Verdict, rep.Evidence)
	}
	if !strings.Contains(strings.Join(rep.Evidence, "\n"), "propagator's valid seal") {
		t.Errorf("evidence does not explain the vouched change: %v", rep.Evidence)
	}
	// The producer's fields and seal came through untouched.
	if rep.AIGC.ReservedCode1 != res.Record.ReservedCode1 || rep.AIGC.ProduceID != "PROP1" {
		t.Error("propagation changed the producer's fields")
	}
}

package sign_test

import (
	"context"
	"crypto/rand"
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

// The Sealer and its propagation view are what labeler.Label and
// labeler.Propagate take.
var (
	_ labeler.Signer = (*sign.Sealer)(nil)
	_ labeler.Signer = sign.PropagationSealer{}
)

// readBack returns the single record in out and the content hash of out.
func readBack(t *testing.T, out []byte) (aigc.Record, [32]byte) {
	t.Helper()
	codec, err := labeler.CodecFor(format.Sniff(out))
	if err != nil {
		t.Fatal(err)
	}
	md, err := codec.Read(out)
	if err != nil || len(md.Records) != 1 {
		t.Fatalf("read back: %v, %d records", err, len(md.Records))
	}
	rec, _, err := aigc.Parse(md.Records[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	h, err := codec.ContentHash(out)
	if err != nil {
		t.Fatal(err)
	}
	return rec, h
}

// TestThroughCarriers seals real files through labeler.Label and
// labeler.Propagate and verifies what the carriers wrote: the seal survives
// each carrier's escaping, and the content hash the carrier computes on the
// output is the one sealed.
func TestThroughCarriers(t *testing.T) {
	prodKey, _ := sign.GenerateKey(sign.SM2, rand.Reader)
	propKey, _ := sign.GenerateKey(sign.Ed25519, rand.Reader)
	prod, _ := sign.NewSealer(prodKey, "", rand.Reader)
	prop, _ := sign.NewSealer(propKey, "platform", rand.Reader)
	const producer, propagator = "001191110108MA0000000010001", "001191110108MA0000000020001"
	ks := &sign.KeySet{}
	ks.AddKey(sign.KeyEntry{Public: prodKey.Public(), Code: producer, Role: sign.Producer})
	ks.AddKey(sign.KeyEntry{KeyID: "platform", Public: propKey.Public(), Code: propagator, Role: sign.Propagator})
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range [][]string{{"images", "kodim01.png"}, {"c2pa", "C.jpg"}, {"audio", "speech_jfk_16k_mono.wav"}} {
		in, err := os.ReadFile(testenv.Corpus(t, f...))
		if err != nil {
			t.Fatal(err)
		}
		res, err := labeler.Label(context.Background(), in, labeler.Options{Producer: producer, ProduceID: "id-1",
			Seal: &labeler.SealOptions{Signer: prod}})
		if err != nil {
			if strings.Contains(err.Error(), "unsupported") {
				t.Logf("%s: %v", f[1], err)
				continue
			}
			t.Fatalf("%s: %v", f[1], err)
		}
		rec, h := readBack(t, res.Output)
		if st := sign.VerifyProducer(rec, h, ks, at); st.Status != sign.StatusValid {
			t.Errorf("%s producer: %+v", f[1], st)
		}
		pres, err := labeler.Propagate(context.Background(), res.Output, labeler.PropagateOptions{Propagator: propagator,
			PropagateID: "p-1", Seal: &labeler.SealOptions{Signer: prop.ForPropagation()}})
		if err != nil {
			t.Fatalf("%s propagate: %v", f[1], err)
		}
		rec, h = readBack(t, pres.Output)
		for _, st := range []sign.SealStatus{sign.VerifyProducer(rec, h, ks, at), sign.VerifyPropagator(rec, h, ks, at)} {
			if st.Status != sign.StatusValid {
				t.Errorf("%s after propagation: %+v", f[1], st)
			}
		}
		rec.ProduceID = "id-2"
		if st := sign.VerifyPropagator(rec, h, ks, at); st.Status != sign.StatusInvalid {
			t.Errorf("%s edited: %+v", f[1], st)
		}
	}
}

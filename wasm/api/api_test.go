package api

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/detect"
)

const producer = "00ABCDEFGHJKMNPQRSTVWXYZ012"

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLabelDetectPropagate(t *testing.T) {
	ctx := context.Background()
	in := testPNG(t)
	out, js, err := Label(ctx, in, url.Values{"producer": {producer}, "produce-id": {"01JAPITEST0000000000000000"}}, Env{})
	if err != nil {
		t.Fatal(err)
	}
	var lr detect.LabelReport
	if err := json.Unmarshal(js, &lr); err != nil {
		t.Fatalf("label JSON: %v\n%s", err, js)
	}
	if lr.Verdict != detect.Confirmed || lr.AIGC == nil || lr.AIGC.ProduceID != "01JAPITEST0000000000000000" ||
		lr.Written == nil || *lr.Written != *lr.AIGC || len(lr.Steps) == 0 {
		t.Errorf("label report: %s", js)
	}
	// The pixels are untouched by a metadata-only label: image/png agrees.
	a, _ := png.Decode(bytes.NewReader(in))
	b, err := png.Decode(bytes.NewReader(out))
	if err != nil || a.Bounds() != b.Bounds() || a.At(10, 10) != b.At(10, 10) {
		t.Errorf("labeled PNG does not decode to the same image: %v", err)
	}

	// Detect of the output gives the same report label embedded.
	djs, err := Detect(ctx, out, url.Values{"metadata-only": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	var rep detect.Report
	json.Unmarshal(djs, &rep)
	if rep.Verdict != detect.Confirmed || rep.ContentHash != lr.ContentHash {
		t.Errorf("detect: %s", djs)
	}

	pout, pjs, err := Propagate(ctx, out, url.Values{"propagator": {producer}, "propagate-id": {"01JAPIPROP0000000000000000"}, "metadata-only": {"1"}, "no-explicit": {"1"}}, Env{})
	if err != nil {
		t.Fatal(err)
	}
	var pr detect.LabelReport
	json.Unmarshal(pjs, &pr)
	if pr.AIGC == nil || pr.AIGC.ProduceID != "01JAPITEST0000000000000000" || pr.AIGC.PropagateID != "01JAPIPROP0000000000000000" || pr.AIGC.ContentPropagator != producer {
		t.Errorf("propagate kept or wrote the wrong fields: %s", pjs)
	}
	if len(pout) == 0 {
		t.Error("propagate returned no bytes")
	}
}

func TestOptionErrors(t *testing.T) {
	ctx := context.Background()
	in := testPNG(t)
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"detect unknown", func() error { _, err := Detect(ctx, in, url.Values{"producer": {"x"}}); return err }, `unknown option "producer"`},
		{"detect bad bool", func() error { _, err := Detect(ctx, in, url.Values{"declared": {"maybe"}}); return err }, "not a boolean"},
		{"label unknown", func() error {
			_, _, err := Label(ctx, in, url.Values{"producer": {producer}, "colour": {"x"}}, Env{})
			return err
		}, `unknown option "colour"`},
		{"label no producer", func() error { _, _, err := Label(ctx, in, url.Values{}, Env{}); return err }, "producer"},
		{"propagate no propagator", func() error { _, _, err := Propagate(ctx, in, url.Values{}, Env{}); return err }, "propagator"},
		{"propagate nothing", func() error {
			_, _, err := Propagate(ctx, in, url.Values{"propagator": {producer}, "metadata-only": {"1"}}, Env{})
			return err
		}, "no AIGC record"},
	} {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

package c2pa

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/jpeg"
)

// exiftoolTags runs exiftool once over paths and returns, per path, every
// value of the JUMBF/CBOR tags the tests compare ('|'-separated lists split).
func exiftoolTags(t *testing.T, paths []string) map[string]map[string][]string {
	args := append([]string{"-a", "-s", "-sep", "|", "-JUMDLabel", "-Claim_generator", "-ActionsAction",
		"-ActionsDigitalSourceType"}, paths...)
	out, err := exec.Command(testenv.Tool(t, "exiftool"), args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]map[string][]string{}
	cur := paths[0]
	for _, line := range strings.Split(string(out), "\n") {
		if f, ok := strings.CutPrefix(line, "======== "); ok {
			cur = f
			continue
		}
		tag, val, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		if res[cur] == nil {
			res[cur] = map[string][]string{}
		}
		tag = strings.TrimSpace(tag)
		res[cur][tag] = append(res[cur][tag], strings.Split(strings.TrimSpace(val), "|")...)
	}
	return res
}

// TestCorpusAgainstExiftool: for every C2PA JPEG of the corpus, the active
// manifest label, claim generator, actions and digital source types equal
// what exiftool's independent JUMBF/CBOR reader finds.
func TestCorpusAgainstExiftool(t *testing.T) {
	files := []string{"c2pa/C.jpg", "c2pa/CA.jpg", "c2pa/XCA.jpg", "c2pa/E-sig-CA.jpg", "images/c2pa_prerelease.jpg"}
	var paths []string
	for _, f := range files {
		dir, name, _ := strings.Cut(f, "/")
		paths = append(paths, testenv.Corpus(t, dir, name))
	}
	tags := exiftoolTags(t, paths)
	for i, f := range files {
		path := paths[i]
		exif := tags[path]
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		store := jpegStore(t, b)
		m, err := Parse(store)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		labels := exif["JUMDLabel"]
		if len(labels) < 2 || labels[0] != "c2pa" || m.Label != labels[1] {
			t.Errorf("%s: label %q, exiftool %q", f, m.Label, labels)
		}
		if g := exif["Claim_generator"]; len(g) != 1 || m.ClaimGenerator != g[0] {
			t.Errorf("%s: claim generator %q, exiftool %q", f, m.ClaimGenerator, g)
		}
		var acts, dsts []string
		for _, a := range m.Actions {
			acts = append(acts, a.Action)
			if a.DigitalSourceType != "" {
				dsts = append(dsts, a.DigitalSourceType)
			}
		}
		if want := exif["ActionsAction"]; !reflect.DeepEqual(acts, want) {
			t.Errorf("%s: actions %q, exiftool %q", f, acts, want)
		}
		if want := exif["ActionsDigitalSourceType"]; !reflect.DeepEqual(dsts, want) {
			t.Errorf("%s: digital source types %q, exiftool %q", f, dsts, want)
		}
		// The raw APP11 segments parse to the same manifest.
		var segs []byte
		for p := 2; p+4 <= len(b) && b[p+1] != 0xDA; {
			n := int(binary.BigEndian.Uint16(b[p+2:]))
			if b[p+1] == 0xEB {
				segs = append(segs, b[p:p+2+n]...)
			}
			p += 2 + n
		}
		m2, err := Parse(segs)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Errorf("%s: from APP11 segments: %v, %+v", f, err, m2)
		}
		t.Logf("%s: %+v", f, *m)
	}
	// C.jpg is the one generated image: c2pa.created, algorithmicMedia.
	m, _ := Parse(jpegStore(t, mustRead(t, "c2pa", "C.jpg")))
	if len(m.DigitalSourceTypes) != 1 || !m.AI() || DigitalSourceTypeTerm(m.DigitalSourceTypes[0]) != "algorithmicMedia" {
		t.Errorf("C.jpg: %+v", m)
	}
	m, _ = Parse(jpegStore(t, mustRead(t, "c2pa", "CA.jpg")))
	if len(m.DigitalSourceTypes) != 0 || m.AI() {
		t.Errorf("CA.jpg has no created action: %+v", m)
	}
}

func mustRead(t *testing.T, sub ...string) []byte {
	b, err := os.ReadFile(testenv.Corpus(t, sub...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The test encoder below writes CBOR and JUMBF from scratch (independently
// of the decoder) to build stores the corpus lacks.

func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 256:
		return []byte{major<<5 | 24, byte(n)}
	case n < 65536:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	}
	return binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
}

func cborEnc(v any) []byte {
	switch v := v.(type) {
	case string:
		return append(cborHead(3, uint64(len(v))), v...)
	case []byte:
		return append(cborHead(2, uint64(len(v))), v...)
	case int:
		return cborHead(0, uint64(v))
	case []any:
		out := cborHead(4, uint64(len(v)))
		for _, x := range v {
			out = append(out, cborEnc(x)...)
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := cborHead(5, uint64(len(v)))
		for _, k := range keys {
			out = append(out, cborEnc(k)...)
			out = append(out, cborEnc(v[k])...)
		}
		return out
	}
	panic("cborEnc")
}

func jbox(typ string, body ...[]byte) []byte {
	b := bytes.Join(body, nil)
	return append(binary.BigEndian.AppendUint32(nil, uint32(8+len(b))), append([]byte(typ), b...)...)
}

func xlbox(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, 1)
	out = append(out, typ...)
	out = binary.BigEndian.AppendUint64(out, uint64(16+len(body)))
	return append(out, body...)
}

func superbox(code, label string, kids ...[]byte) []byte {
	d := append([]byte(code+uuidSuffix), 0x03)
	d = append(append(d, label...), 0)
	return jbox("jumb", append([][]byte{jbox("jumd", d)}, kids...)...)
}

func cborBox(label string, v any) []byte {
	return superbox("cbor", label, jbox("cbor", cborEnc(v)))
}

func TestSyntheticStores(t *testing.T) {
	ai := "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
	ingredient := superbox("c2ma", "urn:c2pa:ingredient",
		superbox("c2as", "c2pa.assertions", cborBox("c2pa.actions", map[string]any{"actions": []any{
			map[string]any{"action": "c2pa.created", "digitalSourceType": ai},
		}})),
		cborBox("c2pa.claim", map[string]any{"claim_generator": "Gen/1"}))
	active := superbox("c2ma", "urn:c2pa:active",
		superbox("c2as", "c2pa.assertions",
			cborBox("c2pa.thumbnail.claim.jpeg", "x"),
			cborBox("c2pa.actions.v2__1", map[string]any{"actions": []any{
				map[string]any{"action": "c2pa.created", "digitalSourceType": "https://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
					"softwareAgent": map[string]any{"name": "Painter", "version": "2"}},
				map[string]any{"action": "c2pa.edited"},
				"not a map",
			}})),
		cborBox("c2pa.claim.v2", map[string]any{"claim_generator_info": map[string]any{"name": "Studio", "version": "9.1"}}))
	store := superbox("c2pa", "c2pa", ingredient, active)
	m, err := Parse(store)
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{Label: "urn:c2pa:active", ClaimGenerator: "Studio/9.1",
		Actions:               []Action{{"c2pa.created", "https://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia", "Painter"}, {Action: "c2pa.edited"}},
		DigitalSourceTypes:    []string{"https://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"},
		Manifests:             2,
		IngredientSourceTypes: []string{ai}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
	if !m.AI() {
		t.Error("not AI")
	}
	// XLBox headers parse the same.
	d := append([]byte("c2pa"+uuidSuffix), 0x03)
	d = append(append(d, "c2pa"...), 0)
	xl := xlbox("jumb", append(jbox("jumd", d), ingredient...))
	m, err = Parse(xl)
	if err != nil || m.Label != "urn:c2pa:ingredient" || m.ClaimGenerator != "Gen/1" || len(m.DigitalSourceTypes) != 1 {
		t.Errorf("XLBox store: %v %+v", err, m)
	}
	// Not C2PA, empty store, truncations.
	if _, err := Parse(superbox("abcd", "other")); !errors.Is(err, ErrNotC2PA) {
		t.Errorf("foreign JUMBF: %v", err)
	}
	if _, err := Parse(superbox("c2pa", "c2pa")); err == nil {
		t.Error("empty store accepted")
	}
	for n := 0; n < len(store); n++ {
		_, err := Parse(store[:n])
		var fe *format.FormatError
		if err == nil || (!errors.As(err, &fe) && !errors.Is(err, ErrNotC2PA)) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
}

func TestDigitalSourceTypeIsAI(t *testing.T) {
	for uri, want := range map[string]bool{
		"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia":               true,
		"https://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia": true,
		"http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic":                    true,
		"http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia":                      true,
		"trainedAlgorithmicMedia": true,
		"http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture":          false,
		"http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicallyEnhanced": false,
		"http://cv.iptc.org/newscodes/digitalsourcetype/digitalArt":              false,
		"http://example.com/trainedAlgorithmicMedia":                             false,
		"": false,
	} {
		if got := DigitalSourceTypeIsAI(uri); got != want {
			t.Errorf("%q: %v", uri, got)
		}
	}
}

func TestCBOR(t *testing.T) {
	for _, c := range []struct {
		hex  []byte
		want any
	}{
		{[]byte{0x00}, int64(0)},
		{[]byte{0x38, 0x63}, int64(-100)},
		{[]byte{0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uint64(1<<64 - 1)},
		{[]byte{0x7f, 0x62, 'a', 'b', 0x61, 'c', 0xff}, "abc"},
		{[]byte{0x9f, 0x01, 0x82, 0x02, 0x03, 0xff}, []any{int64(1), []any{int64(2), int64(3)}}},
		{[]byte{0xbf, 0x61, 'a', 0xf5, 0x01, 0xf6, 0xff}, map[string]any{"a": true}},
		{[]byte{0xc0, 0x61, 'x'}, "x"},
		{[]byte{0xf9, 0x3c, 0x00}, nil},
	} {
		got, err := decodeCBOR(c.hex)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("% x: %#v %v", c.hex, got, err)
		}
	}
	for _, bad := range [][]byte{
		{}, {0x18}, {0x62, 'a'}, {0x9a, 0xff, 0xff, 0xff, 0xff}, {0xbb, 0, 0, 0, 1, 0, 0, 0, 0},
		{0x7f, 0x01, 0xff}, {0xff}, {0x1c}, {0x01, 0x02}, bytes.Repeat([]byte{0x81}, 100),
	} {
		if _, err := decodeCBOR(bad); err == nil {
			t.Errorf("% x accepted", bad)
		}
	}
}

// TestJPEGCarrier: the JUMBF the JPEG carrier hands over in format.Foreign
// parses to the same manifest as this package's own extraction.
func TestJPEGCarrier(t *testing.T) {
	for _, name := range []string{"C.jpg", "CA.jpg"} {
		b := mustRead(t, "c2pa", name)
		md, err := jpeg.Codec{}.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, f := range md.Foreign {
			if f.Kind != "c2pa" {
				continue
			}
			n++
			got, err := Parse(f.Data)
			want, _ := Parse(jpegStore(t, b))
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: carrier data gives %+v, %v", name, got, err)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d c2pa items", name, n)
		}
	}
}

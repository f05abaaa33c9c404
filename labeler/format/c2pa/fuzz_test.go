package c2pa

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// syntheticStore is a small store with two manifests, v1 and v2 actions and
// claims, used as a fuzz seed.
func syntheticStore() []byte {
	return superbox("c2pa", "c2pa",
		superbox("c2ma", "urn:c2pa:a",
			superbox("c2as", "c2pa.assertions", cborBox("c2pa.actions", map[string]any{"actions": []any{
				map[string]any{"action": "c2pa.created", "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"}}})),
			cborBox("c2pa.claim", map[string]any{"claim_generator": "G/1"})),
		superbox("c2ma", "urn:c2pa:b",
			superbox("c2as", "c2pa.assertions", cborBox("c2pa.actions.v2", map[string]any{"actions": []any{
				map[string]any{"action": "c2pa.opened", "softwareAgent": map[string]any{"name": "S"}}}})),
			cborBox("c2pa.claim.v2", map[string]any{"claim_generator_info": []any{map[string]any{"name": "S", "version": "1"}}})))
}

// FuzzParse: no input panics or makes Parse return both a manifest and an
// error; a manifest always has a label-bearing active manifest count.
func FuzzParse(f *testing.F) {
	f.Add(syntheticStore())
	f.Add(xlbox("jumb", []byte("\x00\x00\x00\x19jumdc2pa\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71\x03")))
	f.Add([]byte("\xff\xeb\x00\x18JP\x02\x11\x00\x00\x00\x01\x00\x00\x00\x08jumb\xff\xeb\x00\x10JP\x02\x11\x00\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if (m == nil) == (err == nil) {
			t.Fatalf("manifest %v with error %v", m, err)
		}
		if m != nil && m.Manifests < 1 {
			t.Fatalf("manifest without manifests: %+v", m)
		}
	})
}

// TestWriteFuzzSeeds keeps testdata/fuzz/FuzzParse in step with the seeds
// above when run with -update-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("C2PA_UPDATE_SEEDS") == "" {
		t.Skip("set C2PA_UPDATE_SEEDS=1 to rewrite testdata/fuzz/FuzzParse")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := "go test fuzz v1\n[]byte(" + strconv.Quote(string(syntheticStore())) + ")\n"
	if err := os.WriteFile(filepath.Join(dir, "synthetic-store"), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
}

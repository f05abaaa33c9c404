package text

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testRecord is a record with every field set and characters that need
// escaping in HTML ('"', '&', '<') and in YAML single quotes (').
var testRecord = aigc.Record{
	Label:             "1",
	ContentProducer:   "001191310104MACE0YX63918020",
	ProduceID:         "01JDZ8Q3K4M5N6P7R8S9T0VWXY",
	ReservedCode1:     `{"a":"x&y<z>"}`,
	ContentPropagator: "001191440300MA5G49LC9K1YO01",
	PropagateID:       "it's-42",
	ReservedCode2:     "",
}

var otherRecord = aigc.Record{Label: "2", ContentProducer: "001191440300MA5G49LC9K1YO01", ProduceID: "NEW-ID"}

// checkGolden compares got with testdata/<dir>/<name>.golden, or rewrites it
// with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden := path + ".golden"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: output differs from the golden file\n got: %q\nwant: %q", path, got, want)
	}
}

// inputs returns the test inputs of testdata/dir (not the golden files).
func inputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = b
	}
	return m
}

// roundTrip checks the Codec contract on in: Write gives exactly one record,
// equal to rec; the hash is unchanged by labeling and relabeling; writing
// again is idempotent; relabeling equals labeling the original.
func roundTrip(t *testing.T, c format.Codec, in []byte, rec aigc.Record) []byte {
	t.Helper()
	out, err := c.Write(in, rec)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	checkOne(t, c, out, rec)
	h0, err := c.ContentHash(in)
	if err != nil {
		t.Fatalf("ContentHash(input): %v", err)
	}
	h1, err := c.ContentHash(out)
	if err != nil {
		t.Fatalf("ContentHash(output): %v", err)
	}
	if h0 != h1 {
		t.Errorf("labeling changed the content hash")
	}
	again, err := c.Write(out, rec)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("writing the same record twice is not idempotent (err %v)", err)
	}
	re, err := c.Write(out, otherRecord)
	if err != nil {
		t.Fatalf("relabel: %v", err)
	}
	checkOne(t, c, re, otherRecord)
	if h2, _ := c.ContentHash(re); h2 != h0 {
		t.Errorf("relabeling changed the content hash")
	}
	if direct, _ := c.Write(in, otherRecord); !bytes.Equal(direct, re) {
		t.Errorf("relabeling differs from labeling the original")
	}
	return out
}

func checkOne(t *testing.T, c format.Codec, out []byte, want aigc.Record) {
	t.Helper()
	md, err := c.Read(out)
	if err != nil {
		t.Fatalf("Read(output): %v", err)
	}
	if len(md.Records) != 1 {
		t.Fatalf("output holds %d records, want 1:\n%s", len(md.Records), out)
	}
	s := md.Records[0]
	if s.Offset < 0 || s.Offset+s.Length > int64(len(out)) {
		t.Fatalf("slot %d+%d outside the %d-byte output", s.Offset, s.Length, len(out))
	}
	got, problems, err := aigc.Parse(s.Payload)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s.Payload, err)
	}
	if got != want {
		t.Errorf("record read back = %+v, want %+v", got, want)
	}
	if len(problems) > 0 {
		t.Errorf("record written by us has problems: %v", problems)
	}
}

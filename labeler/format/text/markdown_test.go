package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

func TestMarkdownGolden(t *testing.T) {
	for path, in := range inputs(t, "markdown") {
		if strings.Contains(path, "unclosed") {
			continue
		}
		t.Run(path, func(t *testing.T) {
			out := roundTrip(t, MarkdownCodec{}, in, testRecord)
			checkGolden(t, path, out)
			if format.Sniff(out) != format.Markdown && !bytes.HasPrefix(out, bom) {
				t.Errorf("labeled output sniffs as %q", format.Sniff(out))
			}
			crlf := bytes.Count(in, []byte("\r\n"))
			if crlf > 0 && bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
				t.Errorf("CRLF input got LF lines")
			}
		})
	}
}

// pyYAML loads the front matter of each doc with PyYAML, an independent YAML
// parser, in one process (Python starts slowly), and returns each as a
// JSON-decoded map; it skips when PyYAML is not installed.
func pyYAML(t *testing.T, docs ...[]byte) []map[string]any {
	t.Helper()
	py := testenv.Tool(t, "python3")
	const prog = `import sys, json
try:
    import yaml
except ImportError:
    sys.exit(3)
out = []
for d in json.load(sys.stdin):
    d = d.lstrip('\ufeff').replace('\r\n', '\n')
    fm = d.split('\n---\n', 1)[0][4:]
    out.append(yaml.safe_load(fm))
print(json.dumps(out, default=str))`
	strs := make([]string, len(docs))
	for i, d := range docs {
		strs[i] = string(d)
	}
	in, _ := json.Marshal(strs)
	cmd := exec.Command(py, "-c", prog)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skip("PyYAML not installed")
	}
	if err != nil {
		t.Fatalf("PyYAML: %v", err)
	}
	var ms []map[string]any
	if err := json.Unmarshal(out, &ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

// checkPyYAML checks that PyYAML reads our AIGC mapping as seven strings
// equal to rec.
func checkPyYAML(t *testing.T, m map[string]any, rec aigc.Record) {
	t.Helper()
	got, ok := m["AIGC"].(map[string]any)
	if !ok {
		t.Fatalf("PyYAML finds no AIGC mapping in %v", m)
	}
	vals := rec.Values()
	for i, name := range aigc.FieldNames {
		if s, ok := got[name].(string); !ok || s != vals[i] {
			t.Errorf("PyYAML reads %s = %#v, want %q", name, got[name], vals[i])
		}
	}
}

func TestMarkdownReadExisting(t *testing.T) {
	in := inputs(t, "markdown")["testdata/markdown/existing.md"]
	md, err := MarkdownCodec{}.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Records) != 2 {
		t.Fatalf("found %d records, want 2", len(md.Records))
	}
	rec, problems, err := aigc.Parse(md.Records[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	want := aigc.Record{Label: "1", ContentProducer: "old-producer", ProduceID: "old'id", ReservedCode1: "folded value"}
	if rec != want {
		t.Errorf("record = %+v, want %+v", rec, want)
	}
	if !hasProblem(problems, "Label", "not a string") {
		t.Errorf("plain Label: 1 is not reported as a non-string: %v", problems)
	}
	rec2, _, err := aigc.Parse(md.Records[1].Payload)
	if err != nil || rec2.Label != "2" {
		t.Errorf("flow record = %+v, %v", rec2, err)
	}
}

func hasProblem(ps []aigc.Problem, field, msg string) bool {
	for _, p := range ps {
		if p.Field == field && strings.Contains(p.Msg, msg) {
			return true
		}
	}
	return false
}

func TestMarkdownStepFun(t *testing.T) {
	b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", "stepfun_markdown-frontmatter_securitydata-sm2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	md, err := MarkdownCodec{}.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Records) != 1 {
		t.Fatalf("found %d records, want 1", len(md.Records))
	}
	rec, problems, err := aigc.Parse(md.Records[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("problems: %v", problems)
	for i, v := range rec.Values() {
		if v == "" {
			t.Errorf("%s is empty", aigc.FieldNames[i])
		}
	}
	if !strings.HasPrefix(rec.ReservedCode1, `{"SecurityData":{"Type":"TC260PG"`) || rec.ContentProducer != "001191310104MACE0YX63918020" {
		t.Errorf("record = %+v", rec)
	}
	// Relabeling StepFun's file replaces its record and keeps the hash.
	roundTrip(t, MarkdownCodec{}, b, testRecord)
}

func TestMarkdownErrors(t *testing.T) {
	cases := map[string]string{
		"unclosed":      "---\ntitle: x\nAIGC:\n  Label: '1'\nbody\n",
		"unterminated":  "---\nAIGC:\n  Label: '1\n---\n",
		"sequence":      "---\nAIGC:\n  - Label\n---\n",
		"indentation":   "---\nAIGC:\n  Label: '1'\n     ProduceID: x\n  ContentProducer: y\n---\n",
		"trailing text": "---\nAIGC:\n  Label: '1' extra\n---\n",
		"bad escape":    "---\nAIGC:\n  Label: \"\\q\"\n---\n",
		"alias":         "---\nAIGC:\n  Label: *x\n---\n",
		"flow":          "---\nAIGC: {Label: 1}\n---\n",
	}
	for name, doc := range cases {
		_, err := MarkdownCodec{}.Read([]byte(doc))
		var fe *format.FormatError
		if !errors.As(err, &fe) || fe.Format != format.Markdown {
			t.Errorf("%s: err = %v, want a Markdown FormatError", name, err)
			continue
		}
		if fe.Offset < 0 || fe.Offset > int64(len(doc)) {
			t.Errorf("%s: offset %d outside the document", name, fe.Offset)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := (MarkdownCodec{}).Write([]byte(cases["unclosed"]), testRecord); err == nil {
		t.Error("Write accepted unclosed front matter")
	}
	var ue *format.UnsupportedError
	if _, err := (MarkdownCodec{}).Write([]byte("+++\ntitle = 'x'\n+++\n"), testRecord); !errors.As(err, &ue) {
		t.Errorf("TOML front matter: err = %v, want UnsupportedError", err)
	}
}

// subsetDoc uses every scalar form the converter supports.
const subsetDoc = "---\nAIGC:\n" +
	"  Label: \"1\"\n" +
	"  ContentProducer: plain value # comment\n" +
	"  ProduceID: 'multi\n    line\n\n    folded'\n" +
	"  ReservedCode1: |\n    literal\n      kept\n\n" +
	"  ReservedCode2: \"esc \\\" \\\\ \\u00e9 \\x41 \\\n    joined\"\n" +
	"  ContentPropagator: >+\n    keep\n\n" +
	"  PropagateID:\n    on the next line\n" +
	"  Nested:\n    a: 1.5\n    b: null\n    c: true\n" +
	"---\n"

// TestPyYAMLAgreement checks the YAML we write and the YAML we read against
// PyYAML: our outputs hold seven string values equal to the record, and the
// converter reads existing.md, the StepFun extract and subsetDoc as PyYAML
// does (one Python process for all, as Python starts slowly).
func TestPyYAMLAgreement(t *testing.T) {
	var names []string
	var docs [][]byte
	for path, in := range inputs(t, "markdown") {
		if strings.Contains(path, "unclosed") {
			continue
		}
		out, err := MarkdownCodec{}.Write(in, testRecord)
		if err != nil {
			t.Fatal(err)
		}
		names, docs = append(names, "written:"+path), append(docs, out)
	}
	read := map[string][]byte{
		"existing.md": inputs(t, "markdown")["testdata/markdown/existing.md"],
		"subset":      []byte(subsetDoc),
	}
	t.Run("corpus", func(t *testing.T) {
		b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", "stepfun_markdown-frontmatter_securitydata-sm2.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		read["stepfun"] = b
	})
	for name, d := range read {
		names, docs = append(names, name), append(docs, d)
	}
	py := pyYAML(t, docs...)
	for i, name := range names {
		if strings.HasPrefix(name, "written:") {
			checkPyYAML(t, py[i], testRecord)
			continue
		}
		md, err := MarkdownCodec{}.Read(docs[i])
		if err != nil {
			t.Fatal(err)
		}
		var got any
		if err := json.Unmarshal(md.Records[0].Payload, &got); err != nil {
			t.Fatalf("%s: %v: %s", name, err, md.Records[0].Payload)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(py[i]["AIGC"])
		if !bytes.Equal(gj, wj) {
			t.Errorf("%s: converter:\n%s\nPyYAML:\n%s", name, gj, wj)
		}
	}
}

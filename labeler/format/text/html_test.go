package text

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// headMetas parses doc with x/net/html (the HTML5 parsing algorithm, an
// independent reader) and returns the content of every AIGC meta element
// that ends up in the document's head.
func headMetas(t *testing.T, doc []byte) []string {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var head *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Head && head == nil {
			head = n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(root)
	var out []string
	for c := head.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Meta {
			continue
		}
		var name, content string
		for _, a := range c.Attr {
			switch a.Key {
			case "name":
				name = a.Val
			case "content":
				content = a.Val
			}
		}
		if strings.EqualFold(name, "aigc") {
			out = append(out, content)
		}
	}
	return out
}

func TestHTMLGolden(t *testing.T) {
	for path, in := range inputs(t, "html") {
		t.Run(path, func(t *testing.T) {
			out := roundTrip(t, HTMLCodec{}, in, testRecord)
			checkGolden(t, path, out)
			metas := headMetas(t, out)
			if len(metas) != 1 || metas[0] != string(testRecord.Marshal()) {
				t.Errorf("x/net/html finds AIGC metas %q in the head, want exactly the record", metas)
			}
			if bytes.Contains(out, []byte(`content="{"`)) {
				t.Errorf("quotes are not escaped in the attribute")
			}
		})
	}
}

// TestHTMLInsertKeepsBytes checks that labeling a document without a record
// only inserts: deleting the inserted bytes gives the input back.
func TestHTMLInsertKeepsBytes(t *testing.T) {
	for path, in := range inputs(t, "html") {
		if bytes.Contains(bytes.ToLower(in), []byte("aigc")) {
			continue
		}
		out, err := HTMLCodec{}.Write(in, testRecord)
		if err != nil {
			t.Fatal(err)
		}
		el := string(metaElement(testRecord, bytes.Contains(in, []byte("<?xml"))))
		found := false
		for _, ins := range []string{"\n" + el, "\r\n" + el, "\n  " + el, "<head>" + el + "</head>"} {
			if i := bytes.Index(out, []byte(ins)); i >= 0 && bytes.Equal(append(out[:i:i], out[i+len(ins):]...), in) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: output is not the input with the element inserted:\n%s", path, out)
		}
	}
}

func TestHTMLReadExisting(t *testing.T) {
	in := inputs(t, "html")["testdata/html/existing.html"]
	md, err := HTMLCodec{}.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Records) != 2 {
		t.Fatalf("found %d records, want 2 (the ones in a comment and a script do not count)", len(md.Records))
	}
	first, _, err := aigc.Parse(md.Records[0].Payload)
	if err != nil || first.Label != "2" || first.ProduceID != "old-id" {
		t.Errorf("first record = %+v, %v", first, err)
	}
	if el := string(in[md.Records[0].Offset : md.Records[0].Offset+md.Records[0].Length]); !strings.HasPrefix(el, "<META") || !strings.HasSuffix(el, ">") {
		t.Errorf("slot range covers %q", el)
	}
	second, _, err := aigc.Parse(md.Records[1].Payload)
	if err != nil || second.Label != "3" {
		t.Errorf("entity-escaped record = %+v, %v", second, err)
	}
	if len(md.Foreign) != 1 || md.Foreign[0].Kind != "generator" || md.Foreign[0].Value != "StepFun Report 1.0" {
		t.Errorf("foreign = %+v", md.Foreign)
	}
	out, err := HTMLCodec{}.Write(in, testRecord)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("in a comment")) || !bytes.Contains(out, []byte("in a script")) {
		t.Errorf("Write touched a comment or script")
	}
	if bytes.Contains(out, []byte("&quot;3&quot;")) {
		t.Errorf("the second record was not removed")
	}
}

// TestHTMLHashIgnoresOnlyTheSlot checks that a change anywhere else changes
// the hash.
func TestHTMLHashIgnoresOnlyTheSlot(t *testing.T) {
	in := inputs(t, "html")["testdata/html/basic.html"]
	out, _ := HTMLCodec{}.Write(in, testRecord)
	h1, _ := HTMLCodec{}.ContentHash(out)
	edited := bytes.Replace(out, []byte("AI 生成"), []byte("AI 合成"), 1)
	h2, _ := HTMLCodec{}.ContentHash(edited)
	if h1 == h2 {
		t.Error("editing the body did not change the hash")
	}
}

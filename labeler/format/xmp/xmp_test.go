package xmp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
)

var testRec = aigc.Record{Label: "1", ContentProducer: "001191110102MACQD9K64010000", ProduceID: "id-1/a&b<c>", ReservedCode1: `{"k":"v"}`}

// quirky mimics the packet template Doubao and Jimeng write: an XML
// declaration before the xpacket PI, begin="", a doubled "??>", and the JSON
// escaped with &quot;.
const quirky = `<?xml version="1.0" encoding="UTF-8"?><?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"??><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"><TC260:AIGC>{&quot;Label&quot;:&quot;1&quot;,&quot;ContentProducer&quot;:&quot;P&quot;,&quot;ProduceID&quot;:&quot;X&quot;,&quot;ReservedCode1&quot;:&quot;&quot;,&quot;ContentPropagator&quot;:&quot;&quot;,&quot;PropagateID&quot;:&quot;&quot;,&quot;ReservedCode2&quot;:&quot;&quot;}</TC260:AIGC></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

// apple mimics an Apple XMP Core packet carrying the record in
// exif:UserComment, beside unrelated properties.
const apple = `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">
   <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about=""
            xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
            xmlns:exif="http://ns.adobe.com/exif/1.0/">
         <tiff:YResolution>1</tiff:YResolution>
         <exif:UserComment>{"AIGC":{"Label":"1","ContentProducer":"MiniMax","ProduceID":"06cf","ReservedCode1":"{\"a\":1}","ContentPropagator":"MiniMax","PropagateID":"","ReservedCode2":""}}</exif:UserComment>
         <exif:PixelYDimension>1024</exif:PixelYDimension>
      </rdf:Description>
   </rdf:RDF>
</x:xmpmeta>
`

func parseOne(t *testing.T, packet []byte) Record {
	t.Helper()
	info, err := Parse(packet)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(info.Records) != 1 {
		t.Fatalf("found %d records, want 1:\n%s", len(info.Records), packet)
	}
	return info.Records[0]
}

func TestParseQuirkyElement(t *testing.T) {
	r := parseOne(t, []byte(quirky))
	if r.Kind != KindTC260 || r.Attr {
		t.Errorf("kind %q attr %v", r.Kind, r.Attr)
	}
	rec, _, err := aigc.Parse(r.Value)
	if err != nil || rec.ContentProducer != "P" || rec.ProduceID != "X" {
		t.Errorf("record %+v, %v from %s", rec, err, r.Value)
	}
}

func TestParseAttributeFormAndOtherPrefix(t *testing.T) {
	p := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:aigc="http://www.tc260.org.cn/ns/AIGC/1.0/" aigc:AIGC='{"Label":"2","ContentProducer":"&apos;Q&apos;","ProduceID":"Y"}'/>` +
		`</rdf:RDF></x:xmpmeta>`
	r := parseOne(t, []byte(p))
	if !r.Attr {
		t.Error("attribute form not reported")
	}
	rec, _, err := aigc.Parse(r.Value)
	if err != nil || rec.Label != "2" || rec.ContentProducer != "'Q'" {
		t.Errorf("record %+v, %v", rec, err)
	}
	out, err := Update([]byte(p), testRec)
	if err != nil {
		t.Fatal(err)
	}
	checkOnly(t, out, testRec)
	if !bytes.Contains(out, []byte(`aigc:AIGC='`)) {
		t.Errorf("attribute form or prefix not kept:\n%s", out)
	}
}

// checkOnly asserts packet holds exactly rec, and that encoding/xml, read
// independently into a struct, agrees.
func checkOnly(t *testing.T, packet []byte, rec aigc.Record) {
	t.Helper()
	r := parseOne(t, packet)
	if r.Kind != KindTC260 || !bytes.Equal(r.Value, rec.Marshal()) {
		t.Fatalf("record %s, want %s", r.Value, rec.Marshal())
	}
	var doc struct {
		Desc []struct {
			AIGC     []string `xml:"http://www.tc260.org.cn/ns/AIGC/1.0/ AIGC"`
			AIGCAttr string   `xml:"http://www.tc260.org.cn/ns/AIGC/1.0/ AIGC,attr"`
		} `xml:"RDF>Description"`
	}
	d := xml.NewDecoder(bytes.NewReader(packet))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("encoding/xml: %v", err)
	}
	var got []string
	for _, d := range doc.Desc {
		got = append(got, d.AIGC...)
		if d.AIGCAttr != "" {
			got = append(got, d.AIGCAttr)
		}
	}
	if len(got) != 1 || got[0] != string(rec.Marshal()) {
		t.Fatalf("encoding/xml finds %q", got)
	}
}

func TestBuild(t *testing.T) {
	p := Build(testRec)
	checkOnly(t, p, testRec)
	if !bytes.HasPrefix(p, []byte("<?xpacket begin=\"\uFEFF\"")) || !bytes.HasSuffix(p, []byte(`<?xpacket end="w"?>`)) {
		t.Errorf("packet wrapper missing:\n%s", p)
	}
}

func TestUpdateReplacesKeepingEverythingElse(t *testing.T) {
	out, err := Update([]byte(quirky), testRec)
	if err != nil {
		t.Fatal(err)
	}
	checkOnly(t, out, testRec)
	i := strings.Index(quirky, "<TC260:AIGC>") + len("<TC260:AIGC>")
	j := strings.Index(quirky, "</TC260:AIGC>")
	if !bytes.HasPrefix(out, []byte(quirky[:i])) || !bytes.HasSuffix(out, []byte(quirky[j:])) {
		t.Errorf("bytes outside the value changed:\n%s", out)
	}
	// Updating twice gives the same packet as once.
	again, err := Update(out, testRec)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("second update differs (%v):\n%s\n%s", err, out, again)
	}
}

func TestUpdateMovesUserCommentRecord(t *testing.T) {
	r := parseOne(t, []byte(apple))
	if r.Kind != KindUserComment {
		t.Fatalf("kind %q", r.Kind)
	}
	if rec, _, err := aigc.Parse(r.Value); err != nil || rec.ContentProducer != "MiniMax" {
		t.Fatalf("usercomment record %+v %v", rec, err)
	}
	out, err := Update([]byte(apple), testRec)
	if err != nil {
		t.Fatal(err)
	}
	checkOnly(t, out, testRec)
	for _, keep := range []string{`x:xmptk="XMP Core 6.0.0"`, "<tiff:YResolution>1</tiff:YResolution>",
		"<exif:PixelYDimension>1024</exif:PixelYDimension>", `xmlns:exif="http://ns.adobe.com/exif/1.0/">`} {
		if !bytes.Contains(out, []byte(keep)) {
			t.Errorf("lost %q:\n%s", keep, out)
		}
	}
	if bytes.Contains(out, []byte("UserComment")) {
		t.Errorf("old record left in exif:UserComment:\n%s", out)
	}
}

func TestUpdateSelfClosingAndPrefixClash(t *testing.T) {
	p := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:TC260="urn:other" TC260:x="1" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Tool 1"/>` +
		`</rdf:RDF></x:xmpmeta>`
	out, err := Update([]byte(p), testRec)
	if err != nil {
		t.Fatal(err)
	}
	checkOnly(t, out, testRec)
	info, _ := Parse(out)
	if len(info.Generators) != 1 || info.Generators[0] != "Tool 1" {
		t.Errorf("generators %q", info.Generators)
	}
	if !bytes.Contains(out, []byte(`TC260:x="1"`)) {
		t.Errorf("other property lost:\n%s", out)
	}
}

func TestUpdateNoDescription(t *testing.T) {
	p := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></r:RDF></x:xmpmeta>`
	out, err := Update([]byte(p), testRec)
	if err != nil {
		t.Fatal(err)
	}
	checkOnly(t, out, testRec)
	if _, err := Update([]byte(`<a/>`), testRec); !errors.Is(err, ErrNoRDF) {
		t.Errorf("packet without rdf:RDF: %v", err)
	}
}

func TestDuplicatesCollapse(t *testing.T) {
	p := strings.Replace(quirky, "</rdf:Description>",
		`</rdf:Description><rdf:Description xmlns:T="http://www.tc260.org.cn/ns/AIGC/1.0/" T:AIGC="{}"/>`, 1)
	info, err := Parse([]byte(p))
	if err != nil || len(info.Records) != 2 {
		t.Fatalf("%v, %d records", err, len(info.Records))
	}
	out, err := Update([]byte(p), testRec)
	if err != nil {
		t.Fatal(err)
	}
	checkOnly(t, out, testRec)
}

func TestDigitalSourceType(t *testing.T) {
	p := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia">` +
		`<Iptc4xmpExt:DigitalSourceType rdf:resource="urn:a"/><Iptc4xmpExt:DigitalSourceType>urn:b</Iptc4xmpExt:DigitalSourceType>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta>`
	info, err := Parse([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia", "urn:a", "urn:b"}
	if strings.Join(info.DigitalSourceTypes, " ") != strings.Join(want, " ") {
		t.Errorf("got %q", info.DigitalSourceTypes)
	}
}

func TestTolerated(t *testing.T) {
	p := string(Build(testRec))
	for _, s := range []string{p + "\x00\x00", "\xEF\xBB\xBF" + p, p + "\n   \n",
		`<?xml version="1.0" encoding="ISO-8859-1"?>` + p} {
		checkOnly(t, []byte(s), testRec)
		out, err := Update([]byte(s), testRec)
		if err != nil {
			t.Fatal(err)
		}
		checkOnly(t, out, testRec)
	}
}

func TestResetOrientation(t *testing.T) {
	p := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="8"><tiff:Orientation>6</tiff:Orientation>` +
		`<o:Orientation xmlns:o="urn:other">6</o:Orientation></rdf:Description></rdf:RDF></x:xmpmeta>`
	want := strings.Replace(strings.Replace(p, `tiff:Orientation="8"`, `tiff:Orientation="1"`, 1), ">6</tiff:", ">1</tiff:", 1)
	if got := string(ResetOrientation([]byte(p))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMalformed(t *testing.T) {
	for _, p := range []string{quirky[:200], "<x:xmpmeta><a></b></x:xmpmeta>", "\x00\x01"} {
		_, err := Parse([]byte(p))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v, want *ParseError", p, err)
		}
		if _, err := Update([]byte(p), testRec); err == nil {
			t.Errorf("%q: Update accepted a malformed packet", p)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(quirky))
	f.Add([]byte(apple))
	f.Add(Build(testRec))
	f.Fuzz(func(t *testing.T, p []byte) {
		checkScanner(t, p)
		checkFast(t, p)
		info, err := Parse(p)
		if err != nil {
			return
		}
		_ = info
		out, err := Update(p, testRec)
		if err != nil {
			return
		}
		info2, err := Parse(out)
		if err != nil {
			t.Fatalf("updated packet does not parse: %v\n%q\n%q", err, p, out)
		}
		n := 0
		for _, r := range info2.Records {
			if r.Kind == KindTC260 && bytes.Equal(r.Value, testRec.Marshal()) {
				n++
			}
		}
		if n != 1 || len(info2.Records) != 1 {
			t.Fatalf("after Update: %d records, %d matching\n%q\n%q", len(info2.Records), n, p, out)
		}
	})
}

// checkScanner asserts that Parse (the scanner, falling back to encoding/xml)
// and parseXML (encoding/xml alone) find the same things in p.
func checkScanner(t *testing.T, p []byte) (fast bool) {
	t.Helper()
	got, gotErr := Parse(p)
	trimmed := bytes.TrimRight(p, "\x00")
	want, wantErr := parseXML(trimmed)
	if len(p) > MaxPacketSize {
		return false
	}
	if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("scanner and encoding/xml differ on %q:\nscanner: %+v, %v\nencoding/xml: %+v, %v", p, got, gotErr, want, wantErr)
	}
	_, err := walk(trimmed, (&scanner{b: trimmed}).next)
	return err != errOutside
}

// TestScannerAgrees checks the scanner against encoding/xml on the packets of
// this file, the ones Build writes and every packet in the corpus images, and
// that it handles the plain packets itself rather than falling back.
func TestScannerAgrees(t *testing.T) {
	packets := map[string][]byte{"quirky": []byte(quirky), "apple": []byte(apple), "build": Build(testRec),
		"build-escaped": Build(aigc.Record{Label: "1", ContentProducer: "<&>\"'", ProduceID: "\u6f22\t"})}
	for _, sub := range []string{"images", "c2pa", "aigc-real"} {
		dir := testenv.Corpus(t, sub)
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				s := bytes.Index(b, []byte("<x:xmpmeta"))
				if s < 0 {
					break
				}
				end := bytes.Index(b[s:], []byte("</x:xmpmeta>"))
				if end < 0 {
					break
				}
				packets[fmt.Sprintf("%s/%s#%d", sub, e.Name(), i)] = b[s : s+end+len("</x:xmpmeta>")]
				b = b[s+end:]
			}
		}
	}
	if len(packets) < 8 {
		t.Fatalf("only %d packets found", len(packets))
	}
	for name, p := range packets {
		if !checkScanner(t, p) {
			t.Errorf("%s: the scanner fell back to encoding/xml", name)
		}
		if !checkFast(t, p) {
			t.Errorf("%s: the fast walk did not read it", name)
		}
		// Variants the scanner must leave to encoding/xml, and those it
		// must reject the same way.
		for _, v := range [][]byte{append([]byte("<!-- c -->"), p...), append(append([]byte{}, p...), "<a>"...),
			bytes.Replace(p, []byte(">"), []byte(">&#x41;"), 1), bytes.Replace(p, []byte("\n"), []byte("\r\n"), -1),
			p[:len(p)/2], bytes.Replace(p, []byte("</x:xmpmeta>"), []byte("</x:xmpmetb>"), 1)} {
			checkScanner(t, v)
			checkFast(t, v)
		}
	}
	t.Logf("%d packets agree", len(packets))
}

package xmp

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// checkFast asserts that, when the fast walk reads p, it finds what Parse
// finds (records, insertion targets, the free prefix), and that
// AppendUpdate and AddRecords agree with Update and Collect. It reports
// whether the fast walk read p.
func checkFast(t *testing.T, p []byte) bool {
	t.Helper()
	if len(p) > MaxPacketSize {
		return false
	}
	trimmed := bytes.TrimRight(p, "\x00")
	var fi fastInfo
	if !fastParse(trimmed, &fi) {
		return false
	}
	info, err := Parse(p)
	if err != nil {
		t.Fatalf("the fast walk read a packet Parse rejects (%v):\n%q", err, p)
	}
	if fi.nrec != len(info.Records) {
		t.Fatalf("fast walk: %d records, Parse %d\n%q", fi.nrec, len(info.Records), p)
	}
	for i, r := range info.Records {
		f := fi.recs[i]
		got := Record{Kind: f.kind, Value: fi.value(f.value), Attr: f.attr, valStart: f.valStart, valEnd: f.valEnd,
			fullStart: f.fullStart, fullEnd: f.fullEnd, quote: f.quote}
		if len(r.Value) == 0 && len(got.Value) == 0 {
			got.Value = r.Value
		}
		if got.Kind != r.Kind || !bytes.Equal(got.Value, r.Value) || got.Attr != r.Attr || got.valStart != r.valStart ||
			got.valEnd != r.valEnd || got.fullStart != r.fullStart || got.fullEnd != r.fullEnd || got.quote != r.quote {
			t.Fatalf("record %d: fast %+v, Parse %+v\n%q", i, got, r, p)
		}
	}
	for _, c := range []struct {
		name string
		f    *fastTarget
		s    *target
	}{{"desc", &fi.desc, info.desc}, {"rdf", &fi.rdf, info.rdf}} {
		if c.f.found != (c.s != nil) {
			t.Fatalf("%s: fast found %v, Parse %v\n%q", c.name, c.f.found, c.s != nil, p)
		}
		if c.s == nil {
			continue
		}
		if c.f.tagStart != c.s.tagStart || c.f.nameEnd != c.s.nameEnd || c.f.tagEnd != c.s.tagEnd ||
			string(c.f.qname) != c.s.qname || c.f.selfClosing != c.s.selfClosing ||
			string(c.f.prefix) != c.s.prefix || string(c.f.rdfPrefix) != c.s.rdfPrefix {
			t.Fatalf("%s: fast %+v, Parse %+v\n%q", c.name, *c.f, *c.s, p)
		}
		var buf [32]byte
		if got, want := string(fi.freePrefix(c.f, buf[:0])), info.freePrefix(c.s); got != want {
			t.Fatalf("%s: free prefix %q, Parse's %q\n%q", c.name, got, want, p)
		}
	}
	for _, rec := range []aigc.Record{testRec, {Label: "2", ContentProducer: "a\"b'c\td", ProduceID: "&<>"}} {
		want, werr := Update(p, rec)
		got, gerr := AppendUpdate([]byte("pre"), p, rec)
		if (werr == nil) != (gerr == nil) || werr == nil && (string(got[:3]) != "pre" || !bytes.Equal(got[3:], want)) {
			t.Fatalf("AppendUpdate %q (%v), Update %q (%v)\non %q", got, gerr, want, werr, p)
		}
	}
	one := format.OneRecord{Want: []byte("none")}
	if len(info.Records) > 0 {
		one.Want = info.Records[0].Value
	}
	if AddRecords(&one, p); one.OK() != (len(info.Records) == 1) {
		t.Fatalf("AddRecords: one record %v, Parse found %d", one.OK(), len(info.Records))
	}
	return true
}

// TestFastAgrees runs checkFast over the packets of TestScannerAgrees's
// kinds and shapes the fast walk must handle itself.
func TestFastAgrees(t *testing.T) {
	desc := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`
	for name, p := range map[string]string{
		"quirky": quirky, "apple": apple, "build": string(Build(testRec)),
		"nuls":          string(Build(testRec)) + "\x00\x00",
		"empty-desc":    desc + `<rdf:Description rdf:about=""/></rdf:RDF></x:xmpmeta>`,
		"clash":         desc + `<rdf:Description rdf:about="" xmlns:TC260="urn:other" TC260:x="1"><TC260AIGC1:y/></rdf:Description></rdf:RDF></x:xmpmeta>`,
		"attr-form":     desc + `<rdf:Description xmlns:a="http://www.tc260.org.cn/ns/AIGC/1.0/" a:AIGC='{"Label":"1"}' xmlns:b="http://www.tc260.org.cn/ns/AIGC/1.0/"/></rdf:RDF></x:xmpmeta>`,
		"no-desc":       desc + `</rdf:RDF></x:xmpmeta>`,
		"two-records":   desc + `<rdf:Description xmlns:T="http://www.tc260.org.cn/ns/AIGC/1.0/"><T:AIGC>{"Label":"1"}</T:AIGC><T:AIGC/></rdf:Description></rdf:RDF></x:xmpmeta>`,
		"uc-attr":       desc + `<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:UserComment="{&quot;Label&quot;:&quot;1&quot;}"/></rdf:RDF></x:xmpmeta>`,
		"uc-other":      desc + `<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/"><exif:UserComment>hello Label</exif:UserComment></rdf:Description></rdf:RDF></x:xmpmeta>`,
		"lang":          desc + `<rdf:Description><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Alt><rdf:li xml:lang="x-default">t</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`,
		"shadow":        `<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:A="http://www.tc260.org.cn/ns/AIGC/1.0/" xmlns:B="http://www.tc260.org.cn/ns/AIGC/1.0/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:B="x"><rdf:Description/></rdf:RDF></x:xmpmeta>`,
		"default-ns":    `<xmpmeta xmlns="adobe:ns:meta/"><RDF xmlns="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><Description/></RDF></xmpmeta>`,
		"rdf-only":      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/"></r:RDF></x:xmpmeta>`,
		"xml-decl":      `<?xml version="1.0" encoding="utf-8"?>` + desc + `<rdf:Description/></rdf:RDF></x:xmpmeta>`,
		"unbound-TC260": desc + `<rdf:Description><TC260:z/></rdf:Description></rdf:RDF></x:xmpmeta>`,
	} {
		if !checkFast(t, []byte(p)) {
			t.Errorf("%s: the fast walk did not read it", name)
		}
	}
}

// TestPlain8 checks the eight-byte test of checkText against the byte
// classes, on every byte value in every position.
func TestPlain8(t *testing.T) {
	base := []byte("abcd XYZ")
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			w := append([]byte(nil), base...)
			w[pos] = byte(c)
			want := true
			for _, x := range w {
				want = want && textClass[x] == textPlain && x != '\t' && x != '\n'
			}
			if got := plain8(binary.LittleEndian.Uint64(w)); got != want {
				t.Fatalf("plain8(%q) = %v, want %v", w, got, want)
			}
		}
	}
}

package xmp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"unicode/utf8"
)

// The scanner below tokenizes the plain XML that XMP packets are in practice
// (processing instructions, elements, attributes, text, the five predefined
// entities, ASCII names) the way encoding/xml's Decoder.Token does, at a
// fraction of its cost: no allocation per token beyond names and attribute
// values, and text returned as sub-slices of the packet. Labeling a small
// image parses its packet twice (update, then verify-after-write), and with
// encoding/xml that alone cost several times a copy of the file.
//
// It is an accelerator, not a second parser: on anything outside that subset
// (comments, CDATA, DOCTYPE, character references, CR, non-ASCII names, any
// construct encoding/xml might reject) it gives up with errOutside, and Parse
// starts again with encoding/xml, which stays the judge of well-formedness.
// Inside the subset both must agree token for token; FuzzParse checks that
// Parse and parseXML return the same Info for every input.

// errOutside reports a packet the scanner leaves to encoding/xml.
var errOutside = errors.New("xmp: outside the scanner's subset")

const xmlURL = "http://www.w3.org/XML/1998/namespace"

type scanner struct {
	b       []byte
	pos     int
	open    []openTag
	ns      []nsDecl // declarations in scope, innermost last
	closing bool     // the end of a self-closing element is due

	// First backing arrays of open and ns: real packets nest a few levels
	// and declare a few namespaces, so these spare their growth.
	openBuf [8]openTag
	nsBuf   [8]nsDecl
}

// newScanner returns a scanner of packet b.
func newScanner(b []byte) *scanner {
	s := &scanner{b: b}
	s.open, s.ns = s.openBuf[:0], s.nsBuf[:0]
	return s
}

type openTag struct {
	qname string
	name  xml.Name
	nsLen int // len(ns) before the element's declarations
}

type nsDecl struct{ prefix, uri string }

// next returns the next token and its byte range, like Decoder.Token with
// Decoder.InputOffset before and after.
func (s *scanner) next() (xml.Token, int, int, error) {
	off := s.pos
	if s.closing {
		s.closing = false
		return s.pop(), off, off, nil
	}
	b := s.b
	if off >= len(b) {
		if len(s.open) > 0 {
			return nil, 0, 0, errOutside // encoding/xml: unexpected EOF
		}
		return nil, off, off, io.EOF
	}
	if b[off] != '<' {
		end := len(b)
		if i := bytes.IndexByte(b[off:], '<'); i >= 0 {
			end = off + i
		}
		text, ok := unescape(b[off:end])
		if !ok {
			return nil, 0, 0, errOutside
		}
		s.pos = end
		return xml.CharData(text), off, end, nil
	}
	if off+1 >= len(b) {
		return nil, 0, 0, errOutside
	}
	switch b[off+1] {
	case '?':
		return s.procInst(off)
	case '/':
		return s.endTag(off)
	case '!':
		return nil, 0, 0, errOutside
	}
	return s.startTag(off)
}

func (s *scanner) procInst(off int) (xml.Token, int, int, error) {
	b := s.b
	p := off + 2
	n := nameLen(b[p:])
	if n == 0 || p+n < len(b) && (b[p+n] == ':' || b[p+n] >= utf8.RuneSelf) {
		return nil, 0, 0, errOutside
	}
	target := intern(b[p : p+n])
	p = skipSpace(b, p+n)
	k := bytes.Index(b[p:], []byte("?>"))
	if k < 0 {
		return nil, 0, 0, errOutside
	}
	inst := b[p : p+k]
	if string(target) == "xml" && !xmlDeclOK(inst) {
		return nil, 0, 0, errOutside
	}
	s.pos = p + k + 2
	return xml.ProcInst{Target: target, Inst: inst}, off, s.pos, nil
}

func (s *scanner) endTag(off int) (xml.Token, int, int, error) {
	b := s.b
	p := off + 2
	n, ok := qnameLen(b[p:])
	if !ok || len(s.open) == 0 || s.open[len(s.open)-1].qname != string(b[p:p+n]) {
		return nil, 0, 0, errOutside
	}
	p = skipSpace(b, p+n)
	if p >= len(b) || b[p] != '>' {
		return nil, 0, 0, errOutside
	}
	s.pos = p + 1
	return s.pop(), off, s.pos, nil
}

// pop closes the innermost element.
func (s *scanner) pop() xml.EndElement {
	t := s.open[len(s.open)-1]
	s.open = s.open[:len(s.open)-1]
	s.ns = s.ns[:t.nsLen]
	return xml.EndElement{Name: t.name}
}

func (s *scanner) startTag(off int) (xml.Token, int, int, error) {
	b := s.b
	p := off + 1
	n, ok := qnameLen(b[p:])
	if !ok {
		return nil, 0, 0, errOutside
	}
	qb := b[p : p+n]
	qname := intern(qb)
	p += n
	attrs := []xml.Attr{}
	self := false
	for {
		q := skipSpace(b, p)
		if q >= len(b) {
			return nil, 0, 0, errOutside
		}
		if b[q] == '>' {
			p = q + 1
			break
		}
		if b[q] == '/' {
			if q+1 >= len(b) || b[q+1] != '>' {
				return nil, 0, 0, errOutside
			}
			p, self = q+2, true
			break
		}
		if q == p { // attributes must be separated by white space
			return nil, 0, 0, errOutside
		}
		n, ok := qnameLen(b[q:])
		if !ok {
			return nil, 0, 0, errOutside
		}
		name := splitName(b[q : q+n])
		q = skipSpace(b, q+n)
		if q >= len(b) || b[q] != '=' {
			return nil, 0, 0, errOutside
		}
		q = skipSpace(b, q+1)
		if q >= len(b) || b[q] != '"' && b[q] != '\'' {
			return nil, 0, 0, errOutside
		}
		e := bytes.IndexByte(b[q+1:], b[q])
		if e < 0 {
			return nil, 0, 0, errOutside
		}
		raw := b[q+1 : q+1+e]
		if bytes.IndexByte(raw, '<') >= 0 {
			return nil, 0, 0, errOutside
		}
		v, ok := unescape(raw)
		if !ok {
			return nil, 0, 0, errOutside
		}
		attrs = append(attrs, xml.Attr{Name: name, Value: intern(v)})
		p = q + 2 + e
	}
	// Declarations take effect on the element itself, as in Decoder.Token.
	t := openTag{qname: qname, nsLen: len(s.ns)}
	for _, a := range attrs {
		switch {
		case a.Name.Space == nsXMLNS:
			s.ns = append(s.ns, nsDecl{a.Name.Local, a.Value})
		case a.Name.Space == "" && a.Name.Local == nsXMLNS:
			s.ns = append(s.ns, nsDecl{"", a.Value})
		}
	}
	t.name = s.translate(splitName(qb), true)
	for i := range attrs {
		attrs[i].Name = s.translate(attrs[i].Name, false)
	}
	s.open = append(s.open, t)
	s.closing = self
	s.pos = p
	return xml.StartElement{Name: t.name, Attr: attrs}, off, p, nil
}

// translate resolves a prefix as Decoder.translate does.
func (s *scanner) translate(n xml.Name, element bool) xml.Name {
	switch {
	case n.Space == nsXMLNS:
		return n
	case n.Space == "" && !element:
		return n
	case n.Space == "xml":
		n.Space = xmlURL
	case n.Space == "" && n.Local == nsXMLNS:
		return n
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == n.Space {
			n.Space = s.ns[i].uri
			return n
		}
	}
	return n
}

func splitName(q []byte) xml.Name {
	if i := bytes.IndexByte(q, ':'); i >= 0 {
		return xml.Name{Space: intern(q[:i]), Local: intern(q[i+1:])}
	}
	return xml.Name{Local: intern(q)}
}

// intern returns b as a string, without allocating for the names and
// namespace URIs that make up most of real packets (every start tag and
// attribute of a packet otherwise costs a few small allocations).
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "x":
		return "x"
	case "xmpmeta":
		return "xmpmeta"
	case "x:xmpmeta":
		return "x:xmpmeta"
	case "xmptk":
		return "xmptk"
	case "rdf":
		return "rdf"
	case "RDF":
		return "RDF"
	case "rdf:RDF":
		return "rdf:RDF"
	case "Description":
		return "Description"
	case "rdf:Description":
		return "rdf:Description"
	case "about":
		return "about"
	case "li":
		return "li"
	case "rdf:li":
		return "rdf:li"
	case "Seq":
		return "Seq"
	case "rdf:Seq":
		return "rdf:Seq"
	case "Alt":
		return "Alt"
	case "rdf:Alt":
		return "rdf:Alt"
	case "Bag":
		return "Bag"
	case "rdf:Bag":
		return "rdf:Bag"
	case "resource":
		return "resource"
	case "parseType":
		return "parseType"
	case "Resource":
		return "Resource"
	case "xml":
		return "xml"
	case "lang":
		return "lang"
	case "x-default":
		return "x-default"
	case "xmlns":
		return "xmlns"
	case Prefix:
		return Prefix
	case "AIGC":
		return "AIGC"
	case Prefix + ":AIGC":
		return Prefix + ":AIGC"
	case "exif":
		return "exif"
	case "UserComment":
		return "UserComment"
	case "tiff":
		return "tiff"
	case "Orientation":
		return "Orientation"
	case "Software":
		return "Software"
	case "xmp":
		return "xmp"
	case "CreatorTool":
		return "CreatorTool"
	case "DigitalSourceType":
		return "DigitalSourceType"
	case "xmpMM":
		return "xmpMM"
	case "dc":
		return "dc"
	case "photoshop":
		return "photoshop"
	case "stEvt":
		return "stEvt"
	case "stRef":
		return "stRef"
	case NS:
		return NS
	case nsRDF:
		return nsRDF
	case nsExif:
		return nsExif
	case nsXMP:
		return nsXMP
	case nsTIFF:
		return nsTIFF
	case "adobe:ns:meta/":
		return "adobe:ns:meta/"
	case "http://ns.adobe.com/xap/1.0/mm/":
		return "http://ns.adobe.com/xap/1.0/mm/"
	case "http://purl.org/dc/elements/1.1/":
		return "http://purl.org/dc/elements/1.1/"
	case "http://ns.adobe.com/photoshop/1.0/":
		return "http://ns.adobe.com/photoshop/1.0/"
	case "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#":
		return "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
	case "http://ns.adobe.com/xap/1.0/sType/ResourceRef#":
		return "http://ns.adobe.com/xap/1.0/sType/ResourceRef#"
	case "http://iptc.org/std/Iptc4xmpExt/2008-02-29/":
		return "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
	}
	return string(b)
}

// nameLen returns the length of the ASCII name (no colon) b starts with.
func nameLen(b []byte) int {
	for i, c := range b {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return i
		}
	}
	return len(b)
}

// qnameLen returns the length of the name or prefix:name b starts with; ok
// is false when what follows could continue a name encoding/xml reads
// differently (a second colon, a non-ASCII letter).
func qnameLen(b []byte) (int, bool) {
	n := nameLen(b)
	if n == 0 {
		return 0, false
	}
	if n < len(b) && b[n] == ':' {
		m := nameLen(b[n+1:])
		if m == 0 {
			return 0, false
		}
		n += 1 + m
	}
	if n < len(b) && (b[n] == ':' || b[n] >= utf8.RuneSelf) {
		return 0, false
	}
	return n, true
}

func skipSpace(b []byte, p int) int {
	for p < len(b) && isSpace(b[p]) {
		p++
	}
	return p
}

var entities = [...]struct {
	ref string
	c   byte
}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}

// unescape decodes text or an attribute value that uses only the five
// predefined entities; ok is false for anything encoding/xml might treat
// differently or reject (CR, which it rewrites; character references; "]]>";
// characters outside XML's range; invalid UTF-8). Without entities the
// result is raw itself.
func unescape(raw []byte) (out []byte, ok bool) {
	amp, ok := checkText(raw)
	if !ok {
		return nil, false
	}
	if !amp {
		return raw, true
	}
	out = make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		if raw[i] != '&' {
			j := bytes.IndexByte(raw[i:], '&')
			if j < 0 {
				j = len(raw) - i
			}
			out = append(out, raw[i:i+j]...)
			i += j
			continue
		}
		out = append(out, entityChar(raw[i:])) // checkText has checked it
		i += entityLen(raw[i:])
	}
	return out, true
}

// inCharRange is the Char production of XML 1.0 for non-ASCII runes.
func inCharRange(r rune) bool {
	return r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// xmlDeclOK reports whether an <?xml ...?> declaration's content names
// version 1.0 and UTF-8, or neither, as encoding/xml reads it.
func xmlDeclOK(inst []byte) bool {
	if v := procInst("version", inst); len(v) > 0 && string(v) != "1.0" {
		return false
	}
	e := procInst("encoding", inst)
	return len(e) == 0 || bytes.EqualFold(e, []byte("utf-8"))
}

// procInst returns a parameter of an <?xml ...?> declaration exactly as
// encoding/xml reads it (its own helper of the same name), so that both
// agree on the version and encoding they see.
func procInst(param string, s []byte) []byte {
	lenp := len(param) + 1
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := indexParam(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return nil
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return nil
	}
	j := bytes.IndexByte(s[i:], sep)
	if j < 0 {
		return nil
	}
	return s[i : i+j]
}

// indexParam is the index of param followed by '=' in s, or -1.
func indexParam(s []byte, param string) int {
	for k := 0; k+len(param) < len(s); k++ {
		if s[k+len(param)] == '=' && string(s[k:k+len(param)]) == param {
			return k
		}
	}
	return -1
}

// Package xmp reads and edits the GB 45438 label inside an XMP packet: the
// property TC260:AIGC of namespace http://www.tc260.org.cn/ns/AIGC/1.0/, whose
// value is the Annex E record as JSON text. The image carriers (jpeg, png,
// webp) extract the packet from their container and use this package for what
// is inside it.
//
// Reading resolves namespaces as encoding/xml does, so any prefix bound to
// the TC260 namespace is found, in element form (<TC260:AIGC>json</TC260:AIGC>)
// and attribute form (TC260:AIGC="json"). Real packets written by Chinese
// services carry quirks encoding/xml tolerates: an XML declaration before the
// xpacket processing instruction, an empty begin="" and a doubled "??>" ending.
// Packets in plain XML (no comments, CDATA or character references: what
// writers produce) are tokenized by a small scanner of this package that
// agrees with encoding/xml token for token and costs far less; anything else
// goes to encoding/xml, which remains the judge of well-formedness.
//
// Editing is string surgery on the packet bytes, not re-serialization: every
// property other than the label keeps its bytes, so tools that compare or sign
// XMP content still find what they wrote.
package xmp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// Namespace URIs this package knows.
const (
	NS      = "http://www.tc260.org.cn/ns/AIGC/1.0/" // TC260 AIGC namespace
	Prefix  = "TC260"                                // prefix the TC260 guides use
	nsRDF   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsExif  = "http://ns.adobe.com/exif/1.0/"
	nsXMP   = "http://ns.adobe.com/xap/1.0/"
	nsTIFF  = "http://ns.adobe.com/tiff/1.0/"
	nsXMLNS = "xmlns"
)

// MaxPacketSize bounds the packets Parse and Update accept. Real packets are a
// few KiB; JPEG cannot hold more than 64 KiB in one segment.
const MaxPacketSize = 16 << 20

// Kinds of records Parse reports (the format.Slot Kind of the carrier).
const (
	KindTC260       = "xmp"             // TC260:AIGC
	KindUserComment = "xmp-usercomment" // exif:UserComment holding an AIGC record
)

// Record is one AIGC record found in a packet.
type Record struct {
	// Kind is KindTC260 or KindUserComment.
	Kind string
	// Value is the property's text after XML unescaping: the JSON record.
	Value []byte
	// Attr reports the attribute form.
	Attr bool

	valStart, valEnd   int  // the escaped value: element content or attribute value
	fullStart, fullEnd int  // the whole element, or the attribute with its leading space
	quote              byte // attribute quote character
}

// Info is what Parse finds in a packet.
type Info struct {
	// Records holds every TC260:AIGC property and every exif:UserComment that
	// holds an AIGC record, in packet order.
	Records []Record
	// DigitalSourceTypes holds IPTC DigitalSourceType values (any namespace,
	// element text, attribute or rdf:resource).
	DigitalSourceTypes []string
	// Generators holds xmp:CreatorTool and tiff:Software values.
	Generators []string

	desc    *target         // first rdf:Description: where a new property goes
	orient  [][2]int        // tiff:Orientation values (element text or attribute value)
	unbound map[string]bool // prefixes used without a declaration
	rdf     *target         // rdf:RDF, when there is no rdf:Description
}

// target is an element a new property can be inserted into.
type target struct {
	tagStart, nameEnd, tagEnd int    // start tag '<', end of its qualified name, after '>'
	qname                     string // qualified name as written
	selfClosing               bool
	prefix                    string          // prefix bound to NS in scope, "" if none
	taken                     map[string]bool // prefixes bound in scope
	rdfPrefix                 string          // prefix bound to the RDF namespace, for rdf:RDF inserts
}

// ParseError reports a packet encoding/xml cannot read, with the byte offset in
// the packet.
type ParseError struct {
	Offset int64
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("xmp: malformed packet at offset %d: %v", e.Offset, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// element is an open element during the scan.
type element struct {
	name      xml.Name
	tagStart  int
	tagEnd    int
	ns        map[string]string // prefix -> URI declared on this element
	text      bytes.Buffer
	rec       int // index in Info.Records, or -1
	kind      int // what the element's text is collected for
	selfClose bool
}

const (
	collectNone = iota
	collectRecord
	collectUserComment
	collectSourceType
	collectGenerator
	collectOrientation
)

// Parse finds the AIGC records and foreign provenance in an XMP packet. A
// packet that is not well-formed XML returns a *ParseError together with what
// was found before the error.
func Parse(packet []byte) (*Info, error) {
	if len(packet) > MaxPacketSize {
		return &Info{}, &ParseError{Err: fmt.Errorf("packet of %d bytes exceeds the %d-byte limit", len(packet), MaxPacketSize)}
	}
	// Some writers end the packet with NULs (C strings); they are not XML.
	packet = bytes.TrimRight(packet, "\x00")
	s := newScanner(packet)
	if info, err := walk(packet, s.next); err != errOutside {
		return info, err
	}
	return parseXML(packet)
}

// parseXML is Parse with encoding/xml alone (see scan.go).
func parseXML(packet []byte) (*Info, error) {
	d := xml.NewDecoder(bytes.NewReader(packet))
	// Byte offsets must stay those of the packet, so no transcoding: a
	// declared single-byte or ASCII-compatible encoding is read as it is.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if l := strings.ToLower(label); strings.Contains(l, "16") || strings.Contains(l, "32") {
			return nil, fmt.Errorf("encoding %q is not supported", label)
		}
		return r, nil
	}
	return walk(packet, func() (xml.Token, int, int, error) {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if err != nil && err != io.EOF {
			return nil, 0, 0, &ParseError{Offset: d.InputOffset(), Err: err}
		}
		return tok, off, int(d.InputOffset()), err
	})
}

// walk reads the tokens next returns (with the byte range of each) and
// collects what the packet holds. It returns io.EOF's absence as nil and any
// other error of next as it is.
func walk(packet []byte, next func() (tok xml.Token, off, end int, err error)) (*Info, error) {
	info := &Info{}
	stack := make([]*element, 0, 8)
	for {
		tok, off, end, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &element{name: t.Name, tagStart: off, tagEnd: end, rec: -1}
			el.selfClose = end-off >= 2 && string(packet[end-2:end]) == "/>"
			raw := scanAttrs(packet[off:end])
			if len(raw) == len(t.Attr) {
				for i, a := range t.Attr {
					r := raw[i]
					if a.Name.Space == nsXMLNS {
						if el.ns == nil {
							el.ns = map[string]string{}
						}
						el.ns[a.Name.Local] = a.Value
						continue
					}
					info.attr(a, off+r.valStart, off+r.valEnd, off+r.fullStart, r.quote)
				}
			}
			info.startElement(el, t.Attr, stack, packet, off, end)
			stack = append(stack, el)
		case xml.CharData:
			if n := len(stack); n > 0 && stack[n-1].kind != collectNone {
				if stack[n-1].text.Len() == 0 {
					stack[n-1].text.Grow(len(t)) // usually the only text: one allocation
				}
				stack[n-1].text.Write(t)
			}
			// Text of a record element may sit inside nested elements
			// (rdf:Alt/rdf:li for exif:UserComment).
			for i := len(stack) - 2; i >= 0; i-- {
				if stack[i].kind != collectNone {
					stack[i].text.Write(t)
					break
				}
			}
		case xml.EndElement:
			if len(stack) == 0 {
				break
			}
			el := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			info.endElement(el, off, end)
		}
	}
	return info, nil
}

// startElement classifies a new element.
func (info *Info) startElement(el *element, attrs []xml.Attr, stack []*element, packet []byte, off, end int) {
	// encoding/xml leaves an undeclared prefix in Name.Space; a URI always
	// holds ':' or '/', a prefix never does.
	info.checkBound(el.name)
	for _, a := range attrs {
		info.checkBound(a.Name)
	}
	switch {
	case el.name.Space == NS && el.name.Local == "AIGC":
		el.kind = collectRecord
		el.rec = len(info.Records)
		info.Records = append(info.Records, Record{Kind: KindTC260, fullStart: off, valStart: end})
	case el.name.Space == nsExif && el.name.Local == "UserComment":
		el.kind = collectUserComment
	case el.name.Local == "DigitalSourceType":
		el.kind = collectSourceType
		for _, a := range attrs {
			if a.Name.Space == nsRDF && a.Name.Local == "resource" && a.Value != "" {
				info.DigitalSourceTypes = append(info.DigitalSourceTypes, a.Value)
			}
		}
	case el.name.Space == nsTIFF && el.name.Local == "Orientation":
		el.kind = collectOrientation
	case el.name.Space == nsXMP && el.name.Local == "CreatorTool",
		el.name.Space == nsTIFF && el.name.Local == "Software":
		el.kind = collectGenerator
	case el.name.Space == nsRDF && (el.name.Local == "Description" || el.name.Local == "RDF"):
		t := &target{tagStart: off, tagEnd: end, selfClosing: el.selfClose}
		t.qname = qname(packet[off:end])
		t.nameEnd = off + 1 + len(t.qname)
		all := append(stack[:len(stack):len(stack)], el)
		for i := len(all) - 1; i >= 0; i-- {
			for p, uri := range sortedNS(all[i].ns) {
				if uri == NS && t.prefix == "" && isNCName(p) && !shadowed(all[i+1:], p) {
					t.prefix = p
				}
				if t.taken == nil {
					t.taken = map[string]bool{}
				}
				t.taken[p] = true
				if uri == nsRDF && t.rdfPrefix == "" && !shadowed(all[i+1:], p) {
					t.rdfPrefix = p
				}
			}
		}
		if el.name.Local == "Description" && info.desc == nil {
			info.desc = t
		} else if el.name.Local == "RDF" && info.rdf == nil {
			info.rdf = t
		}
	}
}

// checkBound notes n's prefix when no declaration bound it.
func (info *Info) checkBound(n xml.Name) {
	if n.Space != "" && n.Space != nsXMLNS && !strings.ContainsAny(n.Space, ":/") {
		if info.unbound == nil {
			info.unbound = map[string]bool{}
		}
		info.unbound[n.Space] = true
	}
}

// isNCName reports whether p can be written as an element prefix
// (encoding/xml accepts declarations of prefixes it rejects in names). Only
// ASCII prefixes are reused; others get a fresh declaration.
func isNCName(p string) bool {
	for i, c := range p {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return p != ""
}

// freePrefix returns a prefix for the TC260 namespace that is neither bound
// in scope at t nor used undeclared anywhere in the packet, where a new
// declaration would capture it.
func (info *Info) freePrefix(t *target) string {
	for i := 0; ; i++ {
		p := Prefix
		if i > 0 {
			p = fmt.Sprintf("%sAIGC%d", Prefix, i)
		}
		if !t.taken[p] && !info.unbound[p] {
			return p
		}
	}
}

// sortedNS iterates declarations in a fixed order, so results never depend on
// map order.
func sortedNS(m map[string]string) func(func(string, string) bool) {
	return func(yield func(string, string) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

// shadowed reports whether an inner element redeclares prefix p.
func shadowed(inner []*element, p string) bool {
	for _, el := range inner {
		if _, ok := el.ns[p]; ok {
			return true
		}
	}
	return false
}

// endElement records what an element's text held.
func (info *Info) endElement(el *element, off, end int) {
	text := bytes.TrimSpace(el.text.Bytes())
	switch el.kind {
	case collectRecord:
		r := &info.Records[el.rec]
		r.Value = append([]byte(nil), text...)
		r.fullEnd = end
		r.valEnd = off
		if el.selfClose {
			r.valStart, r.valEnd = el.tagEnd, el.tagEnd
		}
	case collectUserComment:
		if isRecord(text) {
			info.Records = append(info.Records, Record{Kind: KindUserComment, Value: append([]byte(nil), text...),
				fullStart: el.tagStart, fullEnd: end, valStart: el.tagEnd, valEnd: off})
		}
	case collectSourceType:
		if len(text) > 0 {
			info.DigitalSourceTypes = append(info.DigitalSourceTypes, string(text))
		}
	case collectGenerator:
		if len(text) > 0 {
			info.Generators = append(info.Generators, string(text))
		}
	case collectOrientation:
		if !el.selfClose {
			info.orient = append(info.orient, [2]int{el.tagEnd, off})
		}
	}
}

// attr classifies one attribute of a start tag; valStart..valEnd is its raw
// value and fullStart the whitespace before its name.
func (info *Info) attr(a xml.Attr, valStart, valEnd, fullStart int, quote byte) {
	switch {
	case a.Name.Space == NS && a.Name.Local == "AIGC":
		info.Records = append(info.Records, Record{Kind: KindTC260, Value: []byte(strings.TrimSpace(a.Value)), Attr: true,
			valStart: valStart, valEnd: valEnd, fullStart: fullStart, fullEnd: valEnd + 1, quote: quote})
	case a.Name.Space == nsExif && a.Name.Local == "UserComment":
		if v := []byte(strings.TrimSpace(a.Value)); isRecord(v) {
			info.Records = append(info.Records, Record{Kind: KindUserComment, Value: v, Attr: true,
				valStart: valStart, valEnd: valEnd, fullStart: fullStart, fullEnd: valEnd + 1, quote: quote})
		}
	case a.Name.Local == "DigitalSourceType":
		info.DigitalSourceTypes = append(info.DigitalSourceTypes, a.Value)
	case a.Name.Space == nsXMP && a.Name.Local == "CreatorTool",
		a.Name.Space == nsTIFF && a.Name.Local == "Software":
		info.Generators = append(info.Generators, a.Value)
	case a.Name.Space == nsTIFF && a.Name.Local == "Orientation":
		info.orient = append(info.orient, [2]int{valStart, valEnd})
	}
}

// rawAttr is an attribute's position inside a start tag.
type rawAttr struct {
	fullStart, valStart, valEnd int
	quote                       byte
}

// scanAttrs finds the attributes of a well-formed start tag (encoding/xml
// already accepted it), in order.
func scanAttrs(tag []byte) []rawAttr {
	var out []rawAttr
	i := 1 + len(qname(tag))
	for i < len(tag) {
		ws := i
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] == '/' || tag[i] == '>' {
			break
		}
		for i < len(tag) && tag[i] != '=' {
			i++
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) {
			break
		}
		q := tag[i]
		j := bytes.IndexByte(tag[i+1:], q)
		if j < 0 {
			break
		}
		out = append(out, rawAttr{fullStart: ws, valStart: i + 1, valEnd: i + 1 + j, quote: q})
		i = i + 2 + j
	}
	return out
}

// qname returns the qualified name of a start tag.
func qname(tag []byte) string {
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	return string(tag[1:i])
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// packetHead is the xpacket header the XMP specification recommends; the id is
// the fixed value every XMP writer uses.
const (
	packetHead = "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
	packetTail = "<?xpacket end=\"w\"?>"
)

// Build returns a fresh packet holding only the TC260:AIGC property, in the
// element form of the TC260 guide.
func Build(rec aigc.Record) []byte {
	return AppendBuild(nil, rec)
}

func element1(prefix string, rec aigc.Record) string {
	return "<" + prefix + ":AIGC>" + escape(rec.Marshal(), 0) + "</" + prefix + ":AIGC>"
}

// ErrNoRDF is returned by Update for a packet without an rdf:RDF element to
// put the property in.
var ErrNoRDF = errors.New("xmp: packet has no rdf:RDF element")

// edit replaces packet[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// Update returns packet carrying rec as its only AIGC record: the first
// TC260:AIGC property gets the new value (in the form it was written), other
// TC260:AIGC properties and exif:UserComment copies of a record are removed,
// and when there was none the property is added to the first rdf:Description
// (with its namespace declaration when needed). Every other byte is kept.
func Update(packet []byte, rec aigc.Record) ([]byte, error) {
	return update(packet, &rec)
}

// Replace puts rec into a file holding several XMP packets (one label per
// file, GB 45438 6.1 c): the first packet is updated as by Update, and AIGC
// records in the others give way to it. The others are returned unchanged
// (same slice) when they hold no record.
func Replace(packets [][]byte, rec aigc.Record) ([][]byte, error) {
	out := make([][]byte, len(packets))
	for i, p := range packets {
		var err error
		if i == 0 {
			out[i], err = update(p, &rec)
		} else {
			out[i], err = update(p, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// update writes rec as the packet's only record; with rec nil, records are
// replaced by nothing because the new one lives in another packet.
func update(packet []byte, rec *aigc.Record) ([]byte, error) {
	info, err := Parse(packet)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		if len(info.Records) == 0 {
			return packet, nil
		}
		var edits []edit
		for _, r := range info.Records {
			edits = append(edits, edit{r.fullStart, r.fullEnd, ""})
		}
		return apply(packet, edits), nil
	}
	var edits []edit
	primary := -1
	for i, r := range info.Records {
		if r.Kind == KindTC260 && primary < 0 {
			primary = i
			edits = append(edits, edit{r.valStart, r.valEnd, escape(rec.Marshal(), r.quote)})
			continue
		}
		edits = append(edits, edit{r.fullStart, r.fullEnd, ""})
	}
	if primary < 0 {
		switch t := info.desc; {
		case t != nil:
			prefix := t.prefix
			if prefix == "" {
				prefix = info.freePrefix(t)
				edits = append(edits, edit{t.nameEnd, t.nameEnd, " xmlns:" + prefix + `="` + NS + `"`})
			}
			el := element1(prefix, *rec)
			if t.selfClosing {
				edits = append(edits, edit{t.tagEnd - 2, t.tagEnd, ">" + el + "</" + t.qname + ">"})
			} else {
				edits = append(edits, edit{t.tagEnd, t.tagEnd, el})
			}
		case info.rdf != nil && !info.rdf.selfClosing && info.rdf.rdfPrefix != "":
			t, p := info.rdf, info.rdf.rdfPrefix
			prefix := Prefix
			if t.prefix != "" {
				prefix = t.prefix
			}
			edits = append(edits, edit{t.tagEnd, t.tagEnd,
				"<" + p + ":Description " + p + `:about="" xmlns:` + prefix + `="` + NS + `">` +
					element1(prefix, *rec) + "</" + p + ":Description>"})
		default:
			return nil, ErrNoRDF
		}
	}
	return apply(packet, edits), nil
}

// ResetOrientation returns packet with every tiff:Orientation value set to
// 1 (upright), for pixels that were rotated upright when re-encoded, the way
// the EXIF Orientation tag is patched beside it. Other bytes are kept; a
// packet that does not parse is returned unchanged.
func ResetOrientation(packet []byte) []byte {
	info, err := Parse(packet)
	if err != nil || len(info.orient) == 0 {
		return packet
	}
	edits := make([]edit, len(info.orient))
	for i, r := range info.orient {
		edits[i] = edit{r[0], r[1], "1"}
	}
	return apply(packet, edits)
}

// apply performs non-overlapping edits; an edit inside one already applied
// (a record nested in a replaced record) is dropped with the outer text.
func apply(b []byte, edits []edit) []byte {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	var out bytes.Buffer
	out.Grow(len(b) + 1024)
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			continue
		}
		out.Write(b[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(b[pos:])
	return out.Bytes()
}

// escape returns s as XML text; quote, when non-zero, is the attribute's
// quote character, which must be escaped too.
func escape(s []byte, quote byte) string {
	return string(appendEscape(make([]byte, 0, len(s)+len(s)/4), s, quote))
}

// Collect adds what packet holds to md: the packet as an XMP slot, its AIGC
// records, IPTC DigitalSourceType values and generator names, all located at
// the container element (segment, chunk) at off, length bytes long. A
// malformed packet is still listed as XMP; what was read before the error is
// kept.
func Collect(md *format.Metadata, packet []byte, off, length int64) {
	md.XMP = append(md.XMP, format.Slot{Kind: KindTC260, Offset: off, Length: length, Payload: packet})
	info, _ := Parse(packet)
	for _, r := range info.Records {
		if r.fullEnd == 0 {
			continue // an element the parse error cut short
		}
		md.Records = append(md.Records, format.Slot{Kind: r.Kind, Offset: off, Length: length, Payload: r.Value})
	}
	for _, v := range info.DigitalSourceTypes {
		md.Foreign = append(md.Foreign, format.Foreign{Kind: "iptc-digital-source-type", Offset: off, Length: length, Value: v})
	}
	for _, v := range info.Generators {
		md.Foreign = append(md.Foreign, format.Foreign{Kind: "generator", Offset: off, Length: length, Value: v})
	}
}

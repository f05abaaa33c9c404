package xmp

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/aigclabel/aigclabel/labeler/format"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// The walk below is what labeling needs of a packet (its AIGC records, and
// where a new one goes) without a heap allocation: labeling a file parses
// its packet twice (to update it, then to verify the output), and any small
// allocation between two file-sized outputs costs page faults (see
// bench/RESULTS.md). It reads the scanner's subset of XML with the same
// checks, bounded nesting and few records, and no child element inside a
// record's element; on anything else it gives up and the caller uses Parse.
// TestFastAgrees and FuzzParse hold it to Parse on every packet it accepts.

// Bounds of the fast walk; a packet beyond them goes to Parse.
const (
	fastDepth   = 32      // open elements
	fastDecls   = 64      // namespace declarations in scope
	fastRecords = 8       // AIGC records
	fastAttrs   = 64      // attributes of one start tag
	fastNames   = 8       // prefixes starting with "TC260" taken or used unbound
	fastScratch = 8 << 10 // bytes of unescaped record values
)

type fastElem struct {
	qname            []byte
	kind             int
	rec              int // index in fastInfo.recs for collectRecord
	tagStart, tagEnd int
	nDecls           int // declarations in scope before the element's own
	selfClose        bool
}

type fastDecl struct {
	prefix, uri []byte // prefix empty for a default declaration (xmlns="...")
	def         bool
}

type fastRecord struct {
	kind                                 string
	value                                valueRef
	attr                                 bool
	quote                                byte
	valStart, valEnd, fullStart, fullEnd int
}

// fastTarget is target without allocation: the prefixes are sub-slices of
// the packet, and of the prefixes in scope only those a new TC260 prefix
// could clash with are kept.
type fastTarget struct {
	found                     bool
	tagStart, nameEnd, tagEnd int
	qname                     []byte
	selfClosing               bool
	prefix, rdfPrefix         []byte
	taken                     [fastNames][]byte
	nTaken                    int
}

// fastInfo is what the fast walk finds, and its state.
type fastInfo struct {
	recs      [fastRecords]fastRecord
	nrec      int
	desc, rdf fastTarget
	unbound   [fastNames][]byte // names used as unbound prefixes, those starting with "TC260"
	nUnbound  int

	b      []byte
	open   [fastDepth]fastElem
	depth  int
	attrs  [fastAttrs]fastAttr // of the start tag being read (a local array would be zeroed per tag)
	decls  [fastDecls]fastDecl
	nDecls int
	// Unescaped values. The walk stores offsets, never slices of it: a
	// pointer into fastInfo stored in fastInfo would move it to the heap.
	scratch  [fastScratch]byte
	nScratch int
}

// valueRef locates a value: in the packet, or in fastInfo.scratch.
type valueRef struct {
	start, end int
	scratch    bool
}

// value returns the bytes v locates.
func (fi *fastInfo) value(v valueRef) []byte {
	if v.scratch {
		return fi.scratch[v.start:v.end]
	}
	return fi.b[v.start:v.end]
}

// fastParse walks packet (NULs at its end already trimmed) into fi. It
// reports false when the packet is outside what it reads.
func fastParse(b []byte, fi *fastInfo) bool {
	fi.b = b
	pos := 0
	for pos < len(b) {
		if b[pos] != '<' {
			end := len(b)
			if i := bytes.IndexByte(b[pos:], '<'); i >= 0 {
				end = pos + i
			}
			if _, ok := checkText(b[pos:end]); !ok {
				return false
			}
			pos = end
			continue
		}
		if pos+1 >= len(b) {
			return false
		}
		var ok bool
		switch b[pos+1] {
		case '?':
			pos, ok = fi.procInst(pos)
		case '/':
			pos, ok = fi.endTag(pos)
		case '!':
			return false
		default:
			pos, ok = fi.startTag(pos)
		}
		if !ok {
			return false
		}
	}
	return fi.depth == 0
}

func (fi *fastInfo) procInst(off int) (int, bool) {
	b := fi.b
	p := off + 2
	n := nameLen(b[p:])
	if n == 0 || p+n < len(b) && (b[p+n] == ':' || b[p+n] >= 0x80) {
		return 0, false
	}
	target := b[p : p+n]
	p = skipSpace(b, p+n)
	k := bytes.Index(b[p:], []byte("?>"))
	if k < 0 {
		return 0, false
	}
	if string(target) == "xml" && !xmlDeclOK(b[p:p+k]) {
		return 0, false
	}
	return p + k + 2, true
}

func (fi *fastInfo) endTag(off int) (int, bool) {
	b := fi.b
	p := off + 2
	n, ok := qnameLen(b[p:])
	if !ok || fi.depth == 0 || string(fi.open[fi.depth-1].qname) != string(b[p:p+n]) {
		return 0, false
	}
	p = skipSpace(b, p+n)
	if p >= len(b) || b[p] != '>' {
		return 0, false
	}
	return p + 1, fi.pop(off, p+1)
}

// pop closes the innermost element, whose end tag spans off..end (both
// the end of the start tag for a self-closing element).
func (fi *fastInfo) pop(off, end int) bool {
	fi.depth--
	el := &fi.open[fi.depth]
	fi.nDecls = el.nDecls
	switch el.kind {
	case collectRecord, collectUserComment:
		valStart, valEnd := el.tagEnd, off
		if el.selfClose {
			valEnd = valStart
		}
		v, ok := fi.text(valStart, valEnd)
		if !ok {
			return false
		}
		if el.kind == collectRecord {
			r := &fi.recs[el.rec]
			r.value, r.fullEnd, r.valStart, r.valEnd = v, end, valStart, valEnd
			return true
		}
		if isRecord(fi.value(v)) {
			return fi.addRecord(fastRecord{kind: KindUserComment, value: v,
				fullStart: el.tagStart, fullEnd: end, valStart: el.tagEnd, valEnd: off})
		}
	}
	return true
}

func (fi *fastInfo) addRecord(r fastRecord) bool {
	if fi.nrec == fastRecords {
		return false
	}
	fi.recs[fi.nrec] = r
	fi.nrec++
	return true
}

// text returns the packet's text or attribute value from start to end with
// the predefined entities decoded (in scratch when it holds any) and white
// space trimmed, as Parse gives record values.
func (fi *fastInfo) text(start, end int) (valueRef, bool) {
	raw := fi.b[start:end]
	if bytes.IndexByte(raw, '&') < 0 {
		s, e := trimSpace(raw)
		return valueRef{start: start + s, end: start + e}, true
	}
	from := fi.nScratch
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '&' {
			n := entityLen(raw[i:])
			if n == 0 {
				return valueRef{}, false
			}
			c, i = entityChar(raw[i:]), i+n
		} else {
			i++
		}
		if fi.nScratch == len(fi.scratch) {
			return valueRef{}, false
		}
		fi.scratch[fi.nScratch] = c
		fi.nScratch++
	}
	s, e := trimSpace(fi.scratch[from:fi.nScratch])
	return valueRef{start: from + s, end: from + e, scratch: true}, true
}

// trimSpace returns the range of b that bytes.TrimSpace leaves.
func trimSpace(b []byte) (start, end int) {
	l := bytes.TrimLeftFunc(b, unicode.IsSpace)
	start = len(b) - len(l)
	return start, start + len(bytes.TrimRightFunc(l, unicode.IsSpace))
}

// fastAttr is an attribute of the start tag being read.
type fastAttr struct {
	prefix, local               []byte
	fullStart, valStart, valEnd int
	quote                       byte
}

func (fi *fastInfo) startTag(off int) (int, bool) {
	b := fi.b
	p := off + 1
	n, ok := qnameLen(b[p:])
	if !ok || fi.depth == fastDepth {
		return 0, false
	}
	if d := fi.depth; d > 0 && (fi.open[d-1].kind == collectRecord || fi.open[d-1].kind == collectUserComment) {
		return 0, false // a child in a record's element: its text is gathered from several places
	}
	qname := b[p : p+n]
	p += n
	attrs := &fi.attrs
	na := 0
	self := false
	for {
		q := skipSpace(b, p)
		if q >= len(b) {
			return 0, false
		}
		if b[q] == '>' {
			p = q + 1
			break
		}
		if b[q] == '/' {
			if q+1 >= len(b) || b[q+1] != '>' {
				return 0, false
			}
			p, self = q+2, true
			break
		}
		if q == p || na == fastAttrs {
			return 0, false
		}
		n, ok := qnameLen(b[q:])
		if !ok {
			return 0, false
		}
		a := &attrs[na]
		na++
		a.fullStart = p
		a.prefix, a.local = split(b[q : q+n])
		q = skipSpace(b, q+n)
		if q >= len(b) || b[q] != '=' {
			return 0, false
		}
		q = skipSpace(b, q+1)
		if q >= len(b) || b[q] != '"' && b[q] != '\'' {
			return 0, false
		}
		e := bytes.IndexByte(b[q+1:], b[q])
		if e < 0 {
			return 0, false
		}
		a.quote, a.valStart, a.valEnd = b[q], q+1, q+1+e
		raw := b[a.valStart:a.valEnd]
		if bytes.IndexByte(raw, '<') >= 0 {
			return 0, false
		}
		if _, ok := checkText(raw); !ok {
			return 0, false
		}
		p = q + 2 + e
	}
	// Declarations take effect on the element itself.
	el := &fi.open[fi.depth]
	*el = fastElem{qname: qname, rec: -1, tagStart: off, tagEnd: p, nDecls: fi.nDecls, selfClose: self}
	for i := range attrs[:na] {
		a := &attrs[i]
		def := len(a.prefix) == 0 && string(a.local) == nsXMLNS
		if string(a.prefix) != nsXMLNS && !def {
			continue
		}
		uri := b[a.valStart:a.valEnd]
		if fi.nDecls == fastDecls || bytes.IndexByte(uri, '&') >= 0 {
			return 0, false
		}
		if def {
			fi.decls[fi.nDecls] = fastDecl{uri: uri, def: true}
		} else {
			fi.decls[fi.nDecls] = fastDecl{prefix: a.local, uri: uri}
		}
		fi.nDecls++
	}
	fi.depth++
	prefix, local := split(qname)
	space := fi.translate(prefix, local, true)
	if !fi.checkBound(space) {
		return 0, false
	}
	for i := range attrs[:na] {
		a := &attrs[i]
		aspace := fi.translate(a.prefix, a.local, false)
		if !fi.checkBound(aspace) {
			return 0, false
		}
		if string(a.prefix) == nsXMLNS || len(a.prefix) == 0 && string(a.local) == nsXMLNS {
			continue
		}
		isTC := string(aspace) == NS && string(a.local) == "AIGC"
		isUC := string(aspace) == nsExif && string(a.local) == "UserComment"
		if !isTC && !isUC {
			continue
		}
		v, ok := fi.text(a.valStart, a.valEnd)
		if !ok {
			return 0, false
		}
		r := fastRecord{kind: KindTC260, value: v, attr: true, quote: a.quote,
			valStart: a.valStart, valEnd: a.valEnd, fullStart: a.fullStart, fullEnd: a.valEnd + 1}
		if isUC {
			if !isRecord(fi.value(v)) {
				continue
			}
			r.kind = KindUserComment
		}
		if !fi.addRecord(r) {
			return 0, false
		}
	}
	switch {
	case string(space) == NS && string(local) == "AIGC":
		el.kind, el.rec = collectRecord, fi.nrec
		if !fi.addRecord(fastRecord{kind: KindTC260, fullStart: off, valStart: p}) {
			return 0, false
		}
	case string(space) == nsExif && string(local) == "UserComment":
		el.kind = collectUserComment
	case string(space) == nsRDF && (string(local) == "Description" || string(local) == "RDF"):
		t := &fi.rdf
		if string(local) == "Description" {
			t = &fi.desc
		}
		if !t.found && !fi.setTarget(t, el) {
			return 0, false
		}
	}
	if self {
		return p, fi.pop(p, p)
	}
	return p, true
}

var xmlURLBytes = []byte(xmlURL)

// split splits a qualified name at its colon.
func split(q []byte) (prefix, local []byte) {
	if i := bytes.IndexByte(q, ':'); i >= 0 {
		return q[:i], q[i+1:]
	}
	return nil, q
}

// translate resolves a prefix as scanner.translate does.
func (fi *fastInfo) translate(prefix, local []byte, element bool) []byte {
	switch {
	case string(prefix) == nsXMLNS:
		return prefix
	case len(prefix) == 0 && !element:
		return prefix
	case string(prefix) == "xml":
		return xmlURLBytes
	case len(prefix) == 0 && string(local) == nsXMLNS:
		return prefix
	}
	for i := fi.nDecls - 1; i >= 0; i-- {
		if d := &fi.decls[i]; string(d.prefix) == string(prefix) {
			return d.uri
		}
	}
	return prefix
}

// checkBound notes a name that Info.checkBound would list as unbound, when
// a new TC260 prefix could clash with it.
func (fi *fastInfo) checkBound(space []byte) bool {
	if len(space) == 0 || string(space) == nsXMLNS || bytes.ContainsAny(space, ":/") || !bytes.HasPrefix(space, []byte(Prefix)) {
		return true
	}
	if fi.nUnbound == fastNames {
		return false
	}
	fi.unbound[fi.nUnbound] = space
	fi.nUnbound++
	return true
}

// setTarget fills t for the element el just opened, as Info.startElement
// does: the innermost prefix in scope bound to the TC260 namespace (the
// smallest of one element's), the same for RDF, and the prefixes taken.
func (fi *fastInfo) setTarget(t *fastTarget, el *fastElem) bool {
	t.found = true
	t.tagStart, t.tagEnd, t.selfClosing = el.tagStart, el.tagEnd, el.selfClose
	t.qname = el.qname
	t.nameEnd = el.tagStart + 1 + len(el.qname)
	// A declaration is in effect at el when no later one in scope has its
	// prefix; a later one lies in the same element or an inner one.
	prefixDepth, rdfDepth := -1, -1
	for i := 0; i < fi.nDecls; i++ {
		d := &fi.decls[i]
		if d.def {
			continue
		}
		if bytes.HasPrefix(d.prefix, []byte(Prefix)) {
			if t.nTaken == fastNames {
				return false
			}
			t.taken[t.nTaken] = d.prefix
			t.nTaken++
		}
		if fi.redeclared(i) {
			continue
		}
		depth := fi.declDepth(i)
		if string(d.uri) == NS && (depth > prefixDepth || depth == prefixDepth && string(d.prefix) < string(t.prefix)) {
			t.prefix, prefixDepth = d.prefix, depth
		}
		if string(d.uri) == nsRDF && (depth > rdfDepth || depth == rdfDepth && string(d.prefix) < string(t.rdfPrefix)) {
			t.rdfPrefix, rdfDepth = d.prefix, depth
		}
	}
	return true
}

// redeclared reports whether a later declaration in scope binds the prefix
// of declaration i.
func (fi *fastInfo) redeclared(i int) bool {
	for j := i + 1; j < fi.nDecls; j++ {
		if !fi.decls[j].def && string(fi.decls[j].prefix) == string(fi.decls[i].prefix) {
			return true
		}
	}
	return false
}

// declDepth returns the depth of the element that made declaration i.
func (fi *fastInfo) declDepth(i int) int {
	d := 0
	for d+1 < fi.depth && fi.open[d+1].nDecls <= i {
		d++
	}
	return d
}

// freePrefix is Info.freePrefix over the fast walk's names, written into
// buf.
func (fi *fastInfo) freePrefix(t *fastTarget, buf []byte) []byte {
	for i := 0; ; i++ {
		p := append(buf[:0], Prefix...)
		if i > 0 {
			p = strconv.AppendInt(append(p, "AIGC"...), int64(i), 10)
		}
		if !containsName(t.taken[:t.nTaken], p) && !containsName(fi.unbound[:fi.nUnbound], p) {
			return p
		}
	}
}

func containsName(names [][]byte, p []byte) bool {
	for _, n := range names {
		if string(n) == string(p) {
			return true
		}
	}
	return false
}

// checkText reports whether raw text or an attribute value is in the
// scanner's subset (see unescape in scan.go) and whether it holds an
// entity.
func checkText(raw []byte) (amp, ok bool) {
	if bytes.Contains(raw, []byte("]]>")) {
		return false, false
	}
	for i := 0; i < len(raw); {
		// Packets are mostly plain ASCII, padding spaces above all: eight
		// bytes at a time while none is a control, '&' or non-ASCII.
		for i+8 <= len(raw) && plain8(binary.LittleEndian.Uint64(raw[i:])) {
			i += 8
		}
		for i < len(raw) && textClass[raw[i]] == textPlain {
			i++
		}
		if i == len(raw) {
			break
		}
		switch textClass[raw[i]] {
		case textAmp:
			if entityLen(raw[i:]) == 0 {
				return false, false
			}
			amp = true
			i++
		case textControl:
			return false, false
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 || !inCharRange(r) {
				return false, false
			}
			i += size
		}
	}
	return amp, true
}

// plain8 reports whether the eight bytes of w are all printable ASCII other
// than '&' (0x20-0x7F; tab and LF are plain too, but go the slow way).
func plain8(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (w - 0x20*ones) &^ w & highs // a byte under 0x20 (exact with the high bits clear)
	amp := w ^ '&'*ones
	hasAmp := (amp - ones) &^ amp & highs
	return (w&highs)|below|hasAmp == 0
}

// Classes of bytes for checkText.
const (
	textPlain   = iota // ASCII allowed as it is
	textAmp            // '&', an entity
	textControl        // a C0 control other than tab and LF (CR included: encoding/xml rewrites it)
	textHigh           // the start of a UTF-8 sequence, or not UTF-8
)

var textClass = func() (t [256]byte) {
	for c := range t {
		switch {
		case c >= 0x80:
			t[c] = textHigh
		case c == '&':
			t[c] = textAmp
		case c < 0x20 && c != '\t' && c != '\n':
			t[c] = textControl
		}
	}
	return t
}()

// entityLen returns the length of the predefined entity b starts with, or
// 0.
func entityLen(b []byte) int {
	for _, e := range entities {
		if bytes.HasPrefix(b, []byte(e.ref)) {
			return len(e.ref)
		}
	}
	return 0
}

// entityChar returns the character of the predefined entity b starts with.
func entityChar(b []byte) byte {
	for _, e := range entities {
		if bytes.HasPrefix(b, []byte(e.ref)) {
			return e.c
		}
	}
	return 0
}

// isRecord reports whether text parses as an AIGC record: exif:UserComment
// holds arbitrary comments, and only those that are labels count.
func isRecord(text []byte) bool {
	return bytes.Contains(text, []byte("Label")) && aigc.IsRecord(text)
}

// fastEdit is one edit of appendUpdate.
type fastEdit struct {
	start, end int
	op         int
	quote      byte
}

// Edits of appendUpdate, as update makes them.
const (
	opValue   = iota // the new record's escaped value
	opRemove         // nothing
	opDecl           // a TC260 namespace declaration
	opElement        // a TC260:AIGC element
	opClose          // a self-closing rdf:Description opened, the element, its end tag
	opRDF            // a new rdf:Description holding the element
)

// appendUpdate appends update(b, &rec)'s packet to dst from the fast walk
// of b.
func (fi *fastInfo) appendUpdate(dst []byte, rec *aigc.Record) ([]byte, error) {
	var mb [512]byte
	val := rec.AppendMarshal(mb[:0])
	var edits [fastRecords + 2]fastEdit
	ne := 0
	primary := -1
	for i := range fi.recs[:fi.nrec] {
		r := &fi.recs[i]
		if r.kind == KindTC260 && primary < 0 {
			primary = i
			edits[ne] = fastEdit{start: r.valStart, end: r.valEnd, op: opValue, quote: r.quote}
		} else {
			edits[ne] = fastEdit{start: r.fullStart, end: r.fullEnd, op: opRemove}
		}
		ne++
	}
	var pbuf [32]byte
	var prefix, rdfPrefix, qname []byte
	if primary < 0 {
		switch t := &fi.desc; {
		case t.found:
			prefix = t.prefix
			if prefix == nil {
				prefix = fi.freePrefix(t, pbuf[:0])
				edits[ne] = fastEdit{start: t.nameEnd, end: t.nameEnd, op: opDecl}
				ne++
			}
			if t.selfClosing {
				qname = t.qname
				edits[ne] = fastEdit{start: t.tagEnd - 2, end: t.tagEnd, op: opClose}
			} else {
				edits[ne] = fastEdit{start: t.tagEnd, end: t.tagEnd, op: opElement}
			}
			ne++
		case fi.rdf.found && !fi.rdf.selfClosing && fi.rdf.rdfPrefix != nil:
			t := &fi.rdf
			prefix, rdfPrefix = []byte(Prefix), t.rdfPrefix
			if t.prefix != nil {
				prefix = t.prefix
			}
			edits[ne] = fastEdit{start: t.tagEnd, end: t.tagEnd, op: opRDF}
			ne++
		default:
			return nil, ErrNoRDF
		}
	}
	es := edits[:ne]
	for i := 1; i < len(es); i++ { // stable, as apply's sort
		for j := i; j > 0 && (es[j].start < es[j-1].start || es[j].start == es[j-1].start && es[j].end < es[j-1].end); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	b := fi.b
	pos := 0
	for _, e := range es {
		if e.start < pos {
			continue
		}
		dst = append(dst, b[pos:e.start]...)
		switch e.op {
		case opValue:
			dst = appendEscape(dst, val, e.quote)
		case opDecl:
			dst = appendDecl(dst, prefix)
		case opElement:
			dst = appendElement(dst, prefix, val)
		case opClose:
			dst = append(dst, '>')
			dst = appendElement(dst, prefix, val)
			dst = append(append(append(dst, "</"...), qname...), '>')
		case opRDF:
			p := rdfPrefix
			dst = append(append(append(dst, '<'), p...), ":Description "...)
			dst = append(append(dst, p...), `:about=""`...)
			dst = appendDecl(dst, prefix)
			dst = append(dst, '>')
			dst = appendElement(dst, prefix, val)
			dst = append(append(append(dst, "</"...), p...), ":Description>"...)
		}
		pos = e.end
	}
	return append(dst, b[pos:]...), nil
}

func appendDecl(dst, prefix []byte) []byte {
	dst = append(append(dst, " xmlns:"...), prefix...)
	return append(append(append(dst, `="`...), NS...), '"')
}

// appendElement appends element1's text: the TC260:AIGC element holding
// the marshalled record val.
func appendElement(dst, prefix, val []byte) []byte {
	dst = append(append(append(dst, '<'), prefix...), ":AIGC>"...)
	dst = appendEscape(dst, val, 0)
	return append(append(append(dst, "</"...), prefix...), ":AIGC>"...)
}

// appendEscape appends s as XML text; quote, when non-zero, is the
// attribute's quote character, which must be escaped too.
func appendEscape(dst, s []byte, quote byte) []byte {
	for _, c := range s {
		switch {
		case c == '&':
			dst = append(dst, "&amp;"...)
		case c == '<':
			dst = append(dst, "&lt;"...)
		case c == '>':
			dst = append(dst, "&gt;"...)
		case c == '"' && quote == '"':
			dst = append(dst, "&quot;"...)
		case c == '\'' && quote == '\'':
			dst = append(dst, "&apos;"...)
		case quote != 0 && c == '\t':
			dst = append(dst, "&#x9;"...)
		case quote != 0 && c == '\n':
			dst = append(dst, "&#xA;"...)
		case quote != 0 && c == '\r':
			dst = append(dst, "&#xD;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendBuild appends Build(rec) to dst.
func AppendBuild(dst []byte, rec aigc.Record) []byte {
	var mb [512]byte
	val := rec.AppendMarshal(mb[:0])
	dst = append(dst, packetHead...)
	dst = append(dst, `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="`+nsRDF+`">`...)
	dst = append(dst, `<rdf:Description rdf:about="" xmlns:`+Prefix+`="`+NS+`">`...)
	dst = appendElement(dst, []byte(Prefix), val)
	dst = append(dst, `</rdf:Description></rdf:RDF></x:xmpmeta>`...)
	return append(dst, packetTail...)
}

// AppendUpdate appends Update(packet, rec) to dst. For the plain packets
// writers produce it allocates nothing (when dst has the room), so a
// carrier can update a packet in a buffer of its own.
func AppendUpdate(dst, packet []byte, rec aigc.Record) ([]byte, error) {
	if len(packet) <= MaxPacketSize {
		var fi fastInfo
		if fastParse(bytes.TrimRight(packet, "\x00"), &fi) {
			fi.b = packet // update edits the packet with its NULs
			return fi.appendUpdate(dst, &rec)
		}
	}
	out, err := update(packet, &rec)
	if err != nil {
		return nil, err
	}
	return append(dst, out...), nil
}

// AddRecords adds to one the value of every AIGC record of packet that
// Collect reports, in order. It allocates nothing for the plain packets
// writers produce: the labeler's verify-after-write reads the records of
// every file it writes.
func AddRecords(one *format.OneRecord, packet []byte) {
	if len(packet) <= MaxPacketSize {
		var fi fastInfo
		if fastParse(bytes.TrimRight(packet, "\x00"), &fi) {
			for i := range fi.recs[:fi.nrec] {
				one.Add(fi.value(fi.recs[i].value))
			}
			return
		}
	}
	info, _ := Parse(packet)
	for _, r := range info.Records {
		if r.fullEnd != 0 {
			one.Add(r.Value)
		}
	}
}

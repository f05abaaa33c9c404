package text

import (
	"bytes"
	"html"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// HTMLCodec carries the record as <meta name="AIGC" content="..."> in the
// document head, the compact Annex E object HTML-escaped in the attribute.
//
// Write replaces the first AIGC meta element in place (any attribute order,
// quoting or case of "aigc") and deletes any other. Without one it inserts the
// element on a new line right after the <head> start tag, indented like the
// line that follows, in the file's line ending style. Without a head it
// inserts <head><meta ...></head> right after the <html> start tag, or, without
// that, after a leading doctype (never before it: that would switch browsers
// to quirks mode), or at the start of the file after any byte-order mark.
// Comments and the raw text of script, style, textarea, title and similar
// elements are skipped, so a meta element quoted there is not taken for one.
type HTMLCodec struct{}

var _ format.Codec = HTMLCodec{}

// tag is one start tag found by scanHTML.
type tag struct {
	span
	name  string // lower case
	attrs []attr
}

type attr struct {
	name, value string // name lower case; value entity-decoded
}

func (t *tag) attr(name string) (string, bool) {
	for _, a := range t.attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

// isAIGC reports whether t is a meta element named AIGC (any case).
func (t *tag) isAIGC() bool {
	if t.name != "meta" {
		return false
	}
	n, _ := t.attr("name")
	return strings.EqualFold(strings.TrimSpace(n), "aigc")
}

// rawText lists the elements whose content is not markup.
var rawText = map[string]bool{
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true,
	"iframe": true, "noembed": true, "noframes": true, "plaintext": true,
}

// htmlDoc is what the scanner learns about a document.
type htmlDoc struct {
	tags    []tag // start tags of interest: meta, head, html
	doctype span  // a doctype that is the first markup, or the empty span at the start
	xhtml   bool  // an XML declaration or an xmlns attribute on <html>
}

// scanHTML tokenizes b just enough to find start tags outside comments and
// raw text. It never fails: unterminated constructs end the scan, as they end
// the document for a browser.
func scanHTML(b []byte) htmlDoc {
	var d htmlDoc
	start := 0
	if bytes.HasPrefix(b, bom) {
		start = len(bom)
	}
	d.doctype = span{start, start}
	sawMarkup := false
	i := start
	for i < len(b) {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			break
		}
		if !sawMarkup && len(bytes.TrimSpace(b[i:i+lt])) > 0 {
			sawMarkup = true
		}
		i += lt
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return d
			}
			i += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<!")) || bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return d
			}
			if hasPrefixFold(rest, "<?xml") {
				d.xhtml = true
			}
			if !sawMarkup && hasPrefixFold(rest, "<!doctype") {
				d.doctype = span{i, i + end + 1}
			}
			i += end + 1
		case len(rest) > 1 && rest[1] == '/':
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return d
			}
			i += end + 1
		case len(rest) > 1 && isLetter(rest[1]):
			t, ok := parseTag(b, i)
			if !ok {
				return d
			}
			sawMarkup = true
			switch t.name {
			case "meta", "head":
				d.tags = append(d.tags, t)
			case "html":
				d.tags = append(d.tags, t)
				if _, ok := t.attr("xmlns"); ok {
					d.xhtml = true
				}
			}
			i = t.end
			if rawText[t.name] {
				if t.name == "plaintext" {
					return d
				}
				end := indexFold(b[i:], "</"+t.name)
				if end < 0 {
					return d
				}
				i += end
			}
		default:
			i++
		}
	}
	return d
}

// parseTag parses the start tag at b[at] == '<'. It reports false when the
// tag is not closed by '>'.
func parseTag(b []byte, at int) (tag, bool) {
	t := tag{span: span{start: at}}
	i := at + 1
	n := i
	for i < len(b) && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	t.name = strings.ToLower(string(b[n:i]))
	for {
		for i < len(b) && (isSpace(b[i]) || b[i] == '/') {
			i++
		}
		if i >= len(b) {
			return t, false
		}
		if b[i] == '>' {
			t.end = i + 1
			return t, true
		}
		n := i
		i++ // an attribute name may start with '='
		for i < len(b) && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' && b[i] != '=' {
			i++
		}
		a := attr{name: strings.ToLower(string(b[n:i]))}
		j := i
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j < len(b) && b[j] == '=' {
			j++
			for j < len(b) && isSpace(b[j]) {
				j++
			}
			if j >= len(b) {
				return t, false
			}
			var v []byte
			if q := b[j]; q == '"' || q == '\'' {
				end := bytes.IndexByte(b[j+1:], q)
				if end < 0 {
					return t, false
				}
				v = b[j+1 : j+1+end]
				j += end + 2
			} else {
				k := j
				for j < len(b) && !isSpace(b[j]) && b[j] != '>' {
					j++
				}
				v = b[k:j]
			}
			a.value = html.UnescapeString(string(v))
			i = j
		}
		t.attrs = append(t.attrs, a)
	}
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// indexFold is bytes.Index ignoring ASCII case.
func indexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if hasPrefixFold(b[i:], s) {
			return i
		}
	}
	return -1
}

// Read returns every AIGC meta element (Payload: the content attribute,
// entity-decoded) and reports <meta name="generator"> as foreign provenance.
func (HTMLCodec) Read(b []byte) (*format.Metadata, error) {
	md := &format.Metadata{}
	for _, t := range scanHTML(b).tags {
		if t.name != "meta" {
			continue
		}
		name, _ := t.attr("name")
		name = strings.TrimSpace(name)
		content, _ := t.attr("content")
		switch {
		case strings.EqualFold(name, "aigc"):
			md.Records = append(md.Records, format.Slot{
				Kind: "html-meta", Offset: int64(t.start), Length: int64(t.end - t.start),
				Payload: []byte(content),
			})
		case strings.EqualFold(name, "generator"):
			md.Foreign = append(md.Foreign, format.Foreign{
				Kind: "generator", Offset: int64(t.start), Length: int64(t.end - t.start), Value: content,
			})
		}
	}
	return md, nil
}

// metaElement renders the record's element.
func metaElement(rec aigc.Record, xhtml bool) []byte {
	var e bytes.Buffer
	e.WriteString(`<meta name="AIGC" content="`)
	for _, c := range rec.Marshal() {
		switch c {
		case '&':
			e.WriteString("&amp;")
		case '"':
			e.WriteString("&quot;")
		case '<':
			e.WriteString("&lt;")
		case '>':
			e.WriteString("&gt;")
		default:
			e.WriteByte(c)
		}
	}
	if xhtml {
		e.WriteString(`" />`)
	} else {
		e.WriteString(`">`)
	}
	return e.Bytes()
}

// lineSpan widens an element's span to the line break and indentation before
// it when the element starts its line, so that deleting it leaves no blank
// line, and deleting what Write inserted ("\n<meta ...>") restores the input.
func lineSpan(b []byte, s span) span {
	i := s.start
	for i > 0 && (b[i-1] == ' ' || b[i-1] == '\t') {
		i--
	}
	if i > 0 && b[i-1] == '\n' {
		i--
		if i > 0 && b[i-1] == '\r' {
			i--
		}
		return span{i, s.end}
	}
	return s
}

// Write puts rec in the document's AIGC meta element, as described on
// HTMLCodec.
func (HTMLCodec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	d := scanHTML(b)
	el := metaElement(rec, d.xhtml)
	var edits []edit
	var head, root *tag
	for i := range d.tags {
		t := &d.tags[i]
		switch {
		case t.isAIGC():
			if len(edits) == 0 {
				edits = append(edits, edit{t.span, el})
			} else {
				edits = append(edits, edit{lineSpan(b, t.span), nil})
			}
		case t.name == "head" && head == nil:
			head = t
		case t.name == "html" && root == nil:
			root = t
		}
	}
	if len(edits) > 0 {
		return apply(b, edits), nil
	}
	switch {
	case head != nil:
		ins := append([]byte(newline(b)+indentAfter(b, head.end)), el...)
		return apply(b, []edit{{span{head.end, head.end}, ins}}), nil
	case root != nil:
		return apply(b, []edit{{span{root.end, root.end}, createdHead(el)}}), nil
	default:
		at := d.doctype.end
		return apply(b, []edit{{span{at, at}, createdHead(el)}}), nil
	}
}

// indentAfter returns the indentation of the line after a line break at b[i],
// so that an element inserted there lines up with the head's children.
func indentAfter(b []byte, i int) string {
	if i < len(b) && b[i] == '\r' {
		i++
	}
	if i >= len(b) || b[i] != '\n' {
		return ""
	}
	j := i + 1
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	return string(b[i+1 : j])
}

// createdHead wraps el in the head element Write creates when there is none.
func createdHead(el []byte) []byte {
	h := make([]byte, 0, len(el)+13)
	h = append(h, "<head>"...)
	h = append(h, el...)
	return append(h, "</head>"...)
}

// ContentHash hashes the document without its AIGC meta elements: each is
// removed together with the line break and indentation before it when it
// starts its line; then a head element left holding only white space (the one
// Write creates, or an empty one the input had) is removed too. So the input
// of Write and its output hash the same, and relabeling keeps the hash.
func (HTMLCodec) ContentHash(b []byte) ([32]byte, error) {
	var spans []span
	for _, t := range scanHTML(b).tags {
		if t.isAIGC() {
			spans = append(spans, lineSpan(b, t.span))
		}
	}
	c := cut(b, spans)
	for _, t := range scanHTML(c).tags {
		if t.name != "head" {
			continue
		}
		j := t.end
		for j < len(c) && isSpace(c[j]) {
			j++
		}
		if hasPrefixFold(c[j:], "</head") {
			k := j + len("</head")
			for k < len(c) && isSpace(c[k]) {
				k++
			}
			if k < len(c) && c[k] == '>' {
				c = cut(c, []span{{t.start, k + 1}})
			}
		}
		break
	}
	return sum(c), nil
}

package text

import (
	"bytes"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// MarkdownCodec carries the record in YAML front matter, as a top-level AIGC
// mapping of the seven fields with single-quoted values (the shape StepFun
// writes):
//
//	---
//	AIGC:
//	  Label: '1'
//	  ContentProducer: '001191310104MACE0YX63918020'
//	  ...
//	---
//
// Front matter is the block opened by a "---" line at the very start of the
// file (after an optional byte-order mark) and closed by the next "---" or
// "..." line. Write replaces the first top-level AIGC key with its block,
// deletes any other, and otherwise adds the block at the end of existing front
// matter, or adds front matter holding only it. Every other byte of the front
// matter and the body is kept; a CRLF file gets CRLF lines.
//
// Read parses the AIGC block leniently with a small YAML subset (block
// mappings, single- and double-quoted, plain and block scalars, JSON flow
// values; see yamlToJSON) and hands aigc.Parse the equivalent JSON, so that
// YAML plain scalars such as Label: 1 show up as the non-string values they
// are.
type MarkdownCodec struct{}

var _ format.Codec = MarkdownCodec{}

// line is one line of the input: b[start:end] is its text without the line
// break, next is where the following line starts.
type line struct{ start, end, next int }

func (l line) text(b []byte) []byte { return b[l.start:l.end] }

// splitLines splits b[from:to] into lines; a trailing CR is not part of the
// text.
func splitLines(b []byte, from, to int) []line {
	var ls []line
	for i := from; i < to; {
		j := bytes.IndexByte(b[i:to], '\n')
		l := line{start: i}
		if j < 0 {
			l.end, l.next = to, to
		} else {
			l.end, l.next = i+j, i+j+1
		}
		if l.end > l.start && b[l.end-1] == '\r' {
			l.end--
		}
		ls = append(ls, l)
		i = l.next
	}
	return ls
}

// frontMatter locates YAML front matter.
type frontMatter struct {
	open  line   // the opening "---" line
	close line   // the closing "---" or "..." line
	body  []line // the lines between them
}

// findFrontMatter returns the front matter of b, nil when there is none, or a
// FormatError when it is opened but never closed.
func findFrontMatter(b []byte) (*frontMatter, error) {
	start := 0
	if bytes.HasPrefix(b, bom) {
		start = len(bom)
	}
	first := splitLines(b, start, min(len(b), start+64))
	if len(first) == 0 || string(bytes.TrimRight(first[0].text(b), " \t")) != "---" || first[0].next == first[0].end {
		return nil, nil
	}
	fm := &frontMatter{open: first[0]}
	for _, l := range splitLines(b, fm.open.next, len(b)) {
		t := string(bytes.TrimRight(l.text(b), " \t"))
		if t == "---" || t == "..." {
			fm.close = l
			return fm, nil
		}
		fm.body = append(fm.body, l)
	}
	return nil, format.Errorf(format.Markdown, int64(start),
		"YAML front matter opened by the \"---\" line at offset %d is never closed by a \"---\" or \"...\" line", start)
}

// hasTOML reports whether b starts with TOML front matter ("+++").
func hasTOML(b []byte) bool {
	b = bytes.TrimPrefix(b, bom)
	return bytes.HasPrefix(b, []byte("+++\n")) || bytes.HasPrefix(b, []byte("+++\r\n"))
}

// aigcBlock is a top-level AIGC key with its value lines.
type aigcBlock struct {
	lines []line // key line first
}

func (k aigcBlock) span() span { return span{k.lines[0].start, k.lines[len(k.lines)-1].next} }

// aigcBlocks finds every top-level key named AIGC (any case, quoted or not).
// A key's block runs over the following indented and blank lines; blank
// lines at its end are not part of it.
func aigcBlocks(b []byte, fm *frontMatter) []aigcBlock {
	var blocks []aigcBlock
	for i := 0; i < len(fm.body); i++ {
		l := fm.body[i]
		key, _, ok := topKey(l.text(b))
		if !ok || !strings.EqualFold(key, "AIGC") {
			continue
		}
		blk := aigcBlock{lines: []line{l}}
		last := i
		for j := i + 1; j < len(fm.body); j++ {
			t := fm.body[j].text(b)
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			if t[0] != ' ' && t[0] != '\t' {
				break
			}
			last = j
		}
		blk.lines = append(blk.lines, fm.body[i+1:last+1]...)
		blocks = append(blocks, blk)
		i = last
	}
	return blocks
}

// topKey parses a top-level mapping key line "key: rest". It reports false for
// indented lines, comments, sequence entries and lines without a key.
func topKey(t []byte) (key string, rest []byte, ok bool) {
	if len(t) == 0 || t[0] == ' ' || t[0] == '\t' || t[0] == '#' || t[0] == '-' {
		return "", nil, false
	}
	return splitKey(t)
}

// splitKey splits "key: rest" (key plain, single- or double-quoted).
func splitKey(t []byte) (key string, rest []byte, ok bool) {
	if len(t) > 0 && (t[0] == '"' || t[0] == '\'') {
		end := bytes.IndexByte(t[1:], t[0])
		if end < 0 {
			return "", nil, false
		}
		key = string(t[1 : 1+end])
		t = bytes.TrimLeft(t[2+end:], " \t")
		if len(t) == 0 || t[0] != ':' {
			return "", nil, false
		}
		return key, t[1:], true
	}
	for i := 0; i < len(t); i++ {
		if t[i] == ':' && (i+1 == len(t) || t[i+1] == ' ' || t[i+1] == '\t') {
			return strings.TrimRight(string(t[:i]), " \t"), t[i+1:], true
		}
		if t[i] == '#' && i > 0 && (t[i-1] == ' ' || t[i-1] == '\t') {
			return "", nil, false
		}
	}
	return "", nil, false
}

// Read returns every AIGC block of the front matter. Its Payload is JSON
// built from the YAML (see yamlToJSON). Front matter that is opened but not
// closed, and an AIGC block that is not valid YAML, are FormatErrors.
func (MarkdownCodec) Read(b []byte) (*format.Metadata, error) {
	md := &format.Metadata{}
	fm, err := findFrontMatter(b)
	if err != nil || fm == nil {
		return md, err
	}
	for _, blk := range aigcBlocks(b, fm) {
		payload, err := yamlToJSON(b, blk.lines)
		if err != nil {
			return nil, err
		}
		s := blk.span()
		md.Records = append(md.Records, format.Slot{
			Kind: "yaml-front-matter", Offset: int64(s.start), Length: int64(s.end - s.start),
			Payload: payload,
		})
	}
	return md, nil
}

// yamlBlock renders the AIGC block with line ending nl.
func yamlBlock(rec aigc.Record, nl string) []byte {
	var e bytes.Buffer
	e.WriteString("AIGC:" + nl)
	for i, v := range rec.Values() {
		e.WriteString("  " + aigc.FieldNames[i] + ": ")
		writeYAMLString(&e, v)
		e.WriteString(nl)
	}
	return e.Bytes()
}

// writeYAMLString writes v single-quoted, or double-quoted with escapes when
// it holds characters a single-quoted scalar cannot (control characters, and
// line breaks, which it would fold).
func writeYAMLString(e *bytes.Buffer, v string) {
	plain := true
	for _, c := range v {
		if c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF {
			plain = false
			break
		}
	}
	if plain {
		e.WriteByte('\'')
		e.WriteString(strings.ReplaceAll(v, "'", "''"))
		e.WriteByte('\'')
		return
	}
	e.WriteByte('"')
	for _, c := range v {
		switch {
		case c == '"' || c == '\\':
			e.WriteByte('\\')
			e.WriteRune(c)
		case c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF:
			const hex = "0123456789ABCDEF"
			e.WriteString(`\u`)
			e.WriteByte(hex[c>>12&15])
			e.WriteByte(hex[c>>8&15])
			e.WriteByte(hex[c>>4&15])
			e.WriteByte(hex[c&15])
		default:
			e.WriteRune(c)
		}
	}
	e.WriteByte('"')
}

// Write puts rec in the front matter, as described on MarkdownCodec.
func (MarkdownCodec) Write(b []byte, rec aigc.Record) ([]byte, error) {
	if hasTOML(b) {
		return nil, &format.UnsupportedError{Format: format.Markdown, Msg: "TOML front matter (+++) cannot hold the AIGC record; convert it to YAML front matter"}
	}
	fm, err := findFrontMatter(b)
	if err != nil {
		return nil, err
	}
	nl := newline(b)
	blk := yamlBlock(rec, nl)
	if fm == nil {
		at := 0
		if bytes.HasPrefix(b, bom) {
			at = len(bom)
		}
		fmText := append(append([]byte("---"+nl), blk...), "---"+nl...)
		return apply(b, []edit{{span{at, at}, fmText}}), nil
	}
	var edits []edit
	for i, k := range aigcBlocks(b, fm) {
		if i == 0 {
			edits = append(edits, edit{k.span(), blk})
		} else {
			edits = append(edits, edit{k.span(), nil})
		}
	}
	if len(edits) == 0 {
		at := fm.close.start // every body line ends with a break: a fence follows
		edits = append(edits, edit{span{at, at}, blk})
	}
	return apply(b, edits), nil
}

// ContentHash hashes the file without its AIGC blocks; front matter left with
// nothing but blank lines (the one Write creates, or an empty one the input
// had) is removed too, fences included. So the input of Write and its output
// hash the same, and relabeling keeps the hash.
func (MarkdownCodec) ContentHash(b []byte) ([32]byte, error) {
	fm, err := findFrontMatter(b)
	if err != nil {
		return [32]byte{}, err
	}
	if fm == nil {
		return sum(b), nil
	}
	var spans []span
	blocks := aigcBlocks(b, fm)
	for _, k := range blocks {
		spans = append(spans, k.span())
	}
	empty := true
	bi := 0
	for _, l := range fm.body {
		if bi < len(blocks) && l.start >= blocks[bi].span().end {
			bi++
		}
		inBlock := bi < len(blocks) && l.start >= blocks[bi].span().start && l.start < blocks[bi].span().end
		if !inBlock && len(bytes.TrimSpace(l.text(b))) > 0 {
			empty = false
			break
		}
	}
	if empty {
		spans = []span{{fm.open.start, fm.close.next}}
	}
	return sum(cut(b, spans)), nil
}

package text

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// maxYAMLDepth bounds the nesting of mappings in an AIGC block: the record is
// flat, and ReservedCode values nested one or two levels are all that is seen.
const maxYAMLDepth = 16

// yamlToJSON converts the AIGC block (lines[0] is the "AIGC:" key line) into
// JSON for aigc.Parse. It understands the YAML a person or a generator writes
// for this mapping: block mappings (nested ones become JSON objects, key order
// and duplicate keys kept so that aigc.Parse can report them), single- and
// double-quoted scalars (also across lines, folded as YAML folds them), plain
// scalars, literal and folded block scalars (| and >, with chomping), comments,
// and flow values ({...} or [...]) that are valid JSON. Plain scalars that
// YAML's core schema reads as numbers, booleans or null become those JSON
// values. Sequences, anchors, aliases and tags are not supported: they are a
// FormatError naming the line's offset.
func yamlToJSON(b []byte, lines []line) ([]byte, error) {
	_, rest, ok := splitKey(lines[0].text(b))
	if !ok {
		return nil, format.Errorf(format.Markdown, int64(lines[0].start), "expected \"AIGC:\"")
	}
	c := yconv{b: b, ls: lines, i: 1}
	if err := c.value(rest, lines[0].end-len(rest), 0, 0); err != nil {
		return nil, err
	}
	if c.i < len(c.ls) {
		if j := c.nextContent(); j < len(c.ls) {
			return nil, c.errAt(c.ls[j].start, "unexpected content in the AIGC block")
		}
	}
	return c.out.Bytes(), nil
}

type yconv struct {
	b   []byte
	ls  []line
	i   int // next line to read
	out bytes.Buffer
}

func (c *yconv) errAt(off int, msg string, args ...any) error {
	return format.Errorf(format.Markdown, int64(off), "YAML front matter: "+msg, args...)
}

// indentOf returns the number of leading spaces and tabs of t.
func indentOf(t []byte) int {
	n := 0
	for n < len(t) && (t[n] == ' ' || t[n] == '\t') {
		n++
	}
	return n
}

// blankOrComment reports whether t holds nothing but white space or a comment.
func blankOrComment(t []byte) bool {
	t = bytes.TrimLeft(t, " \t")
	return len(t) == 0 || t[0] == '#'
}

// nextContent returns the index of the next line from c.i that is neither
// blank nor a comment, or len(c.ls).
func (c *yconv) nextContent() int {
	j := c.i
	for j < len(c.ls) && blankOrComment(c.ls[j].text(c.b)) {
		j++
	}
	return j
}

// value converts the value of a key indented by indent; rest is what follows
// the colon on the key's line, starting at byte offset off.
func (c *yconv) value(rest []byte, off, indent, depth int) error {
	if depth > maxYAMLDepth {
		return c.errAt(off, "mappings nested deeper than %d levels", maxYAMLDepth)
	}
	lead := indentOf(rest)
	rest, off = rest[lead:], off+lead
	if len(rest) == 0 || rest[0] == '#' {
		j := c.nextContent()
		if j == len(c.ls) {
			c.out.WriteString("null")
			return nil
		}
		t := c.ls[j].text(c.b)
		n := indentOf(t)
		if n <= indent {
			c.out.WriteString("null")
			return nil
		}
		content := t[n:]
		if content[0] == '-' && (len(content) == 1 || content[1] == ' ' || content[1] == '\t') {
			return c.errAt(c.ls[j].start+n, "YAML sequences are not supported in the AIGC block")
		}
		c.i = j
		if _, _, ok := splitKey(content); ok {
			return c.mapping(n, depth+1)
		}
		c.i++
		return c.scalar(content, c.ls[j].start+n, indent)
	}
	return c.scalar(rest, off, indent)
}

// mapping converts the block mapping whose keys are indented by n.
func (c *yconv) mapping(n, depth int) error {
	c.out.WriteByte('{')
	first := true
	for {
		j := c.nextContent()
		if j == len(c.ls) {
			break
		}
		l := c.ls[j]
		t := l.text(c.b)
		ind := indentOf(t)
		if ind < n {
			break
		}
		if ind > n {
			return c.errAt(l.start+ind, "unexpected indentation")
		}
		key, rest, ok := splitKey(t[ind:])
		if !ok {
			if t[ind] == '-' {
				return c.errAt(l.start+ind, "YAML sequences are not supported in the AIGC block")
			}
			return c.errAt(l.start+ind, "expected \"key: value\"")
		}
		if !first {
			c.out.WriteByte(',')
		}
		first = false
		writeJSONString(&c.out, key)
		c.out.WriteByte(':')
		c.i = j + 1
		if err := c.value(rest, l.end-len(rest), n, depth); err != nil {
			return err
		}
	}
	c.out.WriteByte('}')
	return nil
}

// scalar converts a scalar starting with s (at offset off) whose
// continuation lines must be indented more than indent.
func (c *yconv) scalar(s []byte, off, indent int) error {
	switch s[0] {
	case '\'', '"':
		v, err := c.quoted(s, off, indent)
		if err != nil {
			return err
		}
		writeJSONString(&c.out, v)
		return nil
	case '{', '[':
		return c.flow(s, off, indent)
	case '|', '>':
		v, err := c.block(s, off, indent)
		if err != nil {
			return err
		}
		writeJSONString(&c.out, string(v))
		return nil
	case '&', '*', '!':
		return c.errAt(off, "YAML anchors, aliases and tags are not supported in the AIGC block")
	}
	v := c.plain(s, indent)
	if lit, ok := coreSchema(v); ok {
		c.out.WriteString(lit)
	} else {
		writeJSONString(&c.out, v)
	}
	return nil
}

// continuation returns the next line when it continues a scalar whose key is
// indented by indent (it is blank or indented more), advancing past it.
func (c *yconv) continuation(indent int) (line, bool) {
	if c.i >= len(c.ls) {
		return line{}, false
	}
	l := c.ls[c.i]
	t := l.text(c.b)
	if len(bytes.TrimSpace(t)) > 0 && indentOf(t) <= indent {
		return line{}, false
	}
	c.i++
	return l, true
}

// quoted reads a single- or double-quoted scalar, folding line breaks as YAML
// does: a single break becomes a space, each blank line a newline.
func (c *yconv) quoted(s []byte, off, indent int) (string, error) {
	q := s[0]
	var v bytes.Buffer
	cur, curOff := s[1:], off+1
	for {
		i := 0
		for i < len(cur) {
			ch := cur[i]
			switch {
			case ch == q && q == '\'' && i+1 < len(cur) && cur[i+1] == '\'':
				v.WriteByte('\'')
				i += 2
				continue
			case ch == q:
				tail := bytes.TrimLeft(cur[i+1:], " \t")
				if len(tail) > 0 && tail[0] != '#' {
					return "", c.errAt(curOff+i+1, "unexpected text after a quoted value")
				}
				return v.String(), nil
			case ch == '\\' && q == '"':
				if i+1 == len(cur) { // escaped line break: join without a space
					l, ok := c.continuation(indent)
					if !ok {
						return "", c.errAt(curOff+i, "unterminated double-quoted value")
					}
					t := l.text(c.b)
					k := indentOf(t)
					cur, curOff = t[k:], l.start+k
					i = 0
					continue
				}
				n, err := unescape(&v, cur[i+1:])
				if err != nil {
					return "", c.errAt(curOff+i, "%v", err)
				}
				i += 1 + n
				continue
			}
			v.WriteByte(ch)
			i++
		}
		// The line ended inside the quotes: fold.
		trimTrailingBlanks(&v)
		breaks := 0
		for {
			l, ok := c.continuation(indent)
			if !ok {
				return "", c.errAt(off, "unterminated quoted value")
			}
			t := l.text(c.b)
			k := indentOf(t)
			if k == len(t) {
				breaks++
				continue
			}
			if breaks == 0 {
				v.WriteByte(' ')
			}
			for ; breaks > 0; breaks-- {
				v.WriteByte('\n')
			}
			cur, curOff = t[k:], l.start+k
			break
		}
	}
}

func trimTrailingBlanks(v *bytes.Buffer) {
	b := v.Bytes()
	n := len(b)
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	v.Truncate(n)
}

// unescape decodes the YAML double-quoted escape at the start of s (after the
// backslash) into v and returns its length.
func unescape(v *bytes.Buffer, s []byte) (int, error) {
	simple := map[byte]string{
		'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v",
		'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\",
		'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
	}
	if r, ok := simple[s[0]]; ok {
		v.WriteString(r)
		return 1, nil
	}
	digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[0]]
	if digits == 0 || len(s) < 1+digits {
		return 0, errorString("invalid escape in a double-quoted value")
	}
	n, err := strconv.ParseUint(string(s[1:1+digits]), 16, 32)
	if err != nil || !utf8.ValidRune(rune(n)) {
		return 0, errorString("invalid escape in a double-quoted value")
	}
	v.WriteRune(rune(n))
	return 1 + digits, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// plain reads a plain scalar: the rest of the line up to a comment, folded
// with continuation lines indented more than its key (indent).
func (c *yconv) plain(s []byte, indent int) string {
	var v bytes.Buffer
	v.Write(bytes.TrimRight(stripComment(s), " \t"))
	breaks := 0
	for c.i < len(c.ls) {
		t := c.ls[c.i].text(c.b)
		k := indentOf(t)
		if k == len(t) {
			breaks++
			c.i++
			continue
		}
		if k <= indent || t[k] == '#' {
			break
		}
		if breaks == 0 {
			v.WriteByte(' ')
		}
		for ; breaks > 0; breaks-- {
			v.WriteByte('\n')
		}
		v.Write(bytes.TrimRight(stripComment(t[k:]), " \t"))
		c.i++
	}
	return v.String()
}

// stripComment cuts a " #" comment from a plain scalar's line.
func stripComment(s []byte) []byte {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// isJSONNumber reports whether v is a number as JSON writes it,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, checked by hand rather than
// with regexp (which would add about 130 KB to the browser module's gzip
// size). Every such number is also a YAML core-schema int or float.
func isJSONNumber(v string) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(v) && v[i] == '-' {
		i++
	}
	if i < len(v) && v[i] == '0' {
		i++
	} else if i >= len(v) || v[i] < '1' || v[i] > '9' {
		return false
	} else {
		digits()
	}
	if i < len(v) && v[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(v)
}

// coreSchema returns the JSON literal of a plain scalar that YAML's core
// schema reads as null, a boolean or a number written the way JSON writes it.
// Numbers JSON cannot write as they are (+1, 007, .5) stay strings.
func coreSchema(v string) (string, bool) {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return "null", true
	case "true", "True", "TRUE":
		return "true", true
	case "false", "False", "FALSE":
		return "false", true
	}
	if isJSONNumber(v) {
		return v, true
	}
	return "", false
}

// flow accepts a flow collection that is valid JSON, joined across
// continuation lines.
func (c *yconv) flow(s []byte, off, indent int) error {
	var v bytes.Buffer
	v.Write(s)
	for {
		if json.Valid(bytes.TrimSpace(stripComment(v.Bytes()))) {
			return json.Compact(&c.out, bytes.TrimSpace(stripComment(v.Bytes())))
		}
		if json.Valid(bytes.TrimSpace(v.Bytes())) {
			return json.Compact(&c.out, bytes.TrimSpace(v.Bytes()))
		}
		l, ok := c.continuation(indent)
		if !ok {
			return c.errAt(off, "flow value is not valid JSON (only JSON-compatible flow collections are supported)")
		}
		v.WriteByte(' ')
		v.Write(bytes.TrimSpace(l.text(c.b)))
	}
}

// block reads a literal (|) or folded (>) block scalar with its header s.
func (c *yconv) block(s []byte, off, indent int) ([]byte, error) {
	literal := s[0] == '|'
	chomp := byte(0)
	explicit := 0
	h := stripComment(s[1:])
	for _, ch := range bytes.TrimRight(h, " \t") {
		switch {
		case (ch == '-' || ch == '+') && chomp == 0:
			chomp = ch
		case ch >= '1' && ch <= '9' && explicit == 0:
			explicit = int(ch - '0')
		default:
			return nil, c.errAt(off, "invalid block scalar header %q", s)
		}
	}
	var raw [][]byte
	contentIndent := 0
	if explicit > 0 {
		contentIndent = indent + explicit
	}
	for {
		l, ok := c.continuation(indent)
		if !ok {
			break
		}
		t := l.text(c.b)
		k := indentOf(t)
		if k == len(t) {
			raw = append(raw, nil)
			continue
		}
		if contentIndent == 0 {
			contentIndent = k
		}
		if k < contentIndent {
			c.i--
			break
		}
		raw = append(raw, t[contentIndent:])
	}
	trailing := 0
	for len(raw) > 0 && raw[len(raw)-1] == nil {
		raw = raw[:len(raw)-1]
		trailing++
	}
	var v bytes.Buffer
	prevText := false
	for i, r := range raw {
		switch {
		case literal:
			if i > 0 {
				v.WriteByte('\n')
			}
			v.Write(r)
		case r == nil:
			v.WriteByte('\n')
			prevText = false
		default:
			if prevText {
				v.WriteByte(' ')
			}
			v.Write(r)
			prevText = true
		}
	}
	switch {
	case len(raw) == 0:
	case chomp == '-':
	case chomp == '+':
		v.WriteByte('\n')
		for ; trailing > 0; trailing-- {
			v.WriteByte('\n')
		}
	default:
		v.WriteByte('\n')
	}
	return v.Bytes(), nil
}

// writeJSONString writes s as a JSON string (invalid UTF-8 is replaced, as
// encoding/json does).
func writeJSONString(out *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	out.Write(enc)
}

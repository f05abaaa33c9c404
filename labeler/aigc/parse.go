package aigc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"strconv"
)

// MaxRecordSize bounds the bytes Parse accepts. The largest records seen in the
// wild (two SecurityData objects with keys and signatures) are under 4 KiB.
const MaxRecordSize = 64 << 10

// SyntaxError reports JSON that is not an AIGC record at all.
type SyntaxError struct {
	Offset int64 // byte offset in the parsed text, when known
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("aigc: invalid record at offset %d: %s", e.Offset, e.Msg)
}

// Problem is a deviation from Annex E found while parsing: the record was read,
// but a strict reader would object.
type Problem struct {
	Field string // the field concerned, or "" for the record as a whole
	Msg   string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Msg
	}
	return p.Field + ": " + p.Msg
}

// Parse reads an AIGC record leniently: the wrapped {"AIGC":{...}} and the bare
// form, any key order, whitespace, a record nested as a JSON string, values that
// are not strings, and text that was HTML-entity-escaped once too often. Every
// such deviation is reported as a Problem; err is non-nil only when data holds no
// record.
func Parse(data []byte) (rec Record, problems []Problem, err error) {
	if len(data) > MaxRecordSize {
		return rec, nil, &SyntaxError{Msg: fmt.Sprintf("%d bytes exceeds the %d-byte limit", len(data), MaxRecordSize)}
	}
	data = bytes.Trim(data, " \t\r\n\x00")
	if !json.Valid(data) && bytes.Contains(data, []byte("&quot;")) {
		unescaped := []byte(html.UnescapeString(string(data)))
		if json.Valid(unescaped) {
			problems = append(problems, Problem{Msg: "JSON is HTML-entity-escaped"})
			data = unescaped
		}
	}
	p := parser{dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	rec, err = p.top(0)
	return rec, append(problems, p.problems...), err
}

type parser struct {
	dec      *json.Decoder
	problems []Problem
}

func (p *parser) fail(msg string) error {
	return &SyntaxError{Offset: p.dec.InputOffset(), Msg: msg}
}

func (p *parser) note(field, format string, args ...any) {
	p.problems = append(p.problems, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// top parses the outer value: the bare object, the wrapped one, or (depth-limited)
// a JSON string holding either.
func (p *parser) top(depth int) (Record, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return Record{}, p.fail(jsonMsg(err))
	}
	if s, ok := tok.(string); ok && depth == 0 {
		p.note("", "record is a JSON string holding JSON")
		inner := parser{dec: json.NewDecoder(bytes.NewReader([]byte(s)))}
		inner.dec.UseNumber()
		rec, err := inner.top(depth + 1)
		p.problems = append(p.problems, inner.problems...)
		return rec, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return Record{}, p.fail("expected a JSON object")
	}
	return p.object(depth)
}

// object parses the members of an object whose '{' was consumed.
func (p *parser) object(depth int) (Record, error) {
	var rec Record
	seen := map[string]bool{}
	var order []string
	wrapped := false
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return rec, p.fail(jsonMsg(err))
		}
		key, _ := tok.(string)
		if key == "AIGC" && depth < 2 && len(seen) == 0 {
			tok, err := p.dec.Token()
			if err != nil {
				return rec, p.fail(jsonMsg(err))
			}
			switch t := tok.(type) {
			case json.Delim:
				if t != '{' {
					return rec, p.fail(`"AIGC" must hold an object`)
				}
				rec, err = p.object(depth + 1)
			case string:
				p.note("", `"AIGC" holds the record as a JSON string`)
				inner := parser{dec: json.NewDecoder(bytes.NewReader([]byte(t)))}
				inner.dec.UseNumber()
				rec, err = inner.top(depth + 1)
				p.problems = append(p.problems, inner.problems...)
			default:
				return rec, p.fail(`"AIGC" must hold an object`)
			}
			if err != nil {
				return rec, err
			}
			wrapped = true
			seen["AIGC"] = true
			continue
		}
		val, err := p.value(key)
		if err != nil {
			return rec, err
		}
		f := rec.field(key)
		if f == nil {
			p.note(key, "unknown field")
			continue
		}
		if seen[key] {
			p.note(key, "duplicate key; the last value is used")
		}
		seen[key] = true
		order = append(order, key)
		*f = val
	}
	if _, err := p.dec.Token(); err != nil {
		return rec, p.fail(jsonMsg(err))
	}
	if wrapped {
		if len(seen) > 1 {
			p.note("", `members beside "AIGC" in the wrapper are ignored`)
		}
		return rec, nil
	}
	if len(order) == 0 {
		return rec, p.fail("no AIGC field found")
	}
	p.checkKeys(seen, order)
	return rec, nil
}

func (p *parser) checkKeys(seen map[string]bool, order []string) {
	for _, name := range FieldNames {
		if !seen[name] {
			p.note(name, "missing")
		}
	}
	next := 0
	for _, k := range order {
		for next < len(FieldNames) && FieldNames[next] != k {
			next++
		}
		if next == len(FieldNames) {
			p.note("", "fields are not in Annex E order")
			return
		}
	}
}

// value reads one member value and renders it as the string Annex E requires.
func (p *parser) value(field string) (string, error) {
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return "", p.fail(jsonMsg(err))
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", p.fail(jsonMsg(err))
		}
		return s, nil
	case 'n':
		p.note(field, "value is null, not a string")
		return "", nil
	case '{', '[':
		p.note(field, "value is a JSON object or array, not a string")
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", p.fail(jsonMsg(err))
		}
		return b.String(), nil
	default:
		p.note(field, "value is %s, not a string", string(raw))
		if s, err := strconv.Unquote(`"` + string(raw) + `"`); err == nil {
			return s, nil
		}
		return string(raw), nil
	}
}

func jsonMsg(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of JSON"
	}
	return err.Error()
}

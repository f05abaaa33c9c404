package aigc

import "bytes"

// AppendMarshal appends the bytes Marshal returns to b and returns the
// extended buffer: with a buffer of its own, a caller (the labeler's
// verify-after-write) marshals without allocating.
func (r *Record) AppendMarshal(b []byte) []byte {
	b = append(b, '{')
	for i, v := range r.Values() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, FieldNames[i]...)
		b = append(b, `":`...)
		b = appendString(b, v)
	}
	return append(b, '}')
}

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// IsRecord reports whether Parse reads a record from data (returns no
// error). Carriers use it to tell an AIGC record from other text in a
// shared slot (EXIF UserComment, XMP exif:UserComment). The records real
// files carry, a flat object of string values or one wrapped in
// {"AIGC":...}, are recognized by a small scanner without allocating;
// anything else is left to Parse.
func IsRecord(data []byte) bool {
	if ok, sure := quickRecord(data); sure {
		return ok
	}
	// A copy keeps data from escaping (to the JSON decoder), which lets
	// callers pass bytes on their stack.
	_, _, err := Parse(bytes.Clone(data))
	return err == nil
}

// quickRecord decides what Parse's error would be for the common record
// shapes: sure is true only when data, trimmed as Parse trims it, is exactly
// a JSON object whose members are all strings with plain keys, or such an
// object as the only member "AIGC" of a wrapper. Then Parse takes none of
// its lenient paths, and ok reports what it reports: at least one of the
// seven field names among the keys. FuzzQuickRecord holds the two to
// agreement.
func quickRecord(data []byte) (ok, sure bool) {
	if len(data) > MaxRecordSize {
		return false, true
	}
	data = bytes.Trim(data, " \t\r\n\x00")
	o := skipWS(data, 0)
	if o >= len(data) || data[o] != '{' {
		return false, false
	}
	p := skipWS(data, o+1)
	if p < len(data) && data[p] == '"' {
		if key, q, good := plainKey(data, p); good && string(key) == "AIGC" {
			q = skipWS(data, q)
			if q >= len(data) || data[q] != ':' {
				return false, false
			}
			q = skipWS(data, q+1)
			if q >= len(data) || data[q] != '{' {
				return false, false // a string or other value: Parse's lenient paths
			}
			found, q, good := flatObject(data, q)
			if !good {
				return false, false
			}
			q = skipWS(data, q)
			if q >= len(data) || data[q] != '}' || skipWS(data, q+1) != len(data) {
				return false, false
			}
			return found, true
		}
	}
	found, q, good := flatObject(data, o)
	if !good || skipWS(data, q) != len(data) {
		return false, false
	}
	return found, true
}

// flatObject reads the object at data[p] ('{'), whose values must all be
// strings and keys plain (no escapes). A key "AIGC" before any field name
// is a wrapper to Parse, left to it. It returns whether a field name was
// among the keys and the offset after '}'.
func flatObject(data []byte, p int) (found bool, end int, good bool) {
	p = skipWS(data, p+1)
	if p < len(data) && data[p] == '}' {
		return false, p + 1, true
	}
	for {
		if p >= len(data) || data[p] != '"' {
			return false, 0, false
		}
		key, q, ok := plainKey(data, p)
		if !ok || !found && string(key) == "AIGC" {
			return false, 0, false
		}
		for _, name := range FieldNames {
			if string(key) == name {
				found = true
			}
		}
		q = skipWS(data, q)
		if q >= len(data) || data[q] != ':' {
			return false, 0, false
		}
		q = skipWS(data, q+1)
		if q, ok = jsonString(data, q); !ok {
			return false, 0, false
		}
		q = skipWS(data, q)
		if q >= len(data) {
			return false, 0, false
		}
		switch data[q] {
		case '}':
			return found, q + 1, true
		case ',':
			p = skipWS(data, q+1)
		default:
			return false, 0, false
		}
	}
}

// plainKey returns the content of the string at data[p] ('"') when it has
// no escape, and the offset after its closing quote.
func plainKey(data []byte, p int) (key []byte, end int, ok bool) {
	for i := p + 1; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return data[p+1 : i], i + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// jsonString checks the JSON string at data[p] as encoding/json's scanner
// does (no control characters, valid escapes; any other byte is accepted)
// and returns the offset after it.
func jsonString(data []byte, p int) (int, bool) {
	if p >= len(data) || data[p] != '"' {
		return 0, false
	}
	for i := p + 1; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if i+1 >= len(data) {
				return 0, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 >= len(data) {
					return 0, false
				}
				for _, h := range data[i+2 : i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return 0, false
					}
				}
				i += 5
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

func skipWS(data []byte, p int) int {
	for p < len(data) && (data[p] == ' ' || data[p] == '\t' || data[p] == '\n' || data[p] == '\r') {
		p++
	}
	return p
}

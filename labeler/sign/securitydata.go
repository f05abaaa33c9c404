package sign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// MaxSecurityDataSize bounds what ParseSecurityData reads: 16 times the
// largest ReservedCode aigclabel writes or has seen (aigc.MaxReservedLen).
const MaxSecurityDataSize = 64 << 10

// maxEntries bounds the PubSD and Bindings arrays (real files hold 2 to 3).
const maxEntries = 32

// SecurityData is the TC260-PG-202511A security-data object as read from a
// ReservedCode value, in any of the shapes real providers write. Entries keep
// their order; unknown members are ignored.
type SecurityData struct {
	// Type is "TC260PG" (trimmed: Tencent writes " TC260PG").
	Type string
	// Version is the Version member as written (MiniMax and aigclabel: 1).
	Version string
	// Wrapped reports whether the object was wrapped as {"SecurityData":{...}}
	// (MiniMax, StepFun, Honor, aigclabel) or bare (Tencent).
	Wrapped bool
	// PubSD holds the public security data: signatures ("DS") and keys
	// ("PubKey"). The misspelling PubSd (Honor) is accepted.
	PubSD []Entry
	// Bindings holds the content bindings (hashes).
	Bindings []Entry
}

// Entry is one member of PubSD or Bindings.
type Entry struct {
	Type      string   `json:"Type"`
	KeyID     string   `json:"KeyID,omitempty"`
	AlgID     string   `json:"AlgID"`
	TBSData   *TBSData `json:"TBSData,omitempty"`
	KeyValue  string   `json:"KeyValue,omitempty"`
	Signature string   `json:"Signature,omitempty"`
	Value     string   `json:"Value,omitempty"`

	// Raw is the entry's JSON exactly as found: MiniMax signs the bytes of
	// its binding entry.
	Raw []byte `json:"-"`
}

// TBSData says what a signature covers ("Md": the label message; "Binding":
// a binding entry; "aigclabel/1": aigclabel's seal message).
type TBSData struct {
	Type  string `json:"Type"`
	BType string `json:"BType,omitempty"`
}

// tbsType returns e.TBSData.Type, or "" without TBSData.
func (e *Entry) tbsType() string {
	if e.TBSData == nil {
		return ""
	}
	return e.TBSData.Type
}

// hashValue returns a binding's hash: Value (aigclabel, Tencent, Honor) or,
// when that is empty, Signature (MiniMax stores the hash there).
func (e *Entry) hashValue() string {
	if e.Value != "" {
		return e.Value
	}
	return e.Signature
}

// MalformedError reports a ReservedCode value that is not a SecurityData
// object aigclabel can read.
type MalformedError struct{ Msg string }

func (e *MalformedError) Error() string { return "sign: malformed SecurityData: " + e.Msg }

func malformed(format string, args ...any) error {
	return &MalformedError{Msg: fmt.Sprintf(format, args...)}
}

// ParseSecurityData reads a SecurityData object: {"SecurityData":{...}} or
// the bare inner object. It accepts the PubSd spelling, numbers or strings for
// Version, and Value or Signature for a binding's hash. It checks the shape
// only (Type is TC260PG, every entry is an object with string members); it
// verifies nothing.
func ParseSecurityData(data []byte) (*SecurityData, error) {
	if len(data) > MaxSecurityDataSize {
		return nil, malformed("%d bytes exceeds the %d-byte limit", len(data), MaxSecurityDataSize)
	}
	data = bytes.TrimSpace(data)
	if !json.Valid(data) {
		return nil, malformed("not valid JSON")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, malformed("not a JSON object")
	}
	sd := &SecurityData{}
	if inner, ok := top["SecurityData"]; ok {
		sd.Wrapped = true
		top = nil
		if err := json.Unmarshal(inner, &top); err != nil || top == nil {
			return nil, malformed("SecurityData is not a JSON object")
		}
	}
	var typ string
	if err := json.Unmarshal(top["Type"], &typ); err != nil {
		return nil, malformed("Type is missing or not a string")
	}
	sd.Type = strings.TrimSpace(typ)
	if sd.Type != "TC260PG" {
		return nil, malformed("Type is %q, not TC260PG", typ)
	}
	if v, ok := top["Version"]; ok {
		sd.Version = strings.Trim(string(v), `"`)
	}
	pub, ok := top["PubSD"]
	if !ok {
		pub = top["PubSd"]
	}
	var err error
	if sd.PubSD, err = parseEntries("PubSD", pub); err != nil {
		return nil, err
	}
	if sd.Bindings, err = parseEntries("Bindings", top["Bindings"]); err != nil {
		return nil, err
	}
	return sd, nil
}

func parseEntries(name string, raw json.RawMessage) ([]Entry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, malformed("%s is not an array", name)
	}
	if len(items) > maxEntries {
		return nil, malformed("%s has %d entries, more than %d", name, len(items), maxEntries)
	}
	out := make([]Entry, len(items))
	for i, item := range items {
		var e Entry
		if err := json.Unmarshal(item, &e); err != nil {
			return nil, malformed("%s[%d]: %v", name, i, err)
		}
		e.Raw = item
		out[i] = e
	}
	return out, nil
}

// quote writes s as the JSON string of aigclabel's signed messages: '"' and
// '\' are escaped with a backslash, every other byte is copied. Callers reject
// control characters beforehand (see checkSealable), so the form is
// unambiguous.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// member writes ,"name":"value" (without the comma for the first member).
func member(b *strings.Builder, name, value string) {
	if b.Len() > 0 {
		b.WriteByte(',')
	}
	b.WriteByte('"')
	b.WriteString(name)
	b.WriteString(`":`)
	quote(b, value)
}

// Package aigc holds the implicit metadata label of GB 45438-2025 Annex E: the
// seven-field AIGC record, its exact serialization, a lenient parser for the
// forms found in real files, and validation against the standard's rules.
//
// The record is a flat JSON object of string values, keys in this order:
//
//	{"Label":"1","ContentProducer":"...","ProduceID":"...","ReservedCode1":"...",
//	 "ContentPropagator":"...","PropagateID":"...","ReservedCode2":"..."}
//
// Annex E b) shows it wrapped as {"AIGC":{...}}; the TC260 guides store the inner
// object as the value of a key named AIGC. Marshal writes the inner object (what
// carriers with a key store), MarshalWrapped the wrapped form (for carriers
// without a key, such as EXIF UserComment). Parse accepts both.
package aigc

import "strings"

// Label values of Annex E c).
const (
	LabelConfirmed = "1" // the content is AI-generated (属于)
	LabelPossible  = "2" // the content may be AI-generated (可能为)
	LabelSuspected = "3" // the content is suspected to be AI-generated (疑似为)
)

// Field names, in the order Annex E fixes.
var FieldNames = [...]string{
	"Label", "ContentProducer", "ProduceID", "ReservedCode1",
	"ContentPropagator", "PropagateID", "ReservedCode2",
}

// Record is the GB 45438 implicit label. Every value is a string, as Annex E
// requires; an empty string is an absent value. The JSON tags are the standard's
// field names, so encoding/json renders a Record the way reports show it.
type Record struct {
	Label             string `json:"Label"`
	ContentProducer   string `json:"ContentProducer"`
	ProduceID         string `json:"ProduceID"`
	ReservedCode1     string `json:"ReservedCode1"`
	ContentPropagator string `json:"ContentPropagator"`
	PropagateID       string `json:"PropagateID"`
	ReservedCode2     string `json:"ReservedCode2"`
}

// Values returns the field values in Annex E order.
func (r *Record) Values() [7]string {
	return [7]string{r.Label, r.ContentProducer, r.ProduceID, r.ReservedCode1,
		r.ContentPropagator, r.PropagateID, r.ReservedCode2}
}

// field returns a pointer to the named field, or nil for an unknown name.
func (r *Record) field(name string) *string {
	switch name {
	case "Label":
		return &r.Label
	case "ContentProducer":
		return &r.ContentProducer
	case "ProduceID":
		return &r.ProduceID
	case "ReservedCode1":
		return &r.ReservedCode1
	case "ContentPropagator":
		return &r.ContentPropagator
	case "PropagateID":
		return &r.PropagateID
	case "ReservedCode2":
		return &r.ReservedCode2
	}
	return nil
}

// Marshal returns the compact inner object with all seven keys in Annex E order.
// Only '"', '\' and control characters are escaped: the standard's character set
// (rule j) allows '"' as \" and nothing else needs escaping, and escaping
// non-ASCII or HTML characters as encoding/json does would change the bytes other
// implementations compare.
func (r *Record) Marshal() []byte {
	return r.AppendMarshal(make([]byte, 0, 160))
}

// MarshalWrapped returns Annex E b)'s exact form: {"AIGC":{...}}.
func (r *Record) MarshalWrapped() []byte {
	inner := r.Marshal()
	out := make([]byte, 0, len(inner)+9)
	out = append(out, `{"AIGC":`...)
	out = append(out, inner...)
	return append(out, '}')
}

// String returns the inner JSON form.
func (r Record) String() string { return string(r.Marshal()) }

// IsProviderCode reports whether s has the shape of a service-provider code of
// the TC260 coding rules: 27 characters of digits and upper-case letters,
// starting with the format code "00".
func IsProviderCode(s string) bool {
	if len(s) != 27 || !strings.HasPrefix(s, "00") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

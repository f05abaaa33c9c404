package aigc

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Length limits. Annex E sets none; these leave room for every value seen in real
// files (the longest, a SecurityData object with an SM2 key and two signatures,
// is about 900 bytes) while bounding what a reader must hold.
const (
	MaxIDLen       = 256  // ContentProducer, ProduceID, ContentPropagator, PropagateID
	MaxReservedLen = 4096 // ReservedCode1, ReservedCode2
)

// FieldError is one field-level finding of Validate.
type FieldError struct {
	Field   string
	Msg     string
	Warning bool // a deviation the standard tolerates ("主要", shape of codes)
}

func (e FieldError) Error() string {
	kind := "error"
	if e.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("%s: %s (%s)", e.Field, e.Msg, kind)
}

// ValidationError lists every finding of Validate.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	msgs := make([]string, len(v))
	for i, e := range v {
		msgs[i] = e.Error()
	}
	return "aigc: invalid record: " + strings.Join(msgs, "; ")
}

// Validate checks r against Annex E: Label in {"1","2","3"}, ContentProducer and
// ProduceID present, every value within its length limit and made of the
// characters rule j allows (printable ASCII without space or backslash; '"' is
// allowed because it is written escaped). It returns a ValidationError holding
// errors and warnings, or nil when there are neither. Use Errors to ignore
// warnings.
func (r *Record) Validate() error {
	var v ValidationError
	add := func(field, msg string, warn bool) {
		v = append(v, FieldError{Field: field, Msg: msg, Warning: warn})
	}
	switch r.Label {
	case LabelConfirmed, LabelPossible, LabelSuspected:
	case "":
		add("Label", "missing", false)
	default:
		add("Label", fmt.Sprintf("%q is not one of \"1\", \"2\", \"3\"", r.Label), false)
	}
	if r.ContentProducer == "" {
		add("ContentProducer", "missing", false)
	}
	if r.ProduceID == "" {
		add("ProduceID", "missing", false)
	}
	if (r.ContentPropagator == "") != (r.PropagateID == "") {
		add("PropagateID", "ContentPropagator and PropagateID must be given together", true)
	}
	for i, val := range r.Values() {
		name := FieldNames[i]
		limit := MaxIDLen
		if name == "ReservedCode1" || name == "ReservedCode2" {
			limit = MaxReservedLen
		}
		if len(val) > limit {
			add(name, fmt.Sprintf("%d bytes exceeds the %d-byte limit", len(val), limit), false)
		}
		if msg, warn := checkChars(val); msg != "" {
			add(name, msg, warn)
		}
	}
	for _, f := range []struct{ name, val string }{
		{"ContentProducer", r.ContentProducer}, {"ContentPropagator", r.ContentPropagator},
	} {
		if f.val != "" && !IsProviderCode(f.val) && utf8.ValidString(f.val) {
			add(f.name, fmt.Sprintf("%q is not a 27-character provider code", f.val), true)
		}
	}
	if len(v) == 0 {
		return nil
	}
	return v
}

// Errors returns only the findings that are not warnings, or nil.
func (v ValidationError) Errors() ValidationError {
	var out ValidationError
	for _, e := range v {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// Valid reports whether r has no validation errors (warnings allowed).
func (r *Record) Valid() bool {
	err := r.Validate()
	if err == nil {
		return true
	}
	v, _ := err.(ValidationError)
	return len(v.Errors()) == 0
}

// checkChars applies rule j: values "mainly" consist of GB 18030 code points
// 0x21, 0x23-0x5B, 0x5D-0x7E and \". Non-ASCII text is tolerated with a warning
// (the word "mainly"); control characters, spaces and backslashes are errors.
func checkChars(s string) (msg string, warning bool) {
	if !utf8.ValidString(s) {
		return "not valid UTF-8", false
	}
	for i, c := range s {
		switch {
		case c == ' ':
			return fmt.Sprintf("space at byte %d is outside rule j's character set", i), false
		case c == '\\':
			return fmt.Sprintf("backslash at byte %d is outside rule j's character set", i), false
		case c < 0x20 || c == 0x7f:
			return fmt.Sprintf("control character %U at byte %d", c, i), false
		case c > 0x7e:
			msg, warning = fmt.Sprintf("non-ASCII character %q at byte %d (rule j asks mainly for printable ASCII)", c, i), true
		}
	}
	return msg, warning
}

package aigc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// annexE is the record exactly as GB 45438-2025 Annex E b) prints it.
const annexE = `{"AIGC":{"Label":"value1","ContentProducer":"value2","ProduceID":"value3","ReservedCode1":"value4","ContentPropagator":"value5","PropagateID":"value6","ReservedCode2":"value7"}}`

func TestMarshalAnnexE(t *testing.T) {
	r := Record{"value1", "value2", "value3", "value4", "value5", "value6", "value7"}
	if got := string(r.MarshalWrapped()); got != annexE {
		t.Errorf("MarshalWrapped:\n got %s\nwant %s", got, annexE)
	}
	inner := annexE[len(`{"AIGC":`) : len(annexE)-1]
	if got := string(r.Marshal()); got != inner {
		t.Errorf("Marshal:\n got %s\nwant %s", got, inner)
	}
}

// TestMarshalIsJSON checks the hand-written serializer against encoding/json as
// an independent decoder, on values with every character class.
func TestMarshalIsJSON(t *testing.T) {
	r := Record{Label: "1", ContentProducer: `a"b\c`, ProduceID: "x\n\t\x01\x7f", ReservedCode1: `{"SecurityData":{"k":"<&>"}}`, ContentPropagator: "人工智能"}
	var back Record
	if err := json.Unmarshal(r.Marshal(), &back); err != nil {
		t.Fatalf("Marshal output is not JSON: %v\n%s", err, r.Marshal())
	}
	if back != r {
		t.Errorf("round trip through encoding/json:\n got %+v\nwant %+v", back, r)
	}
	if strings.Contains(string(r.Marshal()), `\u003c`) {
		t.Error("Marshal escaped '<' as encoding/json does; Annex E values must keep their bytes")
	}
}

func TestParseForms(t *testing.T) {
	want := Record{Label: "1", ContentProducer: "001191110102MACQD9K64010000", ProduceID: "cc75"}
	cases := []struct {
		name     string
		in       string
		problems int
	}{
		{"bare", `{"Label":"1","ContentProducer":"001191110102MACQD9K64010000","ProduceID":"cc75","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}`, 0},
		{"wrapped with spaces", "{\"AIGC\": {\"Label\": \"1\", \"ContentProducer\": \"001191110102MACQD9K64010000\",\n \"ProduceID\": \"cc75\", \"ReservedCode1\": \"\", \"ContentPropagator\": \"\", \"PropagateID\": \"\", \"ReservedCode2\": \"\"}}", 0},
		{"reordered, missing keys", `{"ProduceID":"cc75","Label":"1","ContentProducer":"001191110102MACQD9K64010000"}`, 5},
		{"entity escaped", `{&quot;Label&quot;:&quot;1&quot;,&quot;ContentProducer&quot;:&quot;001191110102MACQD9K64010000&quot;,&quot;ProduceID&quot;:&quot;cc75&quot;,&quot;ReservedCode1&quot;:&quot;&quot;,&quot;ContentPropagator&quot;:&quot;&quot;,&quot;PropagateID&quot;:&quot;&quot;,&quot;ReservedCode2&quot;:&quot;&quot;}`, 1},
		{"number label, NUL padded", "{\"Label\":1,\"ContentProducer\":\"001191110102MACQD9K64010000\",\"ProduceID\":\"cc75\",\"ReservedCode1\":\"\",\"ContentPropagator\":\"\",\"PropagateID\":\"\",\"ReservedCode2\":\"\"}\x00\x00", 1},
		{"record in a string", `"{\"Label\":\"1\",\"ContentProducer\":\"001191110102MACQD9K64010000\",\"ProduceID\":\"cc75\",\"ReservedCode1\":\"\",\"ContentPropagator\":\"\",\"PropagateID\":\"\",\"ReservedCode2\":\"\"}"`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, probs, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if len(probs) != c.problems {
				t.Errorf("got %d problems %v, want %d", len(probs), probs, c.problems)
			}
		})
	}
}

func TestParseNestedReservedCode(t *testing.T) {
	// Honor's shape: ReservedCode1 is an object, not a string.
	in := `{"AIGC":{"ContentProducer":"001191440300MA5G49LC9K1YO01","Label":"1","ProduceID":"p","ReservedCode1":{"SecurityData":{"Type":"TC260PG"}},"ContentPropagator":"","PropagateID":"","ReservedCode2":null}}`
	got, probs, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got.ReservedCode1 != `{"SecurityData":{"Type":"TC260PG"}}` {
		t.Errorf("ReservedCode1 = %q", got.ReservedCode1)
	}
	text := ""
	for _, p := range probs {
		text += p.String() + "\n"
	}
	for _, want := range []string{"ReservedCode1: value is a JSON object", "ReservedCode2: value is null", "not in Annex E order"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"Label":"1"`, `{"x":1}`, `{"AIGC":5}`, `nonsense`, strings.Repeat(" ", MaxRecordSize+1)} {
		_, _, err := Parse([]byte(in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.20q) error = %v, want *SyntaxError", in, err)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Record{Label: "1", ContentProducer: "001191110102MACQD9K64010000", ProduceID: "01JDX3"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid record: %v", err)
	}
	cases := []struct {
		mut   func(*Record)
		field string
		warn  bool
	}{
		{func(r *Record) { r.Label = "4" }, "Label", false},
		{func(r *Record) { r.Label = "" }, "Label", false},
		{func(r *Record) { r.ContentProducer = "" }, "ContentProducer", false},
		{func(r *Record) { r.ProduceID = "" }, "ProduceID", false},
		{func(r *Record) { r.ProduceID = "a b" }, "ProduceID", false},
		{func(r *Record) { r.ProduceID = `a\b` }, "ProduceID", false},
		{func(r *Record) { r.ProduceID = strings.Repeat("x", MaxIDLen+1) }, "ProduceID", false},
		{func(r *Record) { r.ReservedCode1 = strings.Repeat("x", MaxReservedLen+1) }, "ReservedCode1", false},
		{func(r *Record) { r.ContentProducer = "豆包" }, "ContentProducer", true},
		{func(r *Record) { r.ContentProducer = "MiniMax" }, "ContentProducer", true},
		{func(r *Record) { r.ContentPropagator = "001191110102MACQD9K64010000" }, "PropagateID", true},
	}
	for i, c := range cases {
		r := good
		c.mut(&r)
		err := r.Validate()
		var v ValidationError
		if !errors.As(err, &v) {
			t.Errorf("case %d: Validate() = %v, want ValidationError", i, err)
			continue
		}
		found := false
		for _, fe := range v {
			found = found || (fe.Field == c.field && fe.Warning == c.warn)
		}
		if !found {
			t.Errorf("case %d: %v lacks a finding on %s (warning=%v)", i, v, c.field, c.warn)
		}
		if r.Valid() != c.warn {
			t.Errorf("case %d: Valid() = %v, want %v", i, r.Valid(), c.warn)
		}
	}
}

func TestIsProviderCode(t *testing.T) {
	for code, want := range map[string]bool{
		"001191110102MACQD9K64010000":   true,
		"001191440300MA5G49LC9K1YO01":   true,
		"00000000000000000000000000000": false, // 29 characters, the injector's fake
		"MiniMax":                       false,
		"101191110102MACQD9K64010000":   false,
		"001191110102macqd9k64010000":   false,
	} {
		if IsProviderCode(code) != want {
			t.Errorf("IsProviderCode(%q) = %v", code, !want)
		}
	}
}

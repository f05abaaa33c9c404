package aigc

import "testing"

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives Marshal and a second Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(annexE))
	f.Add([]byte(`{"Label":"1","ContentProducer":"p","ProduceID":"i"}`))
	f.Add([]byte(`"{\"AIGC\":{\"Label\":\"2\"}}"`))
	f.Add([]byte(`{&quot;Label&quot;:&quot;1&quot;}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, _, err := Parse(data)
		if err != nil {
			return
		}
		back, _, err := Parse(rec.Marshal())
		if err != nil {
			t.Fatalf("re-parsing Marshal output: %v\n%s", err, rec.Marshal())
		}
		if back != rec {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", rec, back)
		}
	})
}

// FuzzQuickRecord holds IsRecord's scanner to Parse: whenever the scanner
// decides, it decides as Parse does.
func FuzzQuickRecord(f *testing.F) {
	for _, s := range []string{annexE, `{"Label":"1","ContentProducer":"p","ProduceID":"i"}`,
		`{"AIGC":{"Label":"1","ReservedCode1":"{\"a\":\"\\u00e9\"}"}}`, ` {"x":"1"} `, `{}`, `{"AIGC":{}}`,
		`{"x":"1","AIGC":{"Label":"1"}}`, `{"Label":"1","AIGC":{"Label":"1"}}`, `{"AIGC":{"AIGC":{"Label":"1"}}}`,
		`{"Label":1}`, `{"Label":"1"} x`, `{"Label":"1",}`, "{\"Label\":\"\x01\"}", `{"La\u0062el":"1"}`,
		`"{\"Label\":\"1\"}"`, `{&quot;Label&quot;:&quot;1&quot;}`, "\x00{\"Label\":\"1\"}\n", `{"Label":"\q"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := Parse(data)
		if ok, sure := quickRecord(data); sure && ok != (err == nil) {
			t.Fatalf("quickRecord says %v, Parse's error is %v\n%q", ok, err, data)
		}
		if IsRecord(data) != (err == nil) {
			t.Fatalf("IsRecord says %v, Parse's error is %v\n%q", !(err == nil), err, data)
		}
	})
}

// TestAppendMarshal checks AppendMarshal against Marshal, after a prefix.
func TestAppendMarshal(t *testing.T) {
	for _, r := range []Record{{}, {Label: "1", ContentProducer: "p\"\\\n\x01\x7f", ProduceID: "中文", ReservedCode2: "x"}} {
		if got := r.AppendMarshal([]byte("ab")); string(got) != "ab"+string(r.Marshal()) {
			t.Errorf("AppendMarshal %q, Marshal %q", got, r.Marshal())
		}
	}
}

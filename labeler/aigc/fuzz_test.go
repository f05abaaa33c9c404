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

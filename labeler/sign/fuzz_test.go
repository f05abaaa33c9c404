package sign

import (
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// FuzzParseSecurityData feeds arbitrary ReservedCode values to the parser
// and the whole verification: no input may panic, and a seal that parses
// must end in one of the documented statuses, never valid for content the
// fuzzer did not seal.
func FuzzParseSecurityData(f *testing.F) {
	f.Add([]byte(`{"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[{"Type":"DS","AlgID":"1.3.101.112","TBSData":{"Type":"Md"},"Signature":"00"},{"Type":"PubKey","KeyID":"k","AlgID":"1.3.101.112","KeyValue":"00"}],"Bindings":[{"Type":"Hash","AlgID":"2.16.840.1.101.3.4.2.1","Value":"00"}]}}`))
	f.Add([]byte(`{"Type":" TC260PG","Version":1,"Bindings":[{"Type":"hash","AlgID":"sm3","Value":"00"}],"PubSD":[{"Type":"DS","AlgID":"sm2","TBSData":{"Type":"Binding","BType":"hash"},"Signature":"3000"},{"Type":"PubKey","AlgID":"sm2","KeyValue":"04"}]}`))
	f.Add([]byte(`{"SecurityData":{"Type":"TC260PG","Version":1,"PubSd":[{"Type":"DS","AlgID":"1.2.840.113549.1.1.11","TBSData":{"Type":"Content"},"Signature":"x"}],"Bindings":[{"Type":"Hash","Value":null}]}}`))
	f.Add([]byte(`{"SecurityData":{"Type":"TC260PG","PubSD":[{"Type":"DS","AlgID":"1.2.156.10197.1.501","TBSData":{"Type":"Binding","BType":"7"},"Signature":"aa"},{"Type":"PubKey","AlgID":"1.2.156.10197.1.501","KeyValue":"00a0b3b0b6a0c9b0c89cab328342af4e8221ec5b40799cbe835ab4251f7b47e4fd"}]}}`))
	f.Add([]byte(`{"SecurityData":[]}`))
	f.Add([]byte(`{"SecurityData":{"Type":"TC260PG","PubSD":{}}}`))
	rec := aigc.Record{Label: "1", ContentProducer: "P", ProduceID: "I", ContentPropagator: "C", PropagateID: "D"}
	var h [32]byte
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, err := ParseSecurityData(data)
		if err != nil {
			if _, ok := err.(*MalformedError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if sd.Type != "TC260PG" || len(sd.PubSD) > maxEntries || len(sd.Bindings) > maxEntries {
			t.Fatalf("accepted %+v", sd)
		}
		r := rec
		r.ReservedCode1, r.ReservedCode2 = string(data), string(data)
		for _, role := range []Role{Producer, Propagator} {
			st := Verify(r, role, Hashes{SHA256: &h, SM3: func() ([32]byte, bool) { return h, true }}, nil, time.Time{})
			switch st.Status {
			case StatusValid, StatusContentModified:
				t.Fatalf("%s with no key set: %+v", st.Status, st)
			case StatusInvalid, StatusUnknownKey, StatusMalformed, StatusUnsupported:
			default:
				t.Fatalf("unexpected status %+v", st)
			}
		}
	})
}

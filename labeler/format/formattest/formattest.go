// Package formattest holds checks every carrier's tests share.
package formattest

import (
	"bytes"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// WriteRead is the body of a carrier's FuzzWriteRead: whatever c.Write
// accepts must become a file holding exactly rec, with the same content hash
// as b, which writing rec again leaves unchanged.
func WriteRead(t testing.TB, c format.Codec, b []byte, rec aigc.Record) {
	t.Helper()
	out, err := c.Write(b, rec)
	if err != nil {
		return
	}
	m, err := c.Read(out)
	if err != nil {
		t.Fatalf("Read of Write output: %v", err)
	}
	if len(m.Records) != 1 || !bytes.Equal(m.Records[0].Payload, bytes.TrimRight(rec.Marshal(), "\x00")) {
		t.Fatalf("records after Write: %+v", m.Records)
	}
	h0, err0 := c.ContentHash(b)
	h1, err1 := c.ContentHash(out)
	if err0 != nil || err1 != nil || h0 != h1 {
		t.Fatalf("content hash changed: %v %v", err0, err1)
	}
	out2, err := c.Write(out, rec)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("relabel with the same record changed the file: %v", err)
	}
	SameAsWrite(t, c, b, rec, out)
	Checker(t, c, b, rec)
	Checker(t, c, out, rec)
	other := rec
	other.ReservedCode2 += "x"
	Checker(t, c, out, other)
}

// Checker checks a codec's format.RecordChecker against ReadRecords: it
// shows the one record rec in b exactly when ReadRecords finds one record,
// of payload rec.Marshal().
func Checker(t testing.TB, c format.Codec, b []byte, rec aigc.Record) {
	t.Helper()
	rc, ok := c.(format.RecordChecker)
	if !ok {
		return
	}
	recs, err := format.ReadRecords(c, b)
	want := err == nil && len(recs) == 1 && bytes.Equal(recs[0].Payload, rec.Marshal())
	if got := rc.HasOnlyRecord(b, rec); got != want {
		t.Fatalf("HasOnlyRecord = %v, ReadRecords found %d records (%v)", got, len(recs), err)
	}
}

// SameAsWrite checks the optional codec interfaces against Write and Read:
// AppendWrite appends exactly out (what Write(b, rec) returned) after a
// prefix it leaves alone, into the caller's memory when it has room, and
// ReadRecords finds the records Read finds.
func SameAsWrite(t testing.TB, c format.Codec, b []byte, rec aigc.Record, out []byte) {
	t.Helper()
	if a, ok := c.(format.Appender); ok {
		prefix := []byte("prefix")
		got, err := a.AppendWrite(prefix[:len(prefix):len(prefix)], b, rec)
		if err != nil || !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], out) {
			t.Fatalf("AppendWrite after a prefix differs from Write (%v)", err)
		}
		buf := make([]byte, 3, 3+len(out)+16)
		got, err = a.AppendWrite(buf, b, rec)
		if err != nil || !bytes.Equal(got[3:], out) {
			t.Fatalf("AppendWrite into a buffer with room differs from Write (%v)", err)
		}
		if &got[0] != &buf[0] {
			t.Fatalf("AppendWrite allocated although dst had room for %d bytes", len(out))
		}
	}
	if _, ok := c.(format.RecordReader); ok {
		md, err := c.Read(out)
		if err != nil {
			t.Fatalf("Read of Write output: %v", err)
		}
		recs, err := format.ReadRecords(c, out)
		if err != nil || len(recs) != len(md.Records) {
			t.Fatalf("ReadRecords found %d records (%v), Read %d", len(recs), err, len(md.Records))
		}
		for i := range recs {
			r, m := recs[i], md.Records[i]
			if r.Kind != m.Kind || r.Offset != m.Offset || r.Length != m.Length || !bytes.Equal(r.Payload, m.Payload) {
				t.Fatalf("ReadRecords record %d = %+v, Read %+v", i, r, m)
			}
		}
	}
}

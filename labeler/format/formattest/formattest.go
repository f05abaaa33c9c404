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
}

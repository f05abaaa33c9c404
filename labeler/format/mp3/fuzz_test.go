package mp3

import (
	"bytes"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/format/formattest"
)

// fuzzSeeds are small tags of every version and feature the reader handles.
func fuzzSeeds() [][]byte {
	audio := []byte{0xFF, 0xFB, 0x90, 0x44, 0, 0, 0, 0}
	rec := txxxBody(3, "AIGC", `{"Label":"1"}`)
	return [][]byte{
		audio,
		append(tagBytes(4, 0, cat(frame24("TXXX", 0, rec), frame24("GEOB", 0, geobC2PA([]byte("jumb")))), 10), audio...),
		append(tagBytes(3, flagUnsync, unsync(cat(frame23("TIT2", 0, []byte("\x01\xff\xfea\x00")), frame23("TXXX", 0, txxxBody(0, "AIGC", "{}")))), 4), audio...),
		append(tagBytes(4, flagFooter, frame24("TXXX", v24Unsync|v24DataLen, append([]byte{0, 0, 0, byte(len(rec))}, rec...)), 0), append([]byte("3DI\x04\x00\x10\x00\x00\x00\x27"), audio...)...),
		append(tagBytes(3, flagExtHeader, cat([]byte{0, 0, 0, 6, 0, 0, 0, 0, 0, 0}, frame23("PRIV", 0, []byte("XMP\x00<x/>"))), 0), audio...),
		append(tagBytes(2, 0, append([]byte("TXX\x00\x00\x05"), 0, 'A', 'I', 'G', 'C'), 3), audio...),
		append(tagBytes(4, 0, append([]byte("TXXX\x00\x00\x00\xc8\x00\x00"), make([]byte, 200)...), 0), audio...),
	}
}

// FuzzRead checks that Read and ContentHash never panic and that every slot
// lies inside the input.
func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Codec{}.Read(b)
		if err != nil {
			return
		}
		for _, s := range append(m.Records, m.XMP...) {
			if s.Offset < 10 || s.Length < 10 || s.Offset+s.Length > int64(len(b)) {
				t.Fatalf("slot %+v outside the input", s)
			}
		}
		if _, err := (Codec{}).ContentHash(b); err != nil {
			t.Fatalf("Read succeeds but ContentHash fails: %v", err)
		}
	})
}

// FuzzWriteRead checks that whatever Write accepts, it turns into a file with
// exactly the new record, the same content hash, and a stable relabel.
func FuzzWriteRead(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, "id")
	}
	f.Fuzz(func(t *testing.T, b []byte, id string) {
		formattest.WriteRead(t, Codec{}, b, testRecord(id))
		// AppendWrite's allocation-free path writes what the general one
		// writes.
		rec := testRecord(id)
		got, err := Codec{}.AppendWrite(nil, b, rec)
		if tg, terr := parseTag(b); err == nil && terr == nil && tg != nil {
			if want, werr := appendWriteTag(nil, b, rec.Marshal()); werr != nil || !bytes.Equal(got, want) {
				t.Fatalf("AppendWrite and appendWriteTag (%v) differ", werr)
			}
		}
	})
}

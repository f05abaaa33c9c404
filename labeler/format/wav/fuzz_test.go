package wav

import (
	"bytes"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/format/formattest"
)

// fuzzSeeds are small well-formed and malformed files: an odd-sized chunk, a
// LIST/INFO with an AIGC sub-chunk, extensible and float fmt chunks.
func fuzzSeeds() [][]byte {
	ext := append(fmtPCM(0xFFFE, 2, 8000, 24), 22, 0, 24, 0, 3, 0, 0, 0, 1, 0)
	ext = append(ext, subFormatTail[:]...)
	return [][]byte{
		buildWAV("fmt ", fmtPCM(1, 1, 8000, 16), "data", []byte{1, 2, 3, 4}),
		buildWAV("fmt ", fmtPCM(1, 1, 8000, 8), "AIGC", []byte(`{"Label":"1"}`), "data", []byte{1, 2, 3}),
		buildWAV("fmt ", fmtPCM(3, 1, 8000, 32), "fact", []byte{1, 0, 0, 0}, "data", []byte{0, 0, 0x80, 0x3f}),
		buildWAV("fmt ", ext, "LIST", []byte("INFOAIGC\x03\x00\x00\x00{}\x00\x00ISFT\x01\x00\x00\x00x\x00"), "data", []byte{1, 2, 3, 4, 5, 6}),
		[]byte("RIFF\x04\x00\x00\x00WAVE"),
		[]byte("RF64\xff\xff\xff\xffWAVE"),
	}
}

// FuzzRead checks that Read, ContentHash and DecodePCM never panic, and that
// every slot Read reports lies inside the input.
func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Codec{}.Read(b)
		if err != nil {
			return
		}
		for _, s := range m.Records {
			if s.Offset < 12 || s.Offset+s.Length > int64(len(b)) || !bytes.Contains(b[s.Offset:min(s.Offset+s.Length, int64(len(b)))], s.Payload) {
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
		rec := testRecord(id, len(id)%2 == 0)
		formattest.WriteRead(t, Codec{}, b, rec)
		// AppendWrite's allocation-free path writes what the general one
		// writes.
		got, err := Codec{}.AppendWrite(nil, b, rec)
		if f, ferr := parseRIFF(b); err == nil && ferr == nil {
			pieces, at := strip(f, nil)
			if want, werr := appendWriteMany(nil, b, f, pieces, at, rec.Marshal()); werr != nil || !bytes.Equal(got, want) {
				t.Fatalf("AppendWrite and appendWriteMany (%v) differ", werr)
			}
		}
	})
}

// FuzzDecodePCM checks that DecodePCM never panics, that a decoded file
// encodes back, and that the result decodes to the same frame count.
func FuzzDecodePCM(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePCM(b)
		if err != nil {
			return
		}
		if len(p.Samples) == 0 {
			t.Fatal("no channels")
		}
		out, err := EncodePCM(b, p)
		if err != nil {
			t.Fatalf("EncodePCM of a decoded file: %v", err)
		}
		p2, err := DecodePCM(out)
		if err != nil || p2.Frames() != p.Frames() {
			t.Fatalf("round trip: %v, %d frames, want %d", err, p2.Frames(), p.Frames())
		}
	})
}

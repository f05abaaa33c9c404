package c2pa

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// c2paUUID is the manifest store's description-box type.
var c2paUUID = []byte("c2pa" + uuidSuffix)

// extractStore finds the C2PA manifest store in a file without the
// carriers: JPEG APP11 segments are reassembled by FromAPP11's independent
// twin below; in every other format (PNG caBX, RIFF C2PA, ID3 GEOB) the
// store is one contiguous box, found by its description box.
func extractStore(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Corpus(t, "c2pa", name))
	if err != nil {
		t.Fatal(err)
	}
	if b[0] == 0xFF && b[1] == 0xD8 {
		return jpegStore(t, b)
	}
	i := bytes.Index(b, append([]byte("jumd"), c2paUUID...))
	if i < 12 || string(b[i-8:i-4]) != "jumb" {
		t.Fatalf("%s: no C2PA superbox", name)
	}
	start := i - 12
	n := int(binary.BigEndian.Uint32(b[start:]))
	return b[start : start+n]
}

// jpegStore walks the JPEG markers and joins the APP11 "JP" payloads,
// dropping the repeated 8-byte box header from every segment but the first.
func jpegStore(t *testing.T, b []byte) []byte {
	var out []byte
	for p := 2; p+4 <= len(b) && b[p] == 0xFF && b[p+1] != 0xDA; {
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		seg := b[p+4 : p+2+n]
		if b[p+1] == 0xEB && bytes.HasPrefix(seg, []byte("JP")) {
			if out == nil {
				out = append(out, seg[8:]...)
			} else {
				out = append(out, seg[16:]...)
			}
		}
		p += 2 + n
	}
	if out == nil {
		t.Fatal("no APP11")
	}
	return out
}

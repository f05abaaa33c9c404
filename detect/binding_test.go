package detect

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/sign"
)

// TestMiniMaxContentBinding runs the MiniMax files of the aigc-real corpus
// through Inspect with MiniMax's key in the key set: the JPEGs' SM3 content
// binding (file minus the APP1 Exif segment) must match, giving "valid"; one
// changed byte of image data must give "content-modified"; the resized PNG,
// whose binding no selection of it matches, is not "valid".
func TestMiniMaxContentBinding(t *testing.T) {
	const x = "a0b3b0b6a0c9b0c89cab328342af4e8221ec5b40799cbe835ab4251f7b47e4fd" // aigc-real README
	raw, _ := hex.DecodeString("00" + x)
	pub, err := sign.ParsePublicKey(sign.SM2, raw)
	if err != nil {
		t.Fatal(err)
	}
	ks := &sign.KeySet{}
	if err := ks.AddKey(sign.KeyEntry{KeyID: "minimax", Code: "MiniMax", Role: sign.Producer, Public: pub}); err != nil {
		t.Fatal(err)
	}
	inspect := func(b []byte) Report {
		t.Helper()
		rep, err := Inspect(context.Background(), b, Options{Keys: ks, MetadataOnly: true, At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Seal == nil {
			t.Fatal("no seal report")
		}
		return rep
	}
	for _, name := range []string{
		"minimax-image01_jpeg-exif-usercomment_securitydata_op-equals.jpg",
		"minimax-image01_jpeg-exif-usercomment_securitydata_bg-meadow.jpg",
		"minimax-image01_jpeg-bytes-named-png_count-icon.png",
	} {
		b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", name))
		if err != nil {
			t.Fatal(err)
		}
		rep := inspect(b)
		if st := rep.Seal.Producer; st.Status != sign.StatusValid || st.Content != sign.ContentMatch || st.KeyID != "minimax" {
			t.Errorf("%s: producer seal %+v, want valid with matching SM3 content", name, st)
		}
		if rep.Verdict != Confirmed {
			t.Errorf("%s: verdict %s", name, rep.Verdict)
		}
		tampered := bytes.Clone(b)
		tampered[len(tampered)-100] ^= 1 // entropy-coded data, before EOI
		if st := inspect(tampered).Seal.Producer; st.Status != sign.StatusContentModified {
			t.Errorf("%s with one image byte changed: %+v, want content-modified", name, st)
		}
	}
	b, err := os.ReadFile(testenv.Corpus(t, "aigc-real", "minimax-image01_derived-png_exif-chunk-and-xmp-usercomment_mole-3-n19.png"))
	if err != nil {
		t.Fatal(err)
	}
	if st := inspect(b).Seal.Producer; st.Status == sign.StatusValid {
		t.Errorf("resized MiniMax PNG (stale binding): %+v, must not be valid", st)
	}
}

// TestProviderSelectionMP3 checks the MP3 selection against ffmpeg: the file
// ffmpeg writes with an AIGC tag, minus the TXXX frame with the tag size
// rewritten, must equal byte for byte the file ffmpeg writes without the tag
// (the layout MiniMax's TTS files have: TXXX:AIGC, TSSE, padding).
func TestProviderSelectionMP3(t *testing.T) {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	encode := func(name string, meta ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		args := append([]string{"-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libmp3lame", "-b:a", "64k", "-bitexact"}, meta...)
		if b, err := exec.Command(ffmpeg, append(args, out)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rec := `{"Label":"1","ContentProducer":"MiniMax","ProduceID":"06cb081dfdc5158e313379cf59b7c90d"}`
	labeled := encode("a.mp3", "-metadata", "AIGC="+rec)
	plain := encode("b.mp3")
	rep, err := Inspect(context.Background(), labeled, Options{MetadataOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.carrier == nil || rep.carrier.Kind != "id3-txxx" {
		t.Fatalf("record carrier %+v, want id3-txxx", rep.carrier)
	}
	sel, ok := providerSelection(format.MP3, labeled, *rep.carrier)
	if !ok || !bytes.Equal(sel, plain) {
		t.Fatalf("selection (ok=%v, %d bytes) differs from ffmpeg's untagged file (%d bytes)", ok, len(sel), len(plain))
	}
}

// TestProviderSelectionBounds feeds selections that must be refused.
func TestProviderSelectionBounds(t *testing.T) {
	jpg := []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 4, 'E', 'x', 0xFF, 0xD9}
	for _, c := range []Carrier{
		{Kind: "exif-usercomment", Offset: 2, Length: 100}, // past the end
		{Kind: "exif-usercomment", Offset: -1, Length: 3},  // negative
		{Kind: "exif-usercomment", Offset: 4, Length: 2},   // not at a marker
		{Kind: "xmp", Offset: 2, Length: 6},                // no provider selection known
	} {
		if _, ok := providerSelection(format.JPEG, jpg, c); ok {
			t.Errorf("%+v accepted", c)
		}
	}
	if sel, ok := providerSelection(format.JPEG, jpg, Carrier{Kind: "exif-usercomment", Offset: 2, Length: 6}); !ok || !bytes.Equal(sel, []byte{0xFF, 0xD8, 0xFF, 0xD9}) {
		t.Errorf("valid APP1 selection: %x %v", sel, ok)
	}
	mp3 := append([]byte("ID3\x04\x00\x80\x00\x00\x00\x20"), make([]byte, 32)...) // unsynchronised tag
	if _, ok := providerSelection(format.MP3, mp3, Carrier{Kind: "id3-txxx", Offset: 10, Length: 8}); ok {
		t.Error("unsynchronised ID3 tag accepted")
	}
}

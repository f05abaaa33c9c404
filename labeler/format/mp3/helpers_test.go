package mp3

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

func testRecord(id string) aigc.Record {
	return aigc.Record{Label: "1", ContentProducer: "001191110108335469089C10100", ProduceID: id}
}

// run runs an external tool and returns its stdout, failing the test with its
// stderr on error.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, name), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ffprobeTags returns the format tags ffprobe reports.
func ffprobeTags(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := run(t, "ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", writeTemp(t, "f.mp3", b))
	var v struct {
		Format struct {
			Tags map[string]string `json:"tags"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	return v.Format.Tags
}

// exiftoolTags returns the ID3 tags exiftool reports (exiftool -j -ID3:all),
// by tag name without group.
func exiftoolTags(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := run(t, "exiftool", "-j", "-ID3:all", writeTemp(t, "f.mp3", b))
	var v []map[string]any
	if err := json.Unmarshal(out, &v); err != nil || len(v) != 1 {
		t.Fatalf("exiftool output %s: %v", out, err)
	}
	tags := map[string]string{}
	for k, val := range v[0] {
		if s, ok := val.(string); ok {
			tags[k] = s
		}
	}
	return tags
}

// samePCM decodes two MP3 files with ffmpeg, in one process, to raw 16-bit
// samples and reports whether they are equal and not empty.
func samePCM(t *testing.T, a, b []byte) bool {
	t.Helper()
	dir := t.TempDir()
	var names [4]string
	for i, n := range []string{"a.mp3", "b.mp3", "a.raw", "b.raw"} {
		names[i] = filepath.Join(dir, n)
	}
	for i, data := range [][]byte{a, b} {
		if err := os.WriteFile(names[i], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "ffmpeg", "-v", "error", "-i", names[0], "-i", names[1],
		"-map", "0:a", "-f", "s16le", names[2], "-map", "1:a", "-f", "s16le", names[3])
	pa, err1 := os.ReadFile(names[2])
	pb, err2 := os.ReadFile(names[3])
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return len(pa) > 0 && bytes.Equal(pa, pb)
}

var (
	mpegOnce sync.Once
	mpegData []byte
	mpegErr  error
)

// mpegAudio returns a short MPEG audio stream without any tag, made once by
// ffmpeg with LAME.
func mpegAudio(t *testing.T) []byte {
	t.Helper()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	mpegOnce.Do(func() {
		p := filepath.Join(os.TempDir(), "aigclabel-mp3-test-bare.mp3")
		defer os.Remove(p)
		out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.3:sample_rate=22050",
			"-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "0", "-write_xing", "0", "-y", p).CombinedOutput()
		if err != nil {
			mpegErr = errors.New(string(out))
			return
		}
		mpegData, mpegErr = os.ReadFile(p)
	})
	if mpegErr != nil {
		t.Fatal(mpegErr)
	}
	return mpegData
}

// tagBytes builds an ID3v2 tag: header of version major with flags, then
// body, then padding zero bytes.
func tagBytes(major, flags byte, body []byte, padding int) []byte {
	out := []byte{'I', 'D', '3', major, 0, flags}
	out = appendSyncsafe(out, len(body)+padding)
	out = append(out, body...)
	return append(out, make([]byte, padding)...)
}

// frame23 builds a v2.3 frame (plain size); frame24 a v2.4 frame (syncsafe).
func frame23(id string, flags uint16, body []byte) []byte {
	out := append([]byte(id), binary.BigEndian.AppendUint32(nil, uint32(len(body)))...)
	out = binary.BigEndian.AppendUint16(out, flags)
	return append(out, body...)
}

func frame24(id string, flags uint16, body []byte) []byte {
	out := appendSyncsafe([]byte(id), len(body))
	out = binary.BigEndian.AppendUint16(out, flags)
	return append(out, body...)
}

// txxxBody is a TXXX body in encoding 0 or 3.
func txxxBody(enc byte, desc, value string) []byte {
	return append(append([]byte{enc}, desc+"\x00"...), value...)
}

// geobC2PA is a GEOB frame body as c2pa-rs writes it for a manifest store.
func geobC2PA(data []byte) []byte {
	b := append([]byte{0}, "application/c2pa\x00manifest.c2pa\x00c2pa manifest store\x00"...)
	return append(b, data...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func isFormatError(err error) bool {
	var fe *format.FormatError
	return errors.As(err, &fe)
}

func isUnsupported(err error) bool {
	var ue *format.UnsupportedError
	return errors.As(err, &ue)
}

// unsync applies unsynchronisation: a 0x00 is inserted after every 0xFF that
// is followed by a byte >= 0xE0 or 0x00, or that ends p (the next byte is not
// known, so the safe choice is made).
func unsync(p []byte) []byte {
	out := make([]byte, 0, len(p)+8)
	for i, c := range p {
		out = append(out, c)
		if c == 0xFF && (i+1 == len(p) || p[i+1] >= 0xE0 || p[i+1] == 0) {
			out = append(out, 0)
		}
	}
	return out
}

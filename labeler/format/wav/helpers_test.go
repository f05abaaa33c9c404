package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/riff"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// testRecord returns a record whose serialization has the given parity (the
// chunk body is odd-sized when odd is true), to exercise pad bytes.
func testRecord(id string, odd bool) aigc.Record {
	r := aigc.Record{Label: "1", ContentProducer: "001191110108335469089C10100", ProduceID: id}
	if (len(r.Marshal())%2 == 1) != odd {
		r.ProduceID += "x"
	}
	return r
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

// writeTemp writes b to a new file in a temporary folder and returns its path.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ffmpegF32 decodes files with ffmpeg, in one process, to interleaved float32
// samples.
func ffmpegF32(t *testing.T, files ...[]byte) [][]float32 {
	t.Helper()
	dir := t.TempDir()
	var args, outs []string
	for i, b := range files {
		in := filepath.Join(dir, fmt.Sprintf("in%d.wav", i))
		if err := os.WriteFile(in, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-i", in)
	}
	args = append([]string{"-v", "error"}, args...)
	for i := range files {
		out := filepath.Join(dir, fmt.Sprintf("out%d.f32", i))
		args = append(args, "-map", fmt.Sprintf("%d:a", i), "-f", "f32le", "-c:a", "pcm_f32le", out)
		outs = append(outs, out)
	}
	run(t, "ffmpeg", args...)
	var res [][]float32
	for _, out := range outs {
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		f := make([]float32, len(raw)/4)
		if err := binary.Read(bytes.NewReader(raw), binary.LittleEndian, f); err != nil {
			t.Fatal(err)
		}
		res = append(res, f)
	}
	return res
}

// strictChunks lists the top-level chunks with x/image/riff, which rejects a
// missing pad byte and any size beyond the data. It returns IDs and bodies.
func strictChunks(t *testing.T, b []byte) (ids []string, bodies [][]byte) {
	t.Helper()
	formType, r, err := riff.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("x/image/riff: %v", err)
	}
	if string(formType[:]) != "WAVE" {
		t.Fatalf("x/image/riff: form type %q", formType[:])
	}
	for {
		id, n, data, err := r.Next()
		if err == io.EOF {
			return ids, bodies
		}
		if err != nil {
			t.Fatalf("x/image/riff after %q: %v", ids, err)
		}
		body, err := io.ReadAll(data)
		if err != nil || len(body) != int(n) {
			t.Fatalf("x/image/riff: chunk %q: %d of %d bytes: %v", id[:], len(body), n, err)
		}
		ids = append(ids, string(id[:]))
		bodies = append(bodies, body)
	}
}

// buildWAV assembles a RIFF/WAVE file from chunks given as ID, body pairs,
// padding odd bodies.
func buildWAV(chunks ...any) []byte {
	out := []byte("RIFF\x00\x00\x00\x00WAVE")
	for i := 0; i < len(chunks); i += 2 {
		out = appendChunk(out, [4]byte([]byte(chunks[i].(string))), chunks[i+1].([]byte))
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// fmtPCM returns a 16-byte fmt chunk body.
func fmtPCM(tag, channels, rate, bits int) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(tag))
	b = binary.LittleEndian.AppendUint16(b, uint16(channels))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate*channels*bits/8))
	b = binary.LittleEndian.AppendUint16(b, uint16(channels*bits/8))
	return binary.LittleEndian.AppendUint16(b, uint16(bits))
}

func isFormatError(err error) bool {
	var fe *format.FormatError
	return errors.As(err, &fe)
}

func isUnsupported(err error) bool {
	var ue *format.UnsupportedError
	return errors.As(err, &ue)
}

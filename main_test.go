package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/internal/testenv"
)

const testProducer = "001191110102MACQD9K64010000"

// runCLI runs the CLI in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUsageExitCodes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.png")
	writePNG(t, in)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"label", in}, 2, "usage"},
		{[]string{"label", in, "-o", filepath.Join(dir, "b.png")}, 2, "--producer is required"},
		{[]string{"label", in, "-o", filepath.Join(dir, "b.png"), "--producer", testProducer, "--label", "7"}, 1, "Label"},
		{[]string{"label", in, "-o", filepath.Join(dir, "b.png"), "--producer", testProducer, "--size", "x"}, 2, "size"},
		{[]string{"label", filepath.Join(dir, "missing.png"), "-o", filepath.Join(dir, "b.png"), "--producer", testProducer}, 1, "missing.png"},
		{[]string{"detect"}, 2, "usage"},
		{[]string{"detect", filepath.Join(dir, "missing.png")}, 1, "missing.png"},
	}
	for _, c := range cases {
		code, out, errs := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.msg) {
			t.Errorf("aigclabel %v: exit %d (want %d), output %q lacks %q", c.args, code, c.code, out+errs, c.msg)
		}
	}
}

func TestLabelThenDetectJSON(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	writePNG(t, in)
	code, stdout, stderr := runCLI(t, "label", in, "-o", out, "--producer", testProducer, "--produce-id", "ID-1", "--json")
	if code != 0 {
		t.Fatalf("label: exit %d: %s", code, stderr)
	}
	var lr struct {
		detect.Report
		Output string `json:"output"`
	}
	if err := json.Unmarshal([]byte(stdout), &lr); err != nil {
		t.Fatalf("label --json output: %v\n%s", err, stdout)
	}
	if lr.Output != out || lr.Verdict != detect.Confirmed || lr.AIGC == nil || lr.AIGC.ProduceID != "ID-1" {
		t.Errorf("label report: %+v", lr)
	}
	code, stdout, _ = runCLI(t, "detect", out, "--json")
	if code != 0 {
		t.Fatalf("detect exit %d", code)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "verdict", "aigc", "carriers", "problems"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("detect --json lacks %q: %s", k, stdout)
		}
	}
	rec := raw["aigc"].(map[string]any)
	if rec["ContentProducer"] != testProducer || rec["Label"] != "1" {
		t.Errorf("aigc = %v", rec)
	}
	code, stdout, _ = runCLI(t, "detect", out)
	if code != 0 || !strings.Contains(stdout, "CONFIRMED") || !strings.Contains(stdout, "ID-1") {
		t.Errorf("detect summary (exit %d):\n%s", code, stdout)
	}
}

// TestLabelFolder checks the batch contract: every good file labeled, a bad
// one reported and skipped with exit code 1, and no temporary files left.
func TestLabelFolder(t *testing.T) {
	dir, outDir := t.TempDir(), t.TempDir()
	for _, n := range []string{"a.png", "sub/b.png", "c.png"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755)
		writePNG(t, filepath.Join(dir, n))
	}
	os.WriteFile(filepath.Join(dir, "broken.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.bin"), []byte{0, 1, 2}, 0o644)
	code, _, stderr := runCLI(t, "label", dir, "-o", outDir, "--producer", testProducer)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one bad file)", code)
	}
	if !strings.Contains(stderr, "broken.png") || !strings.Contains(stderr, "labeled 3 of 4 files") {
		t.Errorf("stderr does not name the bad file and the summary:\n%s", stderr)
	}
	var got []string
	filepath.WalkDir(outDir, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			r, _ := filepath.Rel(outDir, p)
			got = append(got, filepath.ToSlash(r))
		}
		return nil
	})
	if strings.Join(got, ",") != "a.png,c.png,sub/b.png" {
		t.Errorf("outputs = %v", got)
	}
}

// TestLabelFolderReusesBufferSafely: folder mode writes each output through
// one reused buffer per worker; every output must be byte-identical to
// labeling that file alone, whatever the order and sizes of the files before
// it (large, then smaller, then other formats).
func TestLabelFolderReusesBufferSafely(t *testing.T) {
	dir, outDir, single := t.TempDir(), t.TempDir(), t.TempDir()
	names := map[string]string{
		"1-kodim01.png":  testenv.Corpus(t, "images", "kodim01.png"),
		"2-sample1.webp": testenv.Corpus(t, "c2pa", "sample1.webp"),
		"3-CA.jpg":       testenv.Corpus(t, "c2pa", "CA.jpg"),
		"4-speech.wav":   testenv.Corpus(t, "audio", "speech_jfk_16k_mono.wav"),
		"5-sample1.png":  testenv.Corpus(t, "c2pa", "sample1.png"),
	}
	for n, src := range names {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--producer", testProducer, "--produce-id", "ID-REUSE-1"}
	if code, _, stderr := runCLI(t, append([]string{"label", dir, "-o", outDir, "-j", "1"}, args...)...); code != 0 {
		t.Fatalf("folder: exit %d\n%s", code, stderr)
	}
	for n := range names {
		one := filepath.Join(single, n)
		if code, _, stderr := runCLI(t, append([]string{"label", filepath.Join(dir, n), "-o", one}, args...)...); code != 0 {
			t.Fatalf("%s alone: exit %d\n%s", n, code, stderr)
		}
		a, _ := os.ReadFile(filepath.Join(outDir, n))
		b, _ := os.ReadFile(one)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: folder output (%d bytes) differs from labeling it alone (%d bytes)", n, len(a), len(b))
		}
	}
}

package upload

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"path"
	"strings"
	"testing"
	"time"
)

func FuzzWAVDuration(f *testing.F) {
	f.Add(wavHeader(1))
	f.Add(wavHeader(3 * 3600))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, ok := WAVDuration(b)
		if ok && d < 0 {
			t.Fatalf("negative duration %v", d)
		}
	})
}

// FuzzUnzip checks that no archive panics the batch reader or gets past its
// limits: at most 5 files, at most 1 MiB in all, every name inside the job.
func FuzzUnzip(f *testing.F) {
	zipOf := func(entries ...string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for _, e := range entries {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: e, Method: zip.Deflate})
			w.Write([]byte(strings.Repeat(e, 100)))
		}
		zw.Close()
		return b.Bytes()
	}
	f.Add(zipOf("a.jpg", "dir/b.png"))
	f.Add(zipOf("../evil.jpg"))
	f.Add(zipOf("a", "b", "c", "d", "e", "f"))
	f.Add([]byte("PK\x03\x04"))
	l := Limits{MaxZipEntries: 5, MaxZipBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		files, err := l.Unzip(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 {
				t.Fatalf("unzip error %v is not a 4xx API error", err)
			}
			return
		}
		total := 0
		for _, f := range files {
			total += len(f.Data)
			if f.Name == "" || path.IsAbs(f.Name) || strings.HasPrefix(f.Name, "../") || f.Name == ".." || strings.Contains(f.Name, `\`) {
				t.Fatalf("unsafe name %q accepted", f.Name)
			}
		}
		if len(files) > 5 || total > 1<<20 {
			t.Fatalf("%d files, %d bytes past the limits", len(files), total)
		}
	})
}

// wavHeader is a WAV header (16-bit stereo 44.1 kHz) declaring sec seconds
// of samples, followed by a few bytes of them.
func wavHeader(sec uint32) []byte {
	data := sec * 44100 * 4
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, 36+data)
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint32(b, 44100)
	b = binary.LittleEndian.AppendUint32(b, 44100*4)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, data)
	return append(b, make([]byte, 4096)...)
}

func TestWAVDuration(t *testing.T) {
	for _, sec := range []uint32{1, 60, 3 * 3600} {
		d, ok := WAVDuration(wavHeader(sec))
		if !ok || d != time.Duration(sec)*time.Second {
			t.Errorf("%d s header: %v, %v", sec, d, ok)
		}
	}
	if _, ok := WAVDuration([]byte("RIFF\x00\x00\x00\x00WAVE")); ok {
		t.Error("a header without fmt gave a duration")
	}
}

func TestSafeName(t *testing.T) {
	for name, ok := range map[string]bool{"a.jpg": true, "d/e/f.png": true, "./a.jpg": true, "../a": false, "a/../../b": false,
		"/etc/x": false, `a\b`: false, "C:/x": false, "": false, "a\x00b": false} {
		if _, err := SafeName(name); (err == nil) != ok {
			t.Errorf("SafeName(%q): %v", name, err)
		}
	}
}

package server

import (
	"archive/zip"
	"bytes"
	"errors"
	"path"
	"strings"
	"testing"
)

func FuzzWAVDuration(f *testing.F) {
	f.Add(wavBomb(1))
	f.Add(wavBomb(36000))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, ok := wavDuration(b)
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
	s := &Server{cfg: Config{MaxZipEntries: 5, MaxZipBytes: 1 << 20}}
	f.Fuzz(func(t *testing.T, b []byte) {
		files, err := s.unzip(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.status < 400 || e.status >= 500 {
				t.Fatalf("unzip error %v is not a 4xx API error", err)
			}
			return
		}
		total := 0
		for _, f := range files {
			total += len(f.data)
			if f.name == "" || path.IsAbs(f.name) || strings.HasPrefix(f.name, "../") || f.name == ".." || strings.Contains(f.name, `\`) {
				t.Fatalf("unsafe name %q accepted", f.name)
			}
		}
		if len(files) > 5 || total > 1<<20 {
			t.Fatalf("%d files, %d bytes past the limits", len(files), total)
		}
	})
}

func FuzzFingerprint(f *testing.F) {
	f.Add([]byte("Alice was beginning to get very tired of sitting by her sister on the bank."))
	f.Add([]byte("---\nAIGC: {}\n---\n# 标题\n\n人工智能生成的内容。"))
	f.Add([]byte(`<html><head><meta name="AIGC" content="{}"></head><body>text</body></html>`))
	f.Add([]byte{0xff, 0xfe, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if Fingerprint(b) != Fingerprint(bytes.Clone(b)) {
			t.Fatal("fingerprint is not deterministic")
		}
	})
}

// TestFingerprintDistances checks the SimHash: light edits move few bits,
// another text about half of them, and the AIGC metadata none.
func TestFingerprintDistances(t *testing.T) {
	a := []byte(strings.Repeat("Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it, and what is the use of a book, thought Alice, without pictures or conversations? ", 4))
	edited := bytes.Replace(a, []byte("very tired"), []byte("quite tired"), 1)
	other := []byte(strings.Repeat("The registry keeps every labeling event for six months: time, key, producer code, content hashes and options, indexed for lookups by watermark. ", 4))
	withMeta := append([]byte("---\nAIGC: {\"Label\":\"1\",\"ContentProducer\":\"X\",\"ProduceID\":\"01ABC\"}\n---\n"), a...)
	dist := func(x, y []byte) int {
		v := Fingerprint(x) ^ Fingerprint(y)
		n := 0
		for ; v != 0; v &= v - 1 {
			n++
		}
		return n
	}
	if d := dist(a, edited); d > 6 {
		t.Errorf("one edited word moved %d bits", d)
	}
	if d := dist(a, withMeta); d != 0 {
		t.Errorf("front matter moved %d bits", d)
	}
	if d := dist(a, other); d < 16 {
		t.Errorf("unrelated texts only %d bits apart", d)
	}
}

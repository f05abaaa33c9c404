package text

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

func addTestdata(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// checkSlots checks that every slot lies inside b.
func checkSlots(t *testing.T, b []byte, md *format.Metadata) {
	for _, s := range md.Records {
		if s.Offset < 0 || s.Length < 0 || s.Offset+s.Length > int64(len(b)) {
			t.Fatalf("slot %+v outside the %d-byte input", s, len(b))
		}
	}
}

func FuzzReadHTML(f *testing.F) {
	addTestdata(f, "html")
	f.Add([]byte(`<meta name=aigc content='{"Label":"1"}'`))
	f.Add([]byte("<!--<head><meta name=AIGC>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := HTMLCodec{}.Read(b)
		if err != nil {
			t.Fatal(err) // HTML reading never fails: browsers read anything
		}
		checkSlots(t, b, md)
		if _, err := (HTMLCodec{}).ContentHash(b); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzReadMarkdown(f *testing.F) {
	addTestdata(f, "markdown")
	f.Add([]byte("---\nAIGC:\n  Label: '1\n    x'\n  N:\n    a: |+\n      b\n\n---\n"))
	f.Add([]byte("---\nAIGC: \"\\u00\"\n---\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := MarkdownCodec{}.Read(b)
		if err == nil {
			checkSlots(t, b, md)
			for _, s := range md.Records {
				aigc.Parse(s.Payload) // must not panic
			}
		}
		MarkdownCodec{}.ContentHash(b)
	})
}

// FuzzWriteRead checks the Codec contract on any input both codecs accept:
// one record read back equal to the one written, the hash unchanged, and
// writing idempotent.
func FuzzWriteRead(f *testing.F) {
	for _, dir := range []string{"html", "markdown"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b, "ID-1")
			}
		}
	}
	f.Add([]byte("---\n---\n"), "x'y")
	f.Fuzz(func(t *testing.T, b []byte, id string) {
		if !utf8.ValidString(id) {
			return // JSON cannot carry it; Label refuses such records (aigc.Validate)
		}
		rec := testRecord
		rec.ProduceID = id
		for _, c := range []format.Codec{HTMLCodec{}, MarkdownCodec{}} {
			out, err := c.Write(b, rec)
			if err != nil {
				continue
			}
			md, err := c.Read(out)
			if err != nil {
				t.Fatalf("%T: Read(Write(b)): %v\n%q", c, err, out)
			}
			if len(md.Records) != 1 {
				t.Fatalf("%T: %d records after Write\n%q", c, len(md.Records), out)
			}
			got, _, err := aigc.Parse(md.Records[0].Payload)
			if err != nil || got != rec {
				t.Fatalf("%T: read back %+v, %v; want %+v\n%q", c, got, err, rec, out)
			}
			h0, err0 := c.ContentHash(b)
			h1, err1 := c.ContentHash(out)
			if err0 != nil || err1 != nil || h0 != h1 {
				t.Fatalf("%T: hash changed by Write (%v, %v)\n%q\n%q", c, err0, err1, b, out)
			}
			if again, err := c.Write(out, rec); err != nil || !bytes.Equal(again, out) {
				t.Fatalf("%T: Write not idempotent (%v)", c, err)
			}
		}
	})
}

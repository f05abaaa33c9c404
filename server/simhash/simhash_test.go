package simhash

import (
	"bytes"
	"strings"
	"testing"
)

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

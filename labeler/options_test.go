package labeler

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
)

func TestNewProduceID(t *testing.T) {
	// The ULID spec's own example: time 1469918176385 ms with all-zero
	// randomness encodes as 01ARYZ6S41 followed by sixteen zeros.
	id, err := NewProduceID(time.UnixMilli(1469918176385), bytes.NewReader(make([]byte, 10)))
	if err != nil {
		t.Fatal(err)
	}
	if id != "01ARYZ6S410000000000000000" {
		t.Errorf("NewProduceID = %s, want 01ARYZ6S410000000000000000", id)
	}
	rnd := bytes.NewReader(bytes.Repeat([]byte{0xff}, 10))
	id, _ = NewProduceID(time.UnixMilli(1469918176385), rnd)
	if id != "01ARYZ6S41ZZZZZZZZZZZZZZZZ" {
		t.Errorf("all-ones randomness: %s", id)
	}
	rec := aigc.Record{Label: "1", ContentProducer: "001191110102MACQD9K64010000", ProduceID: id}
	if !rec.Valid() {
		t.Errorf("generated ID fails Annex E validation: %v", rec.Validate())
	}
	if _, err := NewProduceID(time.Now(), strings.NewReader("short")); err == nil {
		t.Error("NewProduceID with too little randomness succeeded")
	}
}

func TestOptionsFromValues(t *testing.T) {
	o, err := OptionsFromValues(url.Values{
		"producer": {"P"}, "produce-id": {"ID"}, "label": {"2"}, "explicit-text": {"AI合成"},
		"size": {"7.5"}, "at": {"every:10"}, "watermark": {"true"}, "quality": {"80"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Producer != "P" || o.ProduceID != "ID" || o.Label != "2" || o.Quality != 80 || o.Watermark == nil {
		t.Errorf("options = %+v", o)
	}
	if o.Explicit == nil || o.Explicit.Text != "AI合成" || o.Explicit.SizePercent != 7.5 || o.Explicit.At != "every:10" {
		t.Errorf("explicit = %+v", o.Explicit)
	}
	for _, bad := range []url.Values{
		{"producr": {"typo"}}, {"size": {"x"}}, {"size": {"90"}}, {"size": {"4"}}, {"quality": {"0"}}, {"watermark": {"maybe"}},
	} {
		if _, err := OptionsFromValues(bad); err == nil {
			t.Errorf("OptionsFromValues(%v) succeeded", bad)
		}
	}
	if o, _ := OptionsFromValues(url.Values{"watermark": {"false"}}); o.Watermark != nil {
		t.Error("watermark=false turned the watermark on")
	}
}

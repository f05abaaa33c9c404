package labeler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format/text"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
)

// TestShortTextWatermark: a text too short for the watermark's 5% budget is
// still labeled when something else carries the label (a Markdown record, the
// wording), says so in Steps and Notes, and reports no watermark ID; plain
// text with nothing else to carry the label fails, naming the cause. A long
// enough text is marked and the mark is found.
func TestShortTextWatermark(t *testing.T) {
	short := "A short note written by a model.\n"
	long := strings.Repeat("The river bends past the old mill, and the children run along its bank. ", 8)

	o := fixed()
	o.Watermark = &WatermarkOptions{}
	md, err := Label(context.Background(), []byte("---\ntitle: Note\n---\n"+short), o)
	if err != nil {
		t.Fatalf("short Markdown: %v", err)
	}
	if !slices.Contains(md.Steps, "watermark-skipped") || md.WatermarkID != "" || len(md.Notes) != 1 || !strings.Contains(md.Notes[0], "fingerprint") {
		t.Errorf("short Markdown: steps %v, watermark ID %q, notes %q", md.Steps, md.WatermarkID, md.Notes)
	}
	meta, err := text.MarkdownCodec{}.Read(md.Output)
	if err != nil || len(meta.Records) != 1 {
		t.Fatalf("short Markdown output: %d records, %v", len(meta.Records), err)
	}
	if rec, _, err := aigc.Parse(meta.Records[0].Payload); err != nil || rec.ProduceID != md.Record.ProduceID {
		t.Errorf("short Markdown record: %+v %v", rec, err)
	}

	_, err = Label(context.Background(), []byte(short), o)
	if !errors.Is(err, textwm.ErrTooShort) || !strings.Contains(err.Error(), "--explicit") {
		t.Errorf("short plain text, watermark only: %v, want ErrTooShort with advice", err)
	}

	o.Explicit = &ExplicitOptions{}
	res, err := Label(context.Background(), []byte(short), o)
	if err != nil || !strings.Contains(string(res.Output), "AI生成") || !slices.Contains(res.Steps, "watermark-skipped") {
		t.Errorf("short plain text with wording: %v, steps %v", err, res.Steps)
	}

	o.Explicit = nil
	res, err = Label(context.Background(), []byte(long), o)
	if err != nil || res.WatermarkID == "" || len(res.Notes) != 0 {
		t.Fatalf("long text: %v, watermark ID %q, notes %q", err, res.WatermarkID, res.Notes)
	}
	if got := textwm.Detect(string(res.Output), payload.DevKey); !got.Found || got.Payload != WatermarkID(res.Record) {
		t.Errorf("long text: watermark %+v, want %016x", got, WatermarkID(res.Record))
	}
}

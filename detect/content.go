package detect

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"strings"

	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/explicit"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/format/c2pa"
	"github.com/aigclabel/aigclabel/labeler/format/wav"
	"github.com/aigclabel/aigclabel/labeler/sign"
)

// verifySeals checks ReservedCode1 and ReservedCode2 of the reported record.
func verifySeals(codec format.Codec, b []byte, rep *Report, opts Options) {
	h, err := codec.ContentHash(b)
	hashes := sign.Hashes{SM3: sm3Binding(rep.Format, b, rep.carrier)}
	if err == nil {
		hashes.SHA256 = &h
	}
	rec := *rep.AIGC
	rep.Seal = &SealReport{
		Producer:   sign.Verify(rec, sign.Producer, hashes, opts.Keys, opts.At),
		Propagator: sign.Verify(rec, sign.Propagator, hashes, opts.Keys, opts.At),
	}
}

// inspectForeign turns foreign provenance into evidence: a C2PA manifest
// whose creation action names an AI source type, an IPTC DigitalSourceType
// saying the same, generator traces.
func inspectForeign(rep *Report) {
	for i := range rep.Foreign {
		f := &rep.Foreign[i]
		switch f.Kind {
		case "c2pa":
			m, err := c2pa.Parse(f.Data)
			if err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("c2pa at offset %d: %v", f.Offset, err))
				continue
			}
			f.Value = strings.TrimSpace(strings.Join(append([]string{f.Value, m.ClaimGenerator}, m.DigitalSourceTypes...), " "))
			if m.AI() {
				rep.traces = append(rep.traces, fmt.Sprintf("C2PA manifest (%s) declares an AI source type: %s", m.ClaimGenerator, strings.Join(append(m.DigitalSourceTypes, m.IngredientSourceTypes...), ", ")))
			}
		case "iptc-digital-source-type":
			if c2pa.DigitalSourceTypeIsAI(f.Value) {
				rep.traces = append(rep.traces, "IPTC DigitalSourceType "+c2pa.DigitalSourceTypeTerm(f.Value)+" marks AI generation")
			}
		case "generator":
			if name := aiGenerator(f.Value); name != "" {
				rep.traces = append(rep.traces, fmt.Sprintf("generator metadata names %s: %q", name, f.Value))
			}
		}
	}
}

// inspectContent looks at pixels, samples or text: explicit labels and the
// invisible watermark.
func inspectContent(ctx context.Context, b []byte, rep *Report, opts Options) error {
	switch {
	case rep.Format.IsText():
		inspectText(string(b), rep, opts)
	case rep.Format == format.WAV:
		pcm, err := wav.DecodePCM(b)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("audio not decoded: %v", err))
			return nil
		}
		inspectAudio(pcm, rep, opts)
	case rep.Format.IsImage():
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || int64(cfg.Width)*int64(cfg.Height) > labeler.MaxPixels {
			rep.Problems = append(rep.Problems, "image not decoded for content checks (unreadable or over the pixel limit)")
			return nil
		}
		img, err := explicit.DecodeOriented(bytes.NewReader(b))
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("image not decoded: %v", err))
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		inspectImage(img, rep, opts)
	}
	return ctx.Err()
}

func inspectText(text string, rep *Report, opts Options) {
	ex := &ExplicitReport{Findings: []Finding{}}
	for _, f := range explicit.FindText(text) {
		ex.Findings = append(ex.Findings, Finding{Kind: "text", Text: f.Text, Where: fmt.Sprintf("%s, byte %d", f.Position, f.Offset), Confidence: 1})
	}
	rep.setExplicit(ex)
	inspectTextWatermark(text, rep, opts)
}

func inspectAudio(pcm *wav.PCM, rep *Report, opts Options) {
	ex := &ExplicitReport{Findings: []Finding{}}
	for _, f := range explicit.FindPrompt(pcm.Samples, pcm.Rate) {
		ex.Findings = append(ex.Findings, Finding{Kind: "audio-" + string(f.Kind), Where: fmt.Sprintf("%.2f-%.2f s", f.Start, f.End), Confidence: f.Confidence})
	}
	rep.setExplicit(ex)
	inspectAudioWatermark(pcm, rep, opts)
}

func inspectImage(img image.Image, rep *Report, opts Options) {
	ex := &ExplicitReport{Findings: []Finding{}}
	for _, f := range explicit.FindOverlay(img) {
		ex.Findings = append(ex.Findings, Finding{Kind: "image-overlay", Text: f.Text, Where: fmt.Sprintf("%s, %v", f.Position, f.Box), Confidence: f.Score})
	}
	rep.setExplicit(ex)
	inspectImageWatermark(img, rep, opts)
}

// setExplicit records explicit findings and counts them as a trace of AI
// generation (Art. 6 (三): a detected explicit label).
func (rep *Report) setExplicit(ex *ExplicitReport) {
	ex.Found = len(ex.Findings) > 0
	rep.Explicit = ex
	if ex.Found {
		rep.traces = append(rep.traces, fmt.Sprintf("explicit label found (%s)", ex.Findings[0].Kind))
	}
}

// aiGenerators are names of AI generators as they appear in Software tags,
// PNG text chunks and HTML generator metas. Matching is case-insensitive on
// whole names; a general editor (Photoshop, GIMP) is no trace.
var aiGenerators = []string{
	"stable diffusion", "midjourney", "dall-e", "dall·e", "firefly", "comfyui", "novelai", "imagen",
	"flux", "leonardo", "sora", "runway", "suno", "udio", "elevenlabs", "gemini", "chatgpt", "gpt-4",
	"openai", "doubao", "豆包", "jimeng", "即梦", "dreamina", "kling", "可灵", "minimax", "hailuo", "海螺",
	"tongyi", "通义", "wanx", "qwen", "ernie", "文心", "hunyuan", "混元", "yuanbao", "元宝", "stepfun", "阶跃",
}

func aiGenerator(v string) string {
	lv := strings.ToLower(v)
	if strings.HasPrefix(lv, "stable diffusion parameters") {
		return "Stable Diffusion"
	}
	for _, g := range aiGenerators {
		if strings.Contains(lv, g) {
			return g
		}
	}
	return ""
}

// Package detect reads labels: every AIGC record and where it sits, foreign
// provenance, seals, watermarks and explicit labels, and classifies the file
// under the platform rules of the Labeling Measures Art. 6 as confirmed,
// possible, suspected or none, with the evidence for that verdict.
//
// Like labeler it is pure (no disk, network or clock), and it reuses the
// labeler's carriers: there is one parser per format in the whole program.
package detect

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/sign"
)

// Verdicts, as the Measures Art. 6 names them.
const (
	Confirmed = "confirmed" // a valid implicit label (or a registered watermark) says AI-generated
	Possible  = "possible"  // no implicit label, but the uploader declared AI generation
	Suspected = "suspected" // no valid label, but traces of AI generation
	None      = "none"
)

// Options controls Inspect. The zero value reads everything with the
// development watermark key and no key set.
type Options struct {
	// Declared is the uploader's own declaration that the content is
	// AI-generated (Art. 6 (二)).
	Declared bool `json:"declared,omitempty"`
	// MetadataOnly skips the content checks (explicit labels, watermark) that
	// need pixels or samples decoded.
	MetadataOnly bool `json:"metadataOnly,omitempty"`
	// Keys is the key set seals are verified against; nil verifies seals for
	// integrity only (status unknown-key at best).
	Keys *sign.KeySet `json:"-"`
	// At is the time key validity is judged at; the zero time skips validity
	// periods (detect never reads the clock itself).
	At time.Time `json:"-"`
	// WatermarkKey is the watermark key; nil means the development key.
	WatermarkKey []byte `json:"-"`
	// Lookup, when set, resolves a found watermark ID to its registered
	// record (the server's registry). A match makes the verdict confirmed.
	Lookup func(watermarkID uint64) (*aigc.Record, bool) `json:"-"`
}

// Report is the result of Inspect. Its JSON is the contract shared by the CLI
// (--json), the server API and the browser.
type Report struct {
	Format   format.Kind      `json:"format"`
	Verdict  string           `json:"verdict"`
	Evidence []string         `json:"evidence"`
	AIGC     *aigc.Record     `json:"aigc"`
	Carriers []Carrier        `json:"carriers"`
	Problems []string         `json:"problems"`
	Foreign  []format.Foreign `json:"foreign"`
	// ContentHash is the hex SHA-256 of the file with its metadata slot
	// excluded, "" when the format has no carrier.
	ContentHash string `json:"contentHash,omitempty"`
	// Seal reports the ReservedCode1/ReservedCode2 seals.
	Seal *SealReport `json:"seal,omitempty"`
	// Watermark reports the invisible watermark search (nil when not run).
	Watermark *WatermarkReport `json:"watermark,omitempty"`
	// Explicit reports explicit labels found in the content (nil when not run).
	Explicit *ExplicitReport `json:"explicit,omitempty"`
	// Fingerprint is the text fingerprint the registry matches excerpts and
	// light edits against (text formats only).
	Fingerprint string `json:"fingerprint,omitempty"`

	traces     []string // evidence of AI generation short of a valid record
	registered bool     // a found watermark resolved to a registered record
	carrier    *Carrier // where the reported record sits
}

// SealReport gives the verification status of both seals (see sign.Status
// for the values: valid, content-modified, invalid, unknown-key,
// expired-key, revoked-key, absent, malformed).
type SealReport struct {
	Producer   sign.SealStatus `json:"producer"`
	Propagator sign.SealStatus `json:"propagator"`
}

// WatermarkReport is the invisible watermark search result.
type WatermarkReport struct {
	Found bool `json:"found"`
	// Payload is the 64-bit watermark ID in hex (see labeler.WatermarkID).
	Payload string `json:"payload,omitempty"`
	// Confidence is the probability that an unmarked input gives a detection
	// this strong (a false-positive probability: smaller is surer).
	Confidence float64 `json:"confidence"`
	BitErrors  int     `json:"bitErrors"`
	// Segments lists, for audio, the seconds that carry the mark.
	Segments []Segment `json:"segments,omitempty"`
	// Compact reports, for text, a payload read from the compact layout of
	// a short text: it keeps fewer check bits than the regular code, so
	// Confidence (its own bound, at most textwm.MaxCompactFalsePositive) is
	// weaker than a regular detection's and worth showing to a reviewer.
	Compact bool `json:"compact,omitempty"`
	// Note explains a search that could not run (image too small, too flat).
	Note string `json:"note,omitempty"`
}

// Segment is a stretch of audio, in seconds.
type Segment struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// ExplicitReport lists the explicit labels found.
type ExplicitReport struct {
	Found    bool      `json:"found"`
	Findings []Finding `json:"findings"`
}

// Finding is one explicit label: its kind (text, image-overlay,
// audio-rhythm, audio-voice), the wording when known, where it is (a byte
// offset, a corner, a time) and how sure the detector is (0 to 1).
type Finding struct {
	Kind       string  `json:"kind"`
	Text       string  `json:"text,omitempty"`
	Where      string  `json:"where"`
	Confidence float64 `json:"confidence"`
}

// Carrier is one AIGC record found in the file.
type Carrier struct {
	Kind   string `json:"kind"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	Valid  bool   `json:"valid"`
}

// Inspect reads every label in b and classifies the file. An error means the
// input could not be read at all (unknown or corrupt format); a file without
// labels gives a Report with verdict "none".
func Inspect(ctx context.Context, b []byte, opts Options) (Report, error) {
	rep := Report{Format: format.Sniff(b), Evidence: []string{}, Carriers: []Carrier{}, Problems: []string{}, Foreign: []format.Foreign{}}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	codec, err := labeler.CodecFor(rep.Format)
	if err != nil {
		if rep.Format == format.Unknown {
			return rep, err
		}
		if rep.Format != format.Text { // plain text has no metadata slot by design
			rep.Problems = append(rep.Problems, err.Error())
		}
	} else if err := inspectMetadata(codec, b, &rep); err != nil {
		return rep, err
	}
	if rep.AIGC != nil {
		verifySeals(codec, b, &rep, opts)
	}
	inspectForeign(&rep)
	if !opts.MetadataOnly {
		if err := inspectContent(ctx, b, &rep, opts); err != nil {
			return rep, err
		}
	}
	classify(&rep, opts)
	return rep, nil
}

func inspectMetadata(codec format.Codec, b []byte, rep *Report) error {
	md, err := codec.Read(b)
	if err != nil {
		return err
	}
	if h, err := codec.ContentHash(b); err == nil {
		rep.ContentHash = hex.EncodeToString(h[:])
	}
	rep.Foreign = append(rep.Foreign, md.Foreign...)
	// The reported record is the first valid one, else the first readable one.
	var first *aigc.Record
	firstValid := false
	for _, s := range md.Records {
		c := Carrier{Kind: s.Kind, Offset: s.Offset, Length: s.Length}
		rec, probs, err := aigc.Parse(s.Payload)
		where := fmt.Sprintf("%s at offset %d", s.Kind, s.Offset)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", where, err))
			rep.Carriers = append(rep.Carriers, c)
			continue
		}
		for _, p := range probs {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s", where, p))
		}
		if verr := rec.Validate(); verr != nil {
			for _, fe := range verr.(aigc.ValidationError) {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s", where, fe.Error()))
			}
		}
		c.Valid = rec.Valid()
		rep.Carriers = append(rep.Carriers, c)
		if first == nil || (c.Valid && !firstValid) {
			r, where := rec, c
			first, firstValid, rep.carrier = &r, c.Valid, &where
		}
	}
	if len(md.Records) > 1 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d AIGC records found; GB 45438 6.1 c) allows one per file", len(md.Records)))
	}
	rep.AIGC = first
	return nil
}

// classify applies the Measures Art. 6 rules to what was found: a valid
// record (with no failed seal) or a registered watermark is confirmed; else the
// uploader's declaration makes it possible; else any trace of AI generation
// makes it suspected.
func classify(rep *Report, opts Options) {
	valid := false
	for _, c := range rep.Carriers {
		valid = valid || c.Valid
	}
	sealFailed := rep.Seal != nil && failedSeal(rep.Seal.Producer.Status, rep.AIGC.ReservedCode1)
	if sealFailed && rep.Seal.Producer.Status == sign.StatusContentModified && rep.Seal.Propagator.Status == sign.StatusValid {
		// The propagator's valid seal covers ReservedCode1 (with the
		// producer's content hash) and the current content: a trusted
		// platform vouches for the change (typically the explicit label it
		// added).
		sealFailed = false
		rep.Evidence = append(rep.Evidence, "content changed after the producer sealed it; the change is covered by the propagator's valid seal")
	}
	var traces []string
	switch {
	case valid && rep.AIGC != nil && !sealFailed:
		rep.Verdict = Confirmed
		rep.Evidence = append([]string{fmt.Sprintf("valid AIGC record with Label %q from %s", rep.AIGC.Label, rep.AIGC.ContentProducer)}, rep.Evidence...)
		return
	case rep.registered:
		rep.Verdict = Confirmed
		return
	case valid && sealFailed:
		traces = append(traces, fmt.Sprintf("an AIGC record is present but its producer seal is %s", rep.Seal.Producer.Status))
	case len(rep.Carriers) > 0:
		traces = append(traces, "an AIGC record is present but does not validate")
	}
	traces = append(traces, rep.traces...)
	switch {
	case opts.Declared:
		rep.Verdict = Possible
		rep.Evidence = append(rep.Evidence, "the uploader declared the content AI-generated")
		rep.Evidence = append(rep.Evidence, traces...)
	case len(traces) > 0:
		rep.Verdict = Suspected
		rep.Evidence = append(rep.Evidence, traces...)
	default:
		rep.Verdict = None
	}
}

// failedSeal reports the seal outcomes that mean the record cannot be
// trusted: its signature or its content binding is broken, or its key was
// revoked. Unknown and expired keys leave the record as it is: unverifiable is
// not forged.
//
// A ReservedCode that is not JSON at all (a vendor's opaque digest or base64
// blob, as Alibaba and Qwen write) was never meant as a SecurityData seal:
// being unreadable as one is no sign of tampering.
func failedSeal(s sign.Status, code string) bool {
	switch s {
	case sign.StatusInvalid, sign.StatusContentModified, sign.StatusRevokedKey:
		return true
	case sign.StatusMalformed:
		return strings.HasPrefix(strings.TrimSpace(code), "{")
	}
	return false
}

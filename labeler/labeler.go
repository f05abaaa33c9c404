// Package labeler writes GB 45438 labels: the implicit AIGC metadata record in
// every supported carrier, and, when asked, explicit labels, invisible
// watermarks and seals. It is pure: bytes in, bytes out, with time and
// randomness injected through Options, so the native, js/wasm and wasip1 builds
// give byte-identical output for the same input and options.
package labeler

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// Options controls Label. The zero value is not usable: Producer is required.
type Options struct {
	// Producer is the ContentProducer code (27-character TC260 provider code).
	Producer string `json:"producer"`
	// ProduceID is the content's ID; when empty one is generated (see NewProduceID).
	ProduceID string `json:"produceId,omitempty"`
	// Label is the Annex E Label value, "1" (default), "2" or "3".
	Label string `json:"label,omitempty"`
	// FillPropagator writes ContentPropagator and PropagateID equal to the
	// producer's values (the reading of Annex E Note 1 some implementers
	// follow). By default they are left empty for the platform to fill.
	FillPropagator bool `json:"fillPropagator,omitempty"`

	// Explicit, when set, adds a visible or audible label.
	Explicit *ExplicitOptions `json:"explicit,omitempty"`
	// Watermark, when set, embeds an invisible watermark.
	Watermark *WatermarkOptions `json:"watermark,omitempty"`
	// Quality is the JPEG quality used when the content is re-encoded (explicit
	// label or watermark); 0 means 92.
	Quality int `json:"quality,omitempty"`
	// Seal, when set, signs the record into ReservedCode1.
	Seal *SealOptions `json:"-"`

	// Clock gives the time used in generated IDs and seals; nil means time.Now.
	// Inject a fixed clock for reproducible output.
	Clock func() time.Time `json:"-"`
	// Rand is the randomness for generated IDs; nil means crypto/rand.
	Rand io.Reader `json:"-"`
	// Progress, when set, is called with a stage name and the fraction done
	// (0 to 1) during long work (decoding, watermarking, encoding).
	Progress func(stage string, done float64) `json:"-"`
}

// ExplicitOptions selects the explicit (visible or audible) label. Zero values
// mean the documented defaults.
type ExplicitOptions struct {
	Text        string  `json:"text,omitempty"`        // wording; default AI生成
	Position    string  `json:"position,omitempty"`    // image/text: corner or edge, e.g. bottom-right (default)
	SizePercent float64 `json:"sizePercent,omitempty"` // image: glyph height as % of the shorter side (default 6)
	Prompt      string  `json:"prompt,omitempty"`      // audio: rhythm (default), voice or both
	At          string  `json:"at,omitempty"`          // audio: start (default), end, both or every:N
	Insert      bool    `json:"insert,omitempty"`      // audio: insert the prompt instead of mixing it in
	Style       string  `json:"style,omitempty"`       // text: the wording style
}

// WatermarkOptions selects the invisible watermark.
type WatermarkOptions struct {
	// Key is the secret watermark key; nil means the development key, which is
	// for tests only.
	Key []byte `json:"-"`
	// NoVerify skips re-detecting the watermark in the output before returning it.
	NoVerify bool `json:"noVerify,omitempty"`
}

// SealOptions holds what sealing needs. Its fields are set by the sign package
// integration; a nil *SealOptions means no seal.
type SealOptions struct {
	Signer Signer
}

// Signer seals a record: given the record and the content hash of the file
// (metadata slot excluded) it returns the ReservedCode value.
type Signer interface {
	Seal(rec aigc.Record, contentHash [32]byte) (string, error)
}

// Result is what Label returns.
type Result struct {
	Output []byte      `json:"-"`
	Format format.Kind `json:"format"`
	Record aigc.Record `json:"aigc"`
	// ContentHash is the hex SHA-256 of the output with its metadata slot
	// excluded, set when a seal was made (the seal binds it); detect.Inspect
	// reports it for any file.
	ContentHash string `json:"contentHash,omitempty"`
	WatermarkID string `json:"watermarkId,omitempty"`
	// Steps lists what was done, in order ("explicit", "watermark", "metadata",
	// "seal", "verify"; "watermark-skipped" for a text too short to carry it).
	// Results may share it (metadata-only labeling returns one list for
	// every file, so as not to allocate): read it, do not modify it.
	Steps []string `json:"steps"`
	// Notes says what was skipped and why, in words for the user.
	Notes []string `json:"notes,omitempty"`
}

// ErrNoProducer is returned when Options.Producer is empty.
var ErrNoProducer = errors.New("labeler: a producer code is required")

// Label labels in: it writes the AIGC record into the format's standard
// carrier, replacing any record already there, and applies the explicit label
// and watermark when asked. Without Explicit or Watermark it never decodes
// pixels or samples: the output differs from the input only in the metadata
// slot.
func Label(ctx context.Context, in []byte, opts Options) (Result, error) {
	return AppendLabel(ctx, nil, in, opts)
}

// AppendLabel is Label writing the output into a caller's buffer: it appends
// the labeled file to dst, and Result.Output is the extended buffer (pass
// buf[:0] to get the file alone). When dst has the capacity, metadata-only
// labeling makes no file-sized allocation, so a caller labeling many files
// (a batch, a server) reuses one buffer per worker instead of allocating, and
// first touching, fresh memory the size of every file; for JPEG, PNG, WebP,
// WAV and MP3 files it makes no heap allocation at all, and Label only the
// output's (TestMetadataLabelAllocs). dst must not overlap in. The bytes
// appended are exactly those Label returns.
func AppendLabel(ctx context.Context, dst, in []byte, opts Options) (Result, error) {
	if opts.Producer == "" {
		return Result{}, ErrNoProducer
	}
	kind := format.Sniff(in)
	contentOps := opts.Explicit != nil || opts.Watermark != nil
	codec, err := CodecFor(kind)
	if err != nil && !(kind == format.Text && contentOps) {
		if kind == format.Text {
			err = &format.UnsupportedError{Format: kind, Msg: "plain text has no metadata carrier: label it with --explicit and/or --watermark"}
		}
		return Result{}, err
	}
	rec := aigc.Record{
		Label:           opts.Label,
		ContentProducer: opts.Producer,
		ProduceID:       opts.ProduceID,
	}
	if rec.Label == "" {
		rec.Label = aigc.LabelConfirmed
	}
	if rec.ProduceID == "" {
		if rec.ProduceID, err = NewProduceID(opts.now(), opts.rand()); err != nil {
			return Result{}, err
		}
	}
	if opts.FillPropagator {
		rec.ContentPropagator, rec.PropagateID = rec.ContentProducer, rec.ProduceID
	}
	if err := validate(rec); err != nil {
		return Result{}, err
	}
	var res Result
	body := in
	if contentOps {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		var steps, notes []string
		if body, steps, notes, err = applyContent(ctx, kind, body, rec, opts); err != nil {
			return Result{}, err
		}
		res.Steps = append(res.Steps, steps...)
		res.Notes = append(res.Notes, notes...)
		if k := format.Sniff(body); k != kind { // WebP comes back as PNG
			kind = k
			if codec, err = CodecFor(kind); err != nil {
				return Result{}, err
			}
		}
	}
	res.Format = kind
	if codec == nil { // plain text: explicit wording and watermark only
		if dst != nil {
			body = append(dst, body...)
		}
		res.Output, res.Record = body, rec
	} else {
		out, hash, err := writeRecord(codec, dst, body, &rec, opts.Seal)
		if err != nil {
			return Result{}, err
		}
		if err := verifyRecord(codec, out[len(dst):], rec); err != nil {
			return Result{}, err
		}
		if res.Steps == nil && opts.Seal == nil {
			res.Steps = metadataSteps[:]
		} else {
			res.Steps = append(res.Steps, "metadata")
			if opts.Seal != nil {
				res.Steps = append(res.Steps, "seal")
			}
			res.Steps = append(res.Steps, "verify")
		}
		res.Output, res.Record, res.ContentHash = out, rec, hex.EncodeToString(hash)
	}
	if opts.Watermark != nil && !slices.Contains(res.Steps, "watermark-skipped") {
		res.WatermarkID = fmt.Sprintf("%016x", WatermarkID(rec))
	}
	return res, nil
}

// metadataSteps is Result.Steps of metadata-only labeling, shared by every
// such result: a slice literal would cost an allocation per label.
var metadataSteps = [...]string{"metadata", "verify"}

// writeRecord seals rec when asked and writes it, appending the output to dst.
// The content hash is computed only for a seal: hashing costs more than the
// byte splice of metadata-only labeling. Because the hash excludes the
// metadata slot, hashing the input gives the hash of the output.
func writeRecord(codec format.Codec, dst, body []byte, rec *aigc.Record, seal *SealOptions) (out []byte, hash []byte, err error) {
	if seal != nil && seal.Signer != nil {
		h, err := codec.ContentHash(body)
		if err != nil {
			return nil, nil, err
		}
		if rec.ReservedCode1, err = seal.Signer.Seal(*rec, h); err != nil {
			return nil, nil, fmt.Errorf("labeler: sealing: %w", err)
		}
		hash = h[:]
	}
	out, err = format.AppendWrite(codec, dst, body, *rec)
	return out, hash, err
}

// verifyRecord re-reads the output: exactly one record, equal to rec. A
// codec that can show this without allocating (format.RecordChecker) does;
// otherwise, or when it could not, the records are read and compared.
func verifyRecord(codec format.Codec, out []byte, want aigc.Record) error {
	if c, ok := codec.(format.RecordChecker); ok && c.HasOnlyRecord(out, want) {
		return nil
	}
	records, err := format.ReadRecords(codec, out)
	if err != nil {
		return fmt.Errorf("labeler: verify-after-write: re-reading the output: %w", err)
	}
	if len(records) != 1 {
		return fmt.Errorf("labeler: verify-after-write: output holds %d AIGC records, want 1", len(records))
	}
	// The binary carriers store want.Marshal() (XMP and ID3 after their own
	// unescaping): the same bytes prove every field equal without a JSON
	// parse, which would cost more than the rest of a metadata-only label.
	// Other forms (text carriers) are parsed and compared.
	if bytes.Equal(records[0].Payload, want.Marshal()) {
		return nil
	}
	got, _, err := aigc.Parse(records[0].Payload)
	if err != nil {
		return fmt.Errorf("labeler: verify-after-write: %w", err)
	}
	if got != want {
		return fmt.Errorf("labeler: verify-after-write: record read back differs: %s", got.String())
	}
	return nil
}

func validate(rec aigc.Record) error {
	err := rec.Validate()
	if err == nil {
		return nil // before errors.As, whose target would cost an allocation
	}
	var v aigc.ValidationError
	if errors.As(err, &v) && len(v.Errors()) > 0 {
		return v.Errors()
	}
	return nil
}

func (o *Options) now() time.Time {
	if o.Clock != nil {
		return o.Clock()
	}
	return time.Now()
}

func (o *Options) rand() io.Reader {
	if o.Rand != nil {
		return o.Rand
	}
	return rand.Reader
}

// WatermarkID derives the 64-bit watermark payload from a record: the first 8
// bytes (big-endian) of SHA-256("aigclabel/wm/v1\x00" + ContentProducer + "\x00"
// + ProduceID). The registry stores the pair, so a watermark found in a
// stripped file leads back to the record; anyone holding the record can check
// that a watermark belongs to it.
func WatermarkID(rec aigc.Record) uint64 {
	h := sha256.Sum256([]byte("aigclabel/wm/v1\x00" + rec.ContentProducer + "\x00" + rec.ProduceID))
	return binary.BigEndian.Uint64(h[:8])
}

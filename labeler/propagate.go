package labeler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
)

// PropagateOptions controls Propagate: what a content propagation platform
// adds to a file it spreads (Measures Art. 6).
type PropagateOptions struct {
	// Propagator is the platform's ContentPropagator code (required).
	Propagator string `json:"propagator"`
	// PropagateID is the platform's ID for the content; generated when empty.
	PropagateID string `json:"propagateId,omitempty"`
	// Label is the Label value to write when the file carries no record: the
	// platform's verdict, "1" confirmed, "2" possible (declared by the
	// uploader), "3" suspected. It is ignored when the file has a record (the
	// producer's Label is kept).
	Label string `json:"label,omitempty"`
	// Explicit, when set, adds the explicit label the verdict requires; the
	// caller sets it only when detection found none.
	Explicit *ExplicitOptions `json:"explicit,omitempty"`
	// Seal, when set, seals the propagation into ReservedCode2.
	Seal    *SealOptions     `json:"-"`
	Clock   func() time.Time `json:"-"`
	Rand    io.Reader        `json:"-"`
	Quality int              `json:"quality,omitempty"`
}

// ErrNothingToPropagate is returned by Propagate for a file with no AIGC record
// when no Label (verdict) was given: a platform labels only content it found
// to be (possibly) AI-generated.
var ErrNothingToPropagate = errors.New("labeler: the file has no AIGC record and no verdict was given")

// Propagate adds a platform's propagation fields to in. The producer's fields
// (Label, ContentProducer, ProduceID, ReservedCode1) are kept exactly as
// found; ContentPropagator, PropagateID and ReservedCode2 are set to the
// platform's values. A file propagated before gets the new platform's values
// in place of the previous ones (the record has one propagator slot and a file
// carries one record). A file without a record gets a new one holding only the
// verdict's Label and the propagation fields.
func Propagate(ctx context.Context, in []byte, opts PropagateOptions) (Result, error) {
	if opts.Propagator == "" {
		return Result{}, errors.New("labeler: a propagator code is required")
	}
	kind := format.Sniff(in)
	codec, err := CodecFor(kind)
	if err != nil {
		return Result{}, err
	}
	rec, found, err := existingRecord(codec, in)
	if err != nil {
		return Result{}, err
	}
	if !found {
		if opts.Label == "" {
			return Result{}, ErrNothingToPropagate
		}
		rec = aigc.Record{Label: opts.Label}
	}
	rec.ContentPropagator, rec.PropagateID, rec.ReservedCode2 = opts.Propagator, opts.PropagateID, ""
	if rec.PropagateID == "" {
		lo := Options{Clock: opts.Clock, Rand: opts.Rand}
		if rec.PropagateID, err = NewProduceID(lo.now(), lo.rand()); err != nil {
			return Result{}, err
		}
	}
	if err := validatePropagation(rec, found); err != nil {
		return Result{}, err
	}
	res := Result{Format: kind}
	body := in
	if opts.Explicit != nil {
		lo := Options{Explicit: opts.Explicit, Quality: opts.Quality}
		var steps []string
		if body, steps, _, err = applyContent(ctx, kind, body, rec, lo); err != nil {
			return Result{}, err
		}
		res.Steps = append(res.Steps, steps...)
	}
	var hash []byte
	if opts.Seal != nil && opts.Seal.Signer != nil {
		h, err := codec.ContentHash(body)
		if err != nil {
			return Result{}, err
		}
		if rec.ReservedCode2, err = opts.Seal.Signer.Seal(rec, h); err != nil {
			return Result{}, fmt.Errorf("labeler: sealing the propagation: %w", err)
		}
		hash = h[:]
	}
	out, err := codec.Write(body, rec)
	if err != nil {
		return Result{}, err
	}
	res.Steps = append(res.Steps, "propagate")
	if err := verifyRecord(codec, out, rec); err != nil {
		return Result{}, err
	}
	res.Output, res.Record = out, rec
	if hash != nil {
		res.ContentHash = fmt.Sprintf("%x", hash)
	}
	return res, nil
}

// existingRecord returns the record a file carries: the first one that parses.
func existingRecord(codec format.Codec, in []byte) (aigc.Record, bool, error) {
	md, err := codec.Read(in)
	if err != nil {
		return aigc.Record{}, false, err
	}
	for _, s := range md.Records {
		if rec, _, err := aigc.Parse(s.Payload); err == nil {
			return rec, true, nil
		}
	}
	return aigc.Record{}, false, nil
}

// validatePropagation checks the propagated record. The producer's fields are
// not the platform's to fix, so only errors in the propagation fields (and a
// Label outside the allowed set) refuse the operation.
func validatePropagation(rec aigc.Record, hadRecord bool) error {
	err := rec.Validate()
	var v aigc.ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	var bad aigc.ValidationError
	for _, fe := range v.Errors() {
		switch fe.Field {
		case "ContentPropagator", "PropagateID", "ReservedCode2", "Label":
			bad = append(bad, fe)
		case "ContentProducer", "ProduceID":
			// A platform labeling unlabeled content does not know the producer.
			if hadRecord {
				continue
			}
		}
	}
	if len(bad) > 0 {
		return bad
	}
	return nil
}

package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
	"github.com/aigclabel/aigclabel/server/store"
	"github.com/aigclabel/aigclabel/server/upload"
	"github.com/labstack/echo/v4"
)

// labelOptions parses the labeling options and applies the key's rights: a
// producer key labels only with its own producer code (filled in when the
// request names none).
func (s *Server) labelOptions(vals url.Values, k store.Key) (labeler.Options, error) {
	opts, err := labeler.OptionsFromValues(vals)
	if err != nil {
		return opts, apiErr(http.StatusBadRequest, "invalid_option", "%v", err)
	}
	if k.Role == store.RoleProducer {
		if opts.Producer == "" {
			opts.Producer = k.Producer
		} else if opts.Producer != k.Producer {
			return opts, apiErr(http.StatusForbidden, "producer_mismatch", "this key labels only as producer %q, not %q", k.Producer, opts.Producer)
		}
	}
	if opts.Producer == "" {
		return opts, apiErr(http.StatusBadRequest, "invalid_option", "the producer option is required")
	}
	return opts, nil
}

// label labels one file and builds its registry event (not yet recorded).
// The caller holds a worker slot.
func (s *Server) label(ctx context.Context, in []byte, opts labeler.Options, k store.Key, client string) (labeler.Result, *store.Event, error) {
	if err := s.limits().Check(in); err != nil {
		return labeler.Result{}, nil, err
	}
	if opts.Watermark != nil {
		opts.Watermark.Key = s.cfg.WatermarkKey
	}
	if s.cfg.Sealer != nil {
		opts.Seal = &labeler.SealOptions{Signer: s.cfg.Sealer}
	}
	opts.Clock = s.cfg.Now
	res, err := labeler.Label(ctx, in, opts)
	if err != nil {
		s.metrics.labelFailures.Add(1)
		return res, nil, coreErr("label_failed", err)
	}
	// The registry needs both content hashes (the one after is what finds a
	// stripped copy). The labeler computes one only when sealing; metadata-only
	// labeling leaves the content, so its hash, unchanged.
	before := contentHash(in)
	if res.ContentHash == "" {
		res.ContentHash = before
		if opts.Explicit != nil || opts.Watermark != nil {
			res.ContentHash = contentHash(res.Output)
		}
	}
	optJSON, _ := json.Marshal(opts)
	recJSON, _ := json.Marshal(res.Record)
	ev := &store.Event{
		Kind: store.KindLabel, KeyID: k.ID, Client: client,
		Producer: res.Record.ContentProducer, ProduceID: res.Record.ProduceID,
		Propagator: res.Record.ContentPropagator, PropagateID: res.Record.PropagateID,
		WatermarkID: res.WatermarkID, HashBefore: before, HashAfter: res.ContentHash,
		Format: string(res.Format), Options: optJSON, Record: recJSON,
	}
	if res.Format.IsText() {
		// As detect computes it on this output, so its report's fingerprint
		// (or a stripped or excerpted copy's) finds this event.
		ev.Fingerprint = textwm.FingerprintOf(string(res.Output)).String()
	}
	s.metrics.labels.inc(string(res.Format))
	return res, ev, nil
}

// contentHash is the hex content hash of b with its metadata slot excluded,
// or the SHA-256 of all of b when no carrier reads it.
func contentHash(b []byte) string {
	if codec, err := labeler.CodecFor(format.Sniff(b)); err == nil {
		if h, err := codec.ContentHash(b); err == nil {
			return hex.EncodeToString(h[:])
		}
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// oneFile reads a single-file request: its key (if any), the file, checked
// against the size limits before anything decodes it, and the option values.
func (s *Server) oneFile(c echo.Context) (store.Key, upload.File, url.Values, error) {
	k, _ := keyOf(c)
	u, err := readUpload(c)
	if err != nil {
		return k, upload.File{}, nil, err
	}
	f, err := u.one()
	if err == nil {
		err = s.limits().Check(f.Data)
	}
	return k, f, u.vals, err
}

// storeErr reports a registry failure as 503.
func storeErr(msg string, err error) *Error {
	if msg == "" {
		msg = "the registry is unavailable"
	}
	return &Error{Message: msg, Code: "store_unavailable", status: http.StatusServiceUnavailable, cause: err}
}

func (s *Server) handleLabel(c echo.Context) error {
	k, f, vals, err := s.oneFile(c)
	if err != nil {
		return err
	}
	opts, err := s.labelOptions(vals, k)
	if err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	if err := s.acquire(ctx); err != nil {
		return err
	}
	res, ev, err := s.label(ctx, f.Data, opts, k, c.RealIP())
	s.release()
	if err != nil {
		return err
	}
	// The log comes first: a label that could not be recorded is not handed out.
	if err := s.st.AddEvent(ctx, ev); err != nil {
		return storeErr("the labeling event could not be recorded in the registry; the file is not returned", err)
	}
	return s.sendLabeled(c, ctx, f.Name, res)
}

// labelReport checks a labeled output as the CLI does: detect on it,
// metadata only unless labeling changed the content.
func (s *Server) labelReport(ctx context.Context, name string, res labeler.Result) (detect.LabelReport, error) {
	changed := false
	for _, st := range res.Steps {
		changed = changed || st == "explicit" || st == "watermark"
	}
	opts := s.detectOptions(ctx, false)
	opts.MetadataOnly = !changed
	rep, err := detect.Inspect(ctx, res.Output, opts)
	if err != nil {
		return detect.LabelReport{}, fmt.Errorf("checking the output: %w", err)
	}
	if rep.ContentHash == "" {
		rep.ContentHash = res.ContentHash
	}
	return detect.NewLabelReport(rep, res, name), nil
}

// sendLabeled answers with the labeled file, the labeler's result in the
// AIGC-Result header; or, when the client accepts multipart/mixed, a
// multipart body of the LabelReport JSON (as `label --json` prints) then
// the file.
func (s *Server) sendLabeled(c echo.Context, ctx context.Context, name string, res labeler.Result) error {
	resJSON, err := json.Marshal(res)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("AIGC-Produce-ID", res.Record.ProduceID)
	h.Set("AIGC-Content-Hash", res.ContentHash)
	if res.WatermarkID != "" {
		h.Set("AIGC-Watermark-ID", res.WatermarkID)
	}
	if !strings.Contains(c.Request().Header.Get("Accept"), "multipart/mixed") {
		h.Set("AIGC-Result", asciiJSON(resJSON))
		if name != "" {
			h.Set("Content-Disposition", mimeDisposition(name))
		}
		return c.Blob(http.StatusOK, contentType(res.Format), res.Output)
	}
	if name == "" {
		name = "labeled" + extension(res.Format)
	}
	rep, err := s.labelReport(ctx, path.Base(name), res)
	if err != nil {
		return err
	}
	if resJSON, err = json.Marshal(rep); err != nil {
		return err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	p, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}, "Content-Disposition": {`inline; name="result"`}})
	p.Write(resJSON)
	fh := textproto.MIMEHeader{"Content-Type": {contentType(res.Format)}}
	fh.Set("Content-Disposition", `attachment; name="file"; filename="`+escapeQuotes(path.Base(name))+`"`)
	p, _ = mw.CreatePart(fh)
	p.Write(res.Output)
	mw.Close()
	return c.Blob(http.StatusOK, "multipart/mixed; boundary="+mw.Boundary(), buf.Bytes())
}

func mimeDisposition(name string) string {
	return `attachment; filename="` + escapeQuotes(path.Base(name)) + `"`
}

func escapeQuotes(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

// asciiJSON escapes non-ASCII characters so JSON fits in a header.
func asciiJSON(b []byte) string {
	var sb strings.Builder
	for _, r := range string(b) {
		if r < 0x20 || r > 0x7e {
			if r > 0xffff {
				r1, r2 := (r-0x10000)>>10+0xd800, (r-0x10000)&0x3ff+0xdc00
				fmt.Fprintf(&sb, `\u%04x\u%04x`, r1, r2)
				continue
			}
			fmt.Fprintf(&sb, `\u%04x`, r)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func contentType(k format.Kind) string {
	switch k {
	case format.JPEG:
		return "image/jpeg"
	case format.PNG:
		return "image/png"
	case format.WebP:
		return "image/webp"
	case format.WAV:
		return "audio/wav"
	case format.MP3:
		return "audio/mpeg"
	case format.HTML:
		return "text/html; charset=utf-8"
	case format.Markdown:
		return "text/markdown; charset=utf-8"
	case format.Text:
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

func extension(k format.Kind) string {
	switch k {
	case format.JPEG:
		return ".jpg"
	case format.Markdown:
		return ".md"
	case format.Text:
		return ".txt"
	case format.Unknown:
		return ""
	}
	return "." + string(k)
}

// propagateOptions splits a propagate request's values: the platform's own
// (propagator, propagate-id, declared) and labeling ones (label, explicit...).
func (s *Server) propagateOptions(vals url.Values, k store.Key) (labeler.PropagateOptions, bool, error) {
	own := take(vals, "propagator", "propagate-id", "declared")
	lo, err := labeler.OptionsFromValues(vals)
	if err != nil {
		return labeler.PropagateOptions{}, false, apiErr(http.StatusBadRequest, "invalid_option", "%v", err)
	}
	if lo.Producer != "" || lo.ProduceID != "" || lo.Watermark != nil || lo.FillPropagator {
		return labeler.PropagateOptions{}, false, apiErr(http.StatusBadRequest, "invalid_option", "propagation keeps the producer's fields: producer, produce-id, watermark and fill-propagator do not apply")
	}
	po := labeler.PropagateOptions{Propagator: own.Get("propagator"), PropagateID: own.Get("propagate-id"),
		Label: lo.Label, Explicit: lo.Explicit, Quality: lo.Quality}
	if k.Role == store.RolePlatform && k.Producer != "" {
		if po.Propagator == "" {
			po.Propagator = k.Producer
		} else if po.Propagator != k.Producer {
			return po, false, apiErr(http.StatusForbidden, "producer_mismatch", "this key propagates only as %q, not %q", k.Producer, po.Propagator)
		}
	}
	if po.Propagator == "" {
		return po, false, apiErr(http.StatusBadRequest, "invalid_option", "the propagator option is required")
	}
	declared := false
	if v, ok := own["declared"]; ok {
		switch strings.ToLower(v[len(v)-1]) {
		case "", "1", "true", "yes", "on":
			declared = true
		case "0", "false", "no", "off":
		default:
			return po, false, apiErr(http.StatusBadRequest, "invalid_option", "option declared: %q is not a boolean", v[len(v)-1])
		}
	}
	return po, declared, nil
}

func (s *Server) handlePropagate(c echo.Context) error {
	k, f, vals, err := s.oneFile(c)
	if err != nil {
		return err
	}
	po, declared, err := s.propagateOptions(vals, k)
	if err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	if err := s.acquire(ctx); err != nil {
		return err
	}
	rep, err := detect.Inspect(ctx, f.Data, s.detectOptions(ctx, declared))
	if err == nil {
		if po.Label == "" && rep.AIGC == nil {
			po.Label = detect.LabelFor(rep.Verdict)
		}
		if s.cfg.Sealer != nil {
			po.Seal = &labeler.SealOptions{Signer: propagationSigner{s.cfg.Sealer}}
		}
		po.Clock = s.cfg.Now
	}
	var res labeler.Result
	if err == nil {
		res, err = labeler.Propagate(ctx, f.Data, po)
	}
	err = coreErr("propagate_failed", err)
	s.release()
	if err != nil {
		return err
	}
	if res.ContentHash == "" {
		res.ContentHash = contentHash(res.Output)
	}
	optJSON, _ := json.Marshal(po)
	recJSON, _ := json.Marshal(res.Record)
	ev := &store.Event{
		Kind: store.KindPropagate, KeyID: k.ID, Client: c.RealIP(),
		Producer: res.Record.ContentProducer, ProduceID: res.Record.ProduceID,
		Propagator: res.Record.ContentPropagator, PropagateID: res.Record.PropagateID,
		HashBefore: rep.ContentHash, HashAfter: res.ContentHash, Format: string(res.Format),
		Options: optJSON, Record: recJSON,
	}
	if err := s.st.AddEvent(ctx, ev); err != nil {
		return storeErr("the propagation event could not be recorded in the registry; the file is not returned", err)
	}
	return s.sendLabeled(c, ctx, f.Name, res)
}

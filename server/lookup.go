package server

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/labeler/sign"
	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
	"github.com/aigclabel/aigclabel/server/store"
	"github.com/labstack/echo/v4"
)

// minSimilarity is the least textwm.Similarity at which a text is reported
// as (part of) a registered one.
const minSimilarity = 0.5

// propagationSigner seals propagations (ReservedCode2) with a Sealer.
type propagationSigner struct{ s *sign.Sealer }

func (p propagationSigner) Seal(rec aigc.Record, h [32]byte) (string, error) {
	return p.s.SealPropagation(rec, h)
}

// detectOptions are the Inspect options of this server: its key set, its
// watermark key, the current time for key validity, and the registry to
// resolve watermarks.
func (s *Server) detectOptions(ctx context.Context, declared bool) detect.Options {
	return detect.Options{
		Declared: declared, Keys: s.cfg.KeySet, At: s.cfg.Now(), WatermarkKey: s.cfg.WatermarkKey,
		Lookup: func(id uint64) (*aigc.Record, bool) {
			evs, err := s.st.EventsByWatermark(ctx, hex16(id))
			if err != nil || len(evs) == 0 {
				return nil, false
			}
			var rec aigc.Record
			if json.Unmarshal(evs[0].Record, &rec) != nil {
				return nil, false
			}
			return &rec, true
		},
	}
}

func hex16(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[:])
}

// detectValues reads detect's own options: declared and metadata-only.
func detectValues(vals url.Values) (declared, metaOnly bool, err error) {
	for name, v := range vals {
		var on bool
		switch strings.ToLower(v[len(v)-1]) {
		case "", "1", "true", "yes", "on":
			on = true
		case "0", "false", "no", "off":
		default:
			return false, false, apiErr(http.StatusBadRequest, "invalid_option", "option %s: %q is not a boolean", name, v[len(v)-1])
		}
		switch name {
		case "declared":
			declared = on
		case "metadata-only":
			metaOnly = on
		default:
			return false, false, apiErr(http.StatusBadRequest, "invalid_option", "unknown option %q (detect takes declared and metadata-only)", name)
		}
	}
	return declared, metaOnly, nil
}

// inspect runs detect on a request's file.
func (s *Server) inspect(c echo.Context) (detect.Report, context.Context, context.CancelFunc, error) {
	_, f, vals, err := s.oneFile(c)
	if err != nil {
		return detect.Report{}, nil, nil, err
	}
	declared, metaOnly, err := detectValues(vals)
	if err != nil {
		return detect.Report{}, nil, nil, err
	}
	ctx, cancel := s.withTimeout(c)
	if err := s.acquire(ctx); err != nil {
		cancel()
		return detect.Report{}, nil, nil, err
	}
	opts := s.detectOptions(ctx, declared)
	opts.MetadataOnly = metaOnly
	rep, err := detect.Inspect(ctx, f.Data, opts)
	err = coreErr("detect_failed", err)
	s.release()
	if err != nil {
		cancel()
		return rep, nil, nil, err
	}
	return rep, ctx, cancel, nil
}

func (s *Server) handleDetect(c echo.Context) error {
	rep, _, cancel, err := s.inspect(c)
	if err != nil {
		return err
	}
	cancel()
	return c.JSON(http.StatusOK, rep)
}

// Verification is the /verify answer: the detect report (its members at the
// top level) plus what the registry knows of the file.
type Verification struct {
	detect.Report
	Registry RegistryCheck `json:"registry"`
}

// RegistryCheck tells whether the registry recorded the file's labeling.
type RegistryCheck struct {
	// Registered is true when an event matches the file's ProduceID,
	// content hash or watermark.
	Registered bool `json:"registered"`
	// ContentMatches is true when a registered event for the file's
	// ProduceID produced exactly this content (hash with metadata excluded).
	ContentMatches bool    `json:"contentMatches"`
	Matches        []Match `json:"matches"`
}

// redact hides who labeled (API key ID and client address) from everyone
// but admins: lookups are public, the labelers' identities are not.
func redact(c echo.Context, ev *store.Event) {
	if k, ok := keyOf(c); ok && k.Role == store.RoleAdmin {
		return
	}
	ev.KeyID, ev.Client = "", ""
}

func redactMatches(c echo.Context, ms []Match) {
	for i := range ms {
		redact(c, &ms[i].Event)
	}
}

// Match is one registry hit and what it was found by: produceId,
// contentHash, watermark or fingerprint (with its similarity).
type Match struct {
	By string `json:"by"`
	// Similarity is set for fingerprint matches: how much of the shorter
	// text the longer contains (textwm.Similarity), 0.5 to nearly 1.
	Similarity float64     `json:"similarity,omitempty"`
	Event      store.Event `json:"event"`
}

func (s *Server) handleVerify(c echo.Context) error {
	rep, ctx, cancel, err := s.inspect(c)
	if err != nil {
		return err
	}
	defer cancel()
	v := Verification{Report: rep}
	if v.Registry.Matches, err = s.matchReport(ctx, rep, nil); err != nil {
		return err
	}
	redactMatches(c, v.Registry.Matches)
	v.Registry.Registered = len(v.Registry.Matches) > 0
	for _, m := range v.Registry.Matches {
		if rep.AIGC != nil && m.Event.ProduceID == rep.AIGC.ProduceID && m.Event.HashAfter == rep.ContentHash {
			v.Registry.ContentMatches = true
		}
	}
	return c.JSON(http.StatusOK, v)
}

// matchReport finds the registry events of a detected file: by its
// ProduceID, its content hash (which survives metadata stripping), its
// watermark, and for text its fingerprint. Each event appears once, under
// the first way it was found.
func (s *Server) matchReport(ctx context.Context, rep detect.Report, text []byte) ([]Match, error) {
	ms := []Match{}
	seen := map[int64]bool{}
	add := func(by string, evs []store.Event, err error) error {
		if err != nil {
			return storeErr("", err)
		}
		for _, ev := range evs {
			if !seen[ev.ID] {
				seen[ev.ID] = true
				ms = append(ms, Match{By: by, Event: ev})
			}
		}
		return nil
	}
	if rep.AIGC != nil && rep.AIGC.ProduceID != "" {
		evs, err := s.st.EventsByProduceID(ctx, rep.AIGC.ProduceID)
		if err := add("produceId", evs, err); err != nil {
			return nil, err
		}
	}
	if rep.ContentHash != "" {
		evs, err := s.st.EventsByContentHash(ctx, rep.ContentHash)
		if err := add("contentHash", evs, err); err != nil {
			return nil, err
		}
	}
	if rep.Watermark != nil && rep.Watermark.Found && rep.Watermark.Payload != "" {
		evs, err := s.st.EventsByWatermark(ctx, strings.ToLower(rep.Watermark.Payload))
		if err := add("watermark", evs, err); err != nil {
			return nil, err
		}
	}
	// Text: the fingerprint detect reported, else one computed the same way.
	if rep.Fingerprint != "" || text != nil {
		fp, err := textwm.ParseFingerprint(rep.Fingerprint)
		if err != nil {
			fp = textwm.FingerprintOf(string(text))
		}
		fms, err := s.st.EventsByFingerprint(ctx, fp, minSimilarity)
		if err != nil {
			return nil, add("", nil, err)
		}
		for _, m := range fms {
			if !seen[m.Event.ID] {
				seen[m.Event.ID] = true
				ms = append(ms, Match{By: "fingerprint", Similarity: m.Similarity, Event: m.Event})
			}
		}
	}
	return ms, nil
}

func (s *Server) handleRecord(c echo.Context) error {
	id := c.Param("produceID")
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	evs, err := s.st.EventsByProduceID(ctx, id)
	if err != nil {
		return storeErr("", err)
	}
	if len(evs) == 0 {
		return apiErr(http.StatusNotFound, "not_found", "no labeling event for ProduceID %q", id)
	}
	var rec json.RawMessage = evs[0].Record
	for i := range evs {
		redact(c, &evs[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"produceId": id, "record": rec, "events": evs})
}

// parseHexOrBase64 reads a binding value of n bytes given in hex or base64.
func parseHexOrBase64(v string, n int) ([]byte, bool) {
	if b, err := hex.DecodeString(v); err == nil && len(b) == n {
		return b, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == n {
			return b, true
		}
	}
	return nil, false
}

// lookupBy answers a lookup by one key: watermark (8 bytes) or contentHash
// (32 bytes), as hex or base64, or fingerprint (textwm's tf1:... form).
func (s *Server) lookupBy(ctx context.Context, by, value string) ([]Match, error) {
	ms := []Match{}
	wrap := func(evs []store.Event, err error) ([]Match, error) {
		if err != nil {
			return nil, storeErr("", err)
		}
		for _, ev := range evs {
			ms = append(ms, Match{By: by, Event: ev})
		}
		return ms, nil
	}
	switch by {
	case "watermark":
		b, ok := parseHexOrBase64(value, 8)
		if !ok {
			return nil, apiErr(http.StatusBadRequest, "invalid_option", "watermark: want 16 hex digits (the 64-bit watermark ID)")
		}
		return wrap(s.st.EventsByWatermark(ctx, hex.EncodeToString(b)))
	case "contentHash":
		b, ok := parseHexOrBase64(value, 32)
		if !ok {
			return nil, apiErr(http.StatusBadRequest, "invalid_option", "hash: want 64 hex digits (SHA-256 with the metadata slot excluded)")
		}
		return wrap(s.st.EventsByContentHash(ctx, hex.EncodeToString(b)))
	case "fingerprint":
		fp, err := textwm.ParseFingerprint(value)
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "invalid_option", "fingerprint: want the tf1:... form detect reports")
		}
		fms, err := s.st.EventsByFingerprint(ctx, fp, minSimilarity)
		if err != nil {
			return wrap(nil, err)
		}
		for _, m := range fms {
			ms = append(ms, Match{By: by, Similarity: m.Similarity, Event: m.Event})
		}
		return ms, nil
	}
	return nil, apiErr(http.StatusBadRequest, "invalid_option", "unknown lookup key %q", by)
}

func (s *Server) handleLookupGet(c echo.Context) error {
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	q := c.QueryParams()
	var by, value string
	for name, key := range map[string]string{"watermark": "watermark", "hash": "contentHash", "fingerprint": "fingerprint"} {
		if v := q.Get(name); v != "" {
			if by != "" {
				return apiErr(http.StatusBadRequest, "invalid_option", "give one of watermark, hash or fingerprint")
			}
			by, value = key, v
		}
	}
	if by == "" {
		return apiErr(http.StatusBadRequest, "invalid_option", "give watermark=HEX, hash=HEX or fingerprint=HEX")
	}
	ms, err := s.lookupBy(ctx, by, value)
	if err != nil {
		return err
	}
	redactMatches(c, ms)
	return c.JSON(http.StatusOK, map[string]any{"matches": ms})
}

// lookupContent matches an uploaded file (or text) against the registry.
func (s *Server) lookupContent(c echo.Context) ([]Match, error) {
	_, f, _, err := s.oneFile(c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	rep, err := detect.Inspect(ctx, f.Data, s.detectOptions(ctx, false))
	err = coreErr("detect_failed", err)
	s.release()
	if err != nil {
		return nil, err
	}
	var text []byte
	if k := format.Sniff(f.Data); k.IsText() {
		text = f.Data
	}
	return s.matchReport(ctx, rep, text)
}

func (s *Server) handleLookupPost(c echo.Context) error {
	ms, err := s.lookupContent(c)
	if err != nil {
		return err
	}
	redactMatches(c, ms)
	return c.JSON(http.StatusOK, map[string]any{"matches": ms})
}

// Soft-binding algorithm names of the C2PA-shaped resolution endpoints.
const (
	AlgWatermark   = "org.aigclabel.watermark.1"
	AlgContentHash = "org.aigclabel.content-hash.1"
	AlgFingerprint = "org.aigclabel.text-fingerprint.1"
)

// softMatches renders matches in the C2PA soft-binding resolution shape:
// {"matches":[{"manifestId","similarityScore"}]}, the manifest ID being the
// ProduceID.
func softMatches(ms []Match) map[string]any {
	type sm struct {
		ManifestID      string `json:"manifestId"`
		SimilarityScore int    `json:"similarityScore"`
	}
	out := []sm{}
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.Event.ProduceID] {
			continue
		}
		seen[m.Event.ProduceID] = true
		score := 100
		if m.By == "fingerprint" {
			score = int(m.Similarity * 100)
		}
		out = append(out, sm{ManifestID: m.Event.ProduceID, SimilarityScore: score})
	}
	return map[string]any{"matches": out}
}

func (s *Server) handleMatchesByBinding(c echo.Context) error {
	alg, value := c.QueryParam("alg"), c.QueryParam("value")
	by := map[string]string{AlgWatermark: "watermark", AlgContentHash: "contentHash", AlgFingerprint: "fingerprint"}[alg]
	if by == "" {
		return apiErr(http.StatusBadRequest, "invalid_option", "unknown soft-binding alg %q (supported: %s, %s, %s)", alg, AlgWatermark, AlgContentHash, AlgFingerprint)
	}
	ctx, cancel := s.withTimeout(c)
	defer cancel()
	ms, err := s.lookupBy(ctx, by, value)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, softMatches(ms))
}

func (s *Server) handleMatchesByContent(c echo.Context) error {
	ms, err := s.lookupContent(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, softMatches(ms))
}

func (s *Server) handleKeys(c echo.Context) error {
	if s.cfg.KeySet == nil {
		return c.JSON(http.StatusOK, map[string]any{"version": 1, "keys": []any{}})
	}
	b, err := s.cfg.KeySet.Marshal()
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSONBlob(http.StatusOK, b)
}

func (s *Server) handleExport(c echo.Context) error {
	f := c.QueryParam("format")
	if f == "" {
		f = store.JSONL
	}
	var since, until time.Time
	for name, t := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := c.QueryParam(name); v != "" {
			var err error
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				return apiErr(http.StatusBadRequest, "invalid_option", "%s: want an RFC 3339 time", name)
			}
		}
	}
	ct := map[string]string{store.JSONL: "application/x-ndjson", store.CSV: "text/csv; charset=utf-8"}[f]
	if ct == "" {
		return apiErr(http.StatusBadRequest, "invalid_option", "format: want jsonl or csv")
	}
	c.Response().Header().Set("Content-Type", ct)
	c.Response().Header().Set("Content-Disposition", `attachment; filename="aigclabel-events.`+f+`"`)
	c.Response().WriteHeader(http.StatusOK)
	_, err := s.st.Export(c.Request().Context(), c.Response(), f, since, until)
	return err
}

func (s *Server) handleAdminKeys(c echo.Context) error {
	ks, err := s.st.Keys(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"keys": ks})
}

func (s *Server) handleAdminKeyAdd(c echo.Context) error {
	var req struct {
		Role     string `json:"role"`
		Producer string `json:"producer"`
		Name     string `json:"name"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return apiErr(http.StatusBadRequest, "bad_request", "want a JSON object {role, producer, name}: %v", err)
	}
	k, secret, err := s.st.AddKey(c.Request().Context(), req.Role, req.Producer, req.Name)
	if err != nil {
		return apiErr(http.StatusBadRequest, "invalid_option", "%v", err)
	}
	return c.JSON(http.StatusCreated, map[string]any{"key": k, "secret": secret})
}

func (s *Server) handleAdminKeyRevoke(c echo.Context) error {
	if err := s.st.RevokeKey(c.Request().Context(), c.Param("id")); err != nil {
		if err == store.ErrNotFound {
			return apiErr(http.StatusNotFound, "not_found", "no live key %q", c.Param("id"))
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

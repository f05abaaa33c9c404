// Package c2pa reads the parts of a C2PA manifest store that say whether
// content is AI-generated: the active manifest's label, its claim generator,
// and the digitalSourceType of its actions (c2pa.created above all). It reads
// the JUMBF boxes (ISO/IEC 19566-5) and the CBOR (RFC 8949) inside them with
// its own bounded decoders. It does not validate C2PA signatures or hashes:
// what it reports is the producer's claim, not a proof.
//
// Input is the manifest store as the carriers hand it over in
// format.Foreign{Kind: "c2pa"}.Data: the JUMBF superbox (LBox, "jumb", ...),
// already reassembled from JPEG APP11 segments. Parse also accepts the raw
// APP11 segments themselves (FF EB ...), concatenated.
package c2pa

import (
	"encoding/binary"
	"errors"
	"strings"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// MaxSize bounds the manifest stores Parse reads (C2PA stores are usually a
// few KB to a few hundred KB, thumbnails included).
const MaxSize = 64 << 20

// Manifest is what Parse reports about a manifest store.
type Manifest struct {
	// Label is the active manifest's label (the last manifest of the store),
	// e.g. "urn:uuid:...".
	Label string `json:"label"`
	// ClaimGenerator names the software that made the claim: claim_generator
	// (claims v1), else the name and version of each claim_generator_info
	// entry joined by spaces.
	ClaimGenerator string `json:"claimGenerator,omitempty"`
	// Actions are the active manifest's actions (c2pa.actions and
	// c2pa.actions.v2 assertions), in order.
	Actions []Action `json:"actions,omitempty"`
	// DigitalSourceTypes lists the digitalSourceType of the active manifest's
	// c2pa.created actions.
	DigitalSourceTypes []string `json:"digitalSourceTypes,omitempty"`
	// Manifests is the number of manifests in the store (the active one and
	// those of its ingredients).
	Manifests int `json:"manifests"`
	// IngredientSourceTypes lists the digitalSourceType of every action in
	// the other manifests (ingredients): AI content edited later keeps its
	// origin there.
	IngredientSourceTypes []string `json:"ingredientSourceTypes,omitempty"`
}

// Action is one entry of an actions assertion.
type Action struct {
	Action            string `json:"action"`
	DigitalSourceType string `json:"digitalSourceType,omitempty"`
	SoftwareAgent     string `json:"softwareAgent,omitempty"`
}

// AI reports whether the active manifest declares AI-generated content: a
// c2pa.created action, or any other action, whose digitalSourceType
// DigitalSourceTypeIsAI accepts.
func (m *Manifest) AI() bool {
	for _, a := range m.Actions {
		if DigitalSourceTypeIsAI(a.DigitalSourceType) {
			return true
		}
	}
	return false
}

// C2PA JUMBF description-box type UUIDs: a four-character code followed by
// the fixed suffix 0011-0010-8000-00AA00389B71.
const uuidSuffix = "\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71"

func typeCode(uuid []byte) string {
	if len(uuid) != 16 || string(uuid[4:]) != uuidSuffix {
		return ""
	}
	return string(uuid[:4])
}

// box is one JUMBF box.
type box struct {
	typ  string
	off  int // offset of the box header in the input
	body []byte
	// For superboxes ("jumb"): the description box's type code and label,
	// and the boxes after it.
	code, label string
	children    []box
}

func errorf(off int, format_ string, args ...any) error {
	return format.Errorf("c2pa", int64(off), format_, args...)
}

// readBoxes splits b (at input offset base) into boxes, descending into
// superboxes up to maxDepth.
func readBoxes(b []byte, base, depth int) ([]box, error) {
	if depth > maxDepth {
		return nil, errorf(base, "JUMBF boxes nested deeper than %d", maxDepth)
	}
	var out []box
	for p := 0; p < len(b); {
		if len(b)-p < 8 {
			return nil, errorf(base+p, "truncated box header")
		}
		size := uint64(binary.BigEndian.Uint32(b[p:]))
		typ := string(b[p+4 : p+8])
		hdr := 8
		switch size {
		case 0:
			size = uint64(len(b) - p) // to the end
		case 1:
			if len(b)-p < 16 {
				return nil, errorf(base+p, "truncated XLBox")
			}
			size, hdr = binary.BigEndian.Uint64(b[p+8:]), 16
		}
		if size < uint64(hdr) || size > uint64(len(b)-p) {
			return nil, errorf(base+p, "box %q declares %d bytes, %d left", typ, size, len(b)-p)
		}
		bx := box{typ: typ, off: base + p, body: b[p+hdr : p+int(size)]}
		if typ == "jumb" {
			if err := bx.readSuper(base+p+hdr, depth); err != nil {
				return nil, err
			}
		}
		out = append(out, bx)
		p += int(size)
	}
	return out, nil
}

// readSuper reads a superbox's description box and children.
func (bx *box) readSuper(base, depth int) error {
	kids, err := readBoxes(bx.body, base, depth+1)
	if err != nil {
		return err
	}
	if len(kids) == 0 || kids[0].typ != "jumd" {
		return errorf(bx.off, "superbox without a description box")
	}
	d := kids[0].body
	if len(d) < 17 {
		return errorf(kids[0].off, "description box of %d bytes", len(d))
	}
	bx.code = typeCode(d[:16])
	if d[16]&0x02 != 0 { // label present: NUL-terminated UTF-8
		rest := d[17:]
		end := strings.IndexByte(string(rest), 0)
		if end < 0 {
			end = len(rest) // tolerate a missing terminator
		}
		bx.label = string(rest[:end])
	}
	bx.children = kids[1:]
	return nil
}

// child returns the child superboxes whose label, without an instance
// suffix "__n", is one of labels.
func (bx *box) child(labels ...string) []*box {
	var out []*box
	for i := range bx.children {
		c := &bx.children[i]
		l := c.label
		if j := strings.LastIndex(l, "__"); j > 0 {
			l = l[:j]
		}
		for _, want := range labels {
			if c.typ == "jumb" && l == want {
				out = append(out, c)
			}
		}
	}
	return out
}

// cborContent decodes the first "cbor" content box of a superbox.
func (bx *box) cborContent() (any, error) {
	for _, c := range bx.children {
		if c.typ == "cbor" {
			v, err := decodeCBOR(c.body)
			if err != nil {
				return nil, errorf(c.off, "%v", err)
			}
			return v, nil
		}
	}
	return nil, errorf(bx.off, "%q has no CBOR content box", bx.label)
}

// ErrNotC2PA is returned for JUMBF that is not a C2PA manifest store.
var ErrNotC2PA = errors.New("c2pa: not a C2PA manifest store")

// Parse reads a C2PA manifest store. It fails on malformed boxes and on a
// store without manifests; an unreadable assertion or claim is skipped (its
// fields stay empty), since one bad assertion does not make the others false.
func Parse(jumbf []byte) (*Manifest, error) {
	if len(jumbf) > MaxSize {
		return nil, errorf(0, "%d bytes exceeds the %d-byte limit", len(jumbf), MaxSize)
	}
	if len(jumbf) >= 2 && jumbf[0] == 0xFF && jumbf[1] == 0xEB {
		var err error
		if jumbf, err = FromAPP11(jumbf); err != nil {
			return nil, err
		}
	}
	boxes, err := readBoxes(jumbf, 0, 0)
	if err != nil {
		return nil, err
	}
	if len(boxes) == 0 || boxes[0].typ != "jumb" || boxes[0].code != "c2pa" {
		return nil, ErrNotC2PA
	}
	store := &boxes[0]
	var manifests []*box
	for i := range store.children {
		if c := &store.children[i]; c.typ == "jumb" && (c.code == "c2ma" || c.code == "c2um") {
			manifests = append(manifests, c)
		}
	}
	if len(manifests) == 0 {
		return nil, errorf(store.off, "manifest store holds no manifest")
	}
	active := manifests[len(manifests)-1]
	m := &Manifest{Label: active.label, Manifests: len(manifests)}
	m.ClaimGenerator = claimGenerator(active)
	m.Actions = actions(active)
	for _, a := range m.Actions {
		if a.Action == "c2pa.created" && a.DigitalSourceType != "" {
			m.DigitalSourceTypes = append(m.DigitalSourceTypes, a.DigitalSourceType)
		}
	}
	for _, other := range manifests[:len(manifests)-1] {
		for _, a := range actions(other) {
			if a.DigitalSourceType != "" {
				m.IngredientSourceTypes = append(m.IngredientSourceTypes, a.DigitalSourceType)
			}
		}
	}
	return m, nil
}

func claimGenerator(manifest *box) string {
	for _, c := range manifest.child("c2pa.claim", "c2pa.claim.v2") {
		v, err := c.cborContent()
		if err != nil {
			continue
		}
		claim, _ := v.(map[string]any)
		if g, ok := claim["claim_generator"].(string); ok && g != "" {
			return g
		}
		var infos []any
		switch info := claim["claim_generator_info"].(type) {
		case []any:
			infos = info
		case map[string]any:
			infos = []any{info}
		}
		var parts []string
		for _, i := range infos {
			im, _ := i.(map[string]any)
			name, _ := im["name"].(string)
			if ver, _ := im["version"].(string); ver != "" {
				name += "/" + ver
			}
			if name != "" {
				parts = append(parts, name)
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
}

func actions(manifest *box) []Action {
	var out []Action
	for _, store := range manifest.child("c2pa.assertions") {
		for _, a := range store.child("c2pa.actions", "c2pa.actions.v2") {
			v, err := a.cborContent()
			if err != nil {
				continue
			}
			list, _ := v.(map[string]any)["actions"].([]any)
			for _, item := range list {
				im, ok := item.(map[string]any)
				if !ok {
					continue
				}
				act := Action{}
				act.Action, _ = im["action"].(string)
				act.DigitalSourceType, _ = im["digitalSourceType"].(string)
				switch agent := im["softwareAgent"].(type) {
				case string:
					act.SoftwareAgent = agent
				case map[string]any: // actions v2: a generator-info map
					act.SoftwareAgent, _ = agent["name"].(string)
				}
				out = append(out, act)
			}
		}
	}
	return out
}

// FromAPP11 reassembles the JUMBF box carried in JPEG APP11 segments (JPEG
// XT, ISO/IEC 18477-3): each segment is FF EB, a length, "JP", the box
// instance number En, the sequence number Z, and the box header (LBox,
// TBox, and XLBox when LBox is 1) repeated in every segment; the payloads
// after the header are concatenated in Z order. seg holds the segments
// back to back; only the first box instance is returned.
func FromAPP11(seg []byte) ([]byte, error) {
	var out []byte
	var en uint16
	var z uint32
	for p := 0; p < len(seg); {
		if len(seg)-p < 4 || seg[p] != 0xFF || seg[p+1] != 0xEB {
			return nil, errorf(p, "not an APP11 segment")
		}
		n := int(binary.BigEndian.Uint16(seg[p+2:]))
		if n < 2 || n > len(seg)-p-2 {
			return nil, errorf(p, "APP11 segment declares %d bytes, %d left", n, len(seg)-p-2)
		}
		d := seg[p+4 : p+2+n]
		p += 2 + n
		if len(d) < 16 || d[0] != 'J' || d[1] != 'P' {
			continue
		}
		segEn, segZ := binary.BigEndian.Uint16(d[2:]), binary.BigEndian.Uint32(d[4:])
		hdr := 8
		if binary.BigEndian.Uint32(d[8:]) == 1 {
			hdr = 16
		}
		if len(d) < 8+hdr {
			return nil, errorf(p, "APP11 segment shorter than its box header")
		}
		switch {
		case out == nil:
			en, z = segEn, segZ
			out = append(out, d[8:]...)
		case segEn == en:
			if segZ != z+1 {
				return nil, errorf(p, "APP11 sequence number %d after %d", segZ, z)
			}
			z = segZ
			out = append(out, d[8+hdr:]...)
		}
	}
	if out == nil {
		return nil, ErrNotC2PA
	}
	return out, nil
}

// IPTC digital source types that declare generated or synthetic media.
var aiSourceTypes = map[string]bool{
	"trainedAlgorithmicMedia":              true, // generative AI from a trained model
	"compositeWithTrainedAlgorithmicMedia": true, // inpainting, outpainting, generative fill
	"compositeSynthetic":                   true, // a composite including synthetic elements
	"algorithmicMedia":                     true, // generated by an algorithm without training data
}

// DigitalSourceTypeTerm returns the IPTC term of a digitalSourceType URI
// (http or https, with or without the newscodes path), e.g.
// "trainedAlgorithmicMedia", or uri itself when it is not an IPTC URI.
func DigitalSourceTypeTerm(uri string) string {
	for _, prefix := range []string{
		"http://cv.iptc.org/newscodes/digitalsourcetype/",
		"https://cv.iptc.org/newscodes/digitalsourcetype/",
	} {
		if strings.HasPrefix(uri, prefix) {
			return strings.TrimSuffix(uri[len(prefix):], "/")
		}
	}
	return uri
}

// DigitalSourceTypeIsAI reports whether a digitalSourceType declares
// generated or synthetic content: trainedAlgorithmicMedia,
// compositeWithTrainedAlgorithmicMedia, compositeSynthetic, and
// algorithmicMedia. The last is generation without a trained model; GB
// 45438's "生成合成" covers algorithmic synthesis generally, so it counts.
// Capture types, digitalArt, humanEdits and algorithmicallyEnhanced do not.
func DigitalSourceTypeIsAI(uri string) bool {
	return aiSourceTypes[DigitalSourceTypeTerm(uri)]
}

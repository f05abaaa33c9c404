// Package imagewm is aigclabel's invisible image watermark: blind (detection
// needs no original), keyed, and robust to re-encoding, resizing, cropping,
// small rotations, noise and screenshots.
//
// # Mark
//
// The 64-bit watermark ID is coded by package payload into 282 code bits. A
// tile of 32 x 32 chips carries them: 846 data chips (each code bit three
// times, at keyed positions) and 178 sync chips, every chip with a keyed sign.
// The tile is repeated over the whole image with a period of a quarter of the
// image's shorter side (at least 64 px), each chip spread over its cell by
// bilinear interpolation, and added to the luminance (equally to R, G and B,
// so chroma is kept) with a strength that follows local texture (perceptual
// masking), scaled so that the mark costs Options.PSNR dB. The masking law
// is chosen per image: by default the strength grows with the fourth root of
// local activity and is capped in flat areas; an image textured nearly
// everywhere (judged by a cheap SSIM proxy) instead gets more strength where
// it is smoother, under a visibility cap that grows with activity, which is
// where the detector sees the mark best. A paper-like image (at least 60%
// of its pixels near-white: a text page) also gets the mark in its ink
// (pixels darker than 96), from what the background left of the budget, at
// most 7 levels and only as far as local activity masks it (the strokes'
// edges do): any brightening clips white paper to 255 and takes the
// background's mark with it, while the ink keeps its share (on black ink
// only the mark's positive half shows; the negative half clips and costs
// nothing). Alpha is untouched. Images must have a shorter side of at least
// MinSide pixels.
//
// # Detection
//
// Detect works on the luminance resampled so its shorter side is at most 512
// pixels: the residual from a 5x5 local mean, weighted by the inverse local
// variance (smooth areas carry the mark with the best signal-to-noise ratio).
// In a paper-like image (at least half of it near-white) the strokes' edges
// would drown the ink's mark in that residual, so the ink's own residual is
// added: per working pixel the mean of its ink pixels (at most 40 levels
// above the ink's own level, so the strokes' anti-aliased edges stay out),
// read at full size, minus the local ink level. Because the mark is periodic, the autocorrelation of that residual (taken
// from its whitened power spectrum, where the mark is a comb of lines, at
// half resolution for images of 320 px and more, which drops a band that
// holds mostly noise, and with its smooth background removed) has a lattice
// of peaks whose spacing and angle give the scale and rotation the image
// went through. The detector scores every lattice point within reach for
// periods from a sixth of the shorter side to 1/1.6 of it and rotations up to
// ±10°, refines the grid's best local maxima, folds the whole image onto one
// tile along each, and finds the tile's offset (the crop) by
// cross-correlating the folded tile with the keyed sync chips in all eight
// orientations (so 90° turns and mirroring are handled). A lattice whose
// sync peak is weak (z below 5) is not decoded. The offsets the four image
// quadrants give on their own then correct any remaining scale or rotation
// error (kept when it raises the sync peak) before the data chips are read
// into soft code bits for the Viterbi decoder.
//
// # False positives
//
// A payload is reported only when its CRC-24 matches and at most
// payload.MaxBitErrors of the 282 hard decisions disagree with its codeword.
// Result.Confidence is the probability that an unmarked image passes:
// MaxCandidates (the most decodes one Detect makes) times
// payload.FalsePositive(BitErrors), at most 4 × 3.2e-10 ≈ 1.3e-9 per image
// at the default threshold. The bound holds because the residual (the ink's
// included) is computed from the image alone, never from the key, and every
// choice between readings is made on the sync chips or on statistics blind
// to the data bits' signs: in an unmarked image the keyed data chips' signs
// are then fair coins.
//
// # Security
//
// Without the key the payload cannot be read or forged, and the detector
// finds nothing. The mark's periodicity, like any self-referencing mark, can
// be noticed by statistical analysis of an image. DevKey is public and for
// tests only; real keys come from a file (see the labeler's options).
package imagewm

import (
	"errors"

	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

// DevKey is the public development key (payload.DevKey), for tests only.
var DevKey = payload.DevKey

// DefaultPSNR is the default strength: the mark's cost in PSNR (dB).
const DefaultPSNR = 42.0

// MinSide is the smallest shorter side, in pixels, that can carry a mark:
// the tile period is at least 64 px and the detector needs two and a half
// periods to see the lattice (measured: 144 px is read back unattacked, 160
// px also after JPEG q75, 128 px is not).
const MinSide = 160

// MaxCandidates bounds the number of payload decodes one Detect call makes.
const MaxCandidates = 4

// Errors Embed returns for images that cannot carry a mark.
var (
	// ErrTooSmall: the shorter side is below MinSide pixels.
	ErrTooSmall = errors.New("imagewm: image too small to carry a watermark")
	// ErrTooFlat: the image is so flat or saturated that the mark could not
	// be embedded with enough energy to be detected.
	ErrTooFlat = errors.New("imagewm: image too flat or saturated to carry a watermark")
	// ErrNoKey: the key is empty.
	ErrNoKey = errors.New("imagewm: empty watermark key")
)

// Options tunes Embed. The zero value means the defaults.
type Options struct {
	// PSNR is the mark's target cost in dB (higher is weaker and less
	// visible); 0 means DefaultPSNR.
	PSNR float64
}

// Result is what Detect reports.
type Result struct {
	// Found reports a valid payload.
	Found bool `json:"found"`
	// Payload is the watermark ID when Found.
	Payload uint64 `json:"payload"`
	// Confidence is the probability that an unmarked image would give a
	// payload this good (a false-positive probability; lower is surer). It
	// is 1 when nothing was found.
	Confidence float64 `json:"confidence"`
	// BitErrors is the number of code bits (of 282) corrected.
	BitErrors int `json:"bitErrors"`
	// Period is the tile period found, in pixels of the image searched
	// (the mark was embedded with a period of a quarter of the original's
	// shorter side, so it reveals rescaling), and Rotation the rotation
	// found, in degrees. Both are 0 when nothing was found.
	Period   float64 `json:"period,omitempty"`
	Rotation float64 `json:"rotation,omitempty"`
}

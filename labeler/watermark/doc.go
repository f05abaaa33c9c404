// Package watermark is the family of invisible watermarks aigclabel embeds
// under GB 45438-2025's implicit-label provision: marks that survive when
// metadata is stripped, as it is by most platforms on upload.
//
// Every mark carries the same payload, the content's 64-bit watermark ID
// (labeler.WatermarkID: the first 8 bytes of SHA-256 over producer and
// ProduceID), which links it back to the metadata record and the registry.
// The sub-packages are:
//
//   - payload: the shared coding (CRC-24, rate 1/3 convolutional code,
//     soft-decision Viterbi decoding), the keyed SHA-256 keystream every
//     medium derives its embedding pattern from, the development key, and the
//     analytic false-positive bound detectors report as confidence.
//   - imagewm: a blind, keyed image watermark that survives re-encoding,
//     resizing, cropping, small rotations and screenshots.
//   - audio and text watermarks, built on the same payload coding.
//
// All marks are keyed: without the key a mark can be neither read nor found.
// Detection is blind (it needs no original) and never reports a payload whose
// check fails.
package watermark

// Package explicit makes and finds GB 45438 explicit labels (显式标识): the
// visible wording drawn onto images, the audible prompts mixed into or
// inserted into audio (the "short-long short-short" rhythm, Morse "AI", and a
// Mandarin voice clip), and the wordings added to text, HTML and Markdown.
//
// Everything here is pure: images, sample slices and strings in, the same out,
// with no disk, clock or randomness, so the native and WASM builds produce the
// same bytes. Arithmetic that decides output values is integer or float64 with
// explicit conversions (no FMA fusion); curves are flattened in integer
// 26.6 fixed point before x/image/vector rasterizes them on its fixed-point
// path. The caller (labeler.Label, detect.Inspect) decodes and encodes.
//
// Wordings follow the standard's element rule (GB 45438 5.1-5.3): an
// "artificial intelligence" element (人工智能 or AI) and a "generated or
// synthesized" element (生成 and/or 合成); see CheckWording.
package explicit

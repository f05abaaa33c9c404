// Package simhash fingerprints text for approximate registry lookups.
package simhash

import (
	"hash/fnv"
	"regexp"
	"unicode"
	"unicode/utf8"
)

// shingle is the number of characters hashed together. Four characters
// cover a word fragment in English and about two words in Chinese, so light
// edits change few shingles while different texts share almost none.
const shingle = 4

var (
	frontMatter = regexp.MustCompile(`(?s)\A\x{FEFF}?---\r?\n.*?\r?\n(?:---|\.\.\.)\r?\n`)
	aigcMeta    = regexp.MustCompile(`(?i)<meta\s[^>]*name\s*=\s*["']?AIGC["']?[^>]*>`)
)

// Fingerprint returns the 64-bit SimHash of a text: letters and digits only
// (case folded; spaces, punctuation, markup characters and invisible
// characters such as a text watermark's dropped), cut into overlapping
// 4-character shingles, each hashed with FNV-1a and voting on every bit.
// Texts that differ by a few edits differ in a few bits; unrelated texts in
// about 32. The AIGC metadata (Markdown front matter, the HTML meta tag) is
// left out, so a copy with its metadata stripped has the same fingerprint.
func Fingerprint(text []byte) uint64 {
	text = frontMatter.ReplaceAll(text, nil)
	text = aigcMeta.ReplaceAll(text, nil)
	var norm []byte
	var starts []int // byte offset of each kept character in norm
	for len(text) > 0 {
		r, n := utf8.DecodeRune(text)
		text = text[n:]
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		starts = append(starts, len(norm))
		norm = utf8.AppendRune(norm, unicode.ToLower(r))
	}
	if len(starts) == 0 {
		return 0
	}
	starts = append(starts, len(norm))
	var votes [64]int
	nsh := len(starts) - shingle
	if nsh < 1 {
		nsh = 1
	}
	h := fnv.New64a()
	for i := 0; i < nsh; i++ {
		end := starts[min(i+shingle, len(starts)-1)]
		h.Reset()
		h.Write(norm[starts[i]:end])
		v := h.Sum64()
		for b := range 64 {
			if v>>b&1 == 1 {
				votes[b]++
			} else {
				votes[b]--
			}
		}
	}
	var fp uint64
	for b, v := range votes {
		if v > 0 {
			fp |= 1 << b
		}
	}
	return fp
}

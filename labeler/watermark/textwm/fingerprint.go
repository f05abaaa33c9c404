package textwm

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fingerprint parameters.
const (
	// shingleRunes is the shingle length, in normalized characters: long
	// enough that unrelated texts rarely share one (in English with white
	// space and punctuation removed, 8-character shingles such as "outofthe"
	// are common: 400-character excerpts of one corpus text shared 6.3% of
	// their sampled shingles with the other text at 8 characters, 1.0% at
	// 10, 0.1% at 12), short enough that a light edit spoils few.
	shingleRunes = 12
	// maxSample bounds the shingle hashes kept (16 KiB as binary); longer
	// texts keep a coarser sample.
	maxSample = 4096
	// minCompare is the fewest sampled hashes Similarity estimates
	// containment from; with fewer it falls back to the SimHash. One is
	// enough: a 12-character shingle of one text is rarely in another
	// (measured: unrelated 400-character excerpts score 0.001 on average),
	// and a 400-character excerpt of a long text keeps only about 9.5 at
	// level 5.
	minCompare = 1
)

// Fingerprint identifies a text when its marks are gone: it is computed from
// the text's letters and digits only (NFKC, lower case; white space,
// punctuation, symbols, combining marks, format characters and the marks
// themselves left out), so marking, normalization, reflowing, re-punctuating
// and copying through HTML do not change it.
type Fingerprint struct {
	// SimHash is the 64-bit SimHash of the shingles: near-duplicate texts of
	// similar length differ in few bits.
	SimHash uint64
	// Level and Sample: Sample holds, sorted and without duplicates, the
	// high 32 bits s of every shingle hash with s mod 2^Level == 0, Level
	// the smallest that keeps at most 4096. Two samples filtered to the same
	// level estimate how much of one text the other contains, so an excerpt
	// can be matched against a whole text.
	Level  uint8
	Sample []uint32
	// Length is the number of normalized characters.
	Length int
}

// shingleHashes returns the 64-bit hash of every shingle of text's
// normalized characters: FNV-1a over the characters, then a SplitMix64
// finalizer so that every bit is well mixed.
func shingleHashes(text string) []uint64 {
	var runes []rune
	var it norm.Iter
	it.InitString(norm.NFKC, text)
	for !it.Done() {
		for _, r := range string(it.Next()) {
			if unicode.IsLetter(r) || unicode.IsNumber(r) {
				runes = append(runes, unicode.ToLower(r))
			}
		}
	}
	if len(runes) < shingleRunes {
		if len(runes) == 0 {
			return nil
		}
		return []uint64{hashRunes(runes)}
	}
	hs := make([]uint64, 0, len(runes)-shingleRunes+1)
	for i := 0; i+shingleRunes <= len(runes); i++ {
		hs = append(hs, hashRunes(runes[i:i+shingleRunes]))
	}
	return hs
}

func hashRunes(rs []rune) uint64 {
	h := uint64(14695981039346656037)
	for _, r := range rs {
		for s := 0; s < 32; s += 8 {
			h ^= uint64(uint32(r) >> s & 0xff)
			h *= 1099511628211
		}
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

// FingerprintOf returns the fingerprint of text.
func FingerprintOf(text string) Fingerprint {
	hs := shingleHashes(text)
	var fp Fingerprint
	var counts [64]int
	for _, h := range hs {
		for b := 0; b < 64; b++ {
			if h>>b&1 == 1 {
				counts[b]++
			} else {
				counts[b]--
			}
		}
	}
	for b, c := range counts {
		if c > 0 {
			fp.SimHash |= 1 << b
		}
	}
	set := make([]uint32, 0, len(hs))
	for _, h := range hs {
		set = append(set, uint32(h>>32))
	}
	slices.Sort(set)
	set = slices.Compact(set)
	for len(set) > maxSample {
		fp.Level++
		set = filter(set, fp.Level)
	}
	fp.Sample = set
	for _, r := range string(norm.NFKC.String(text)) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			fp.Length++
		}
	}
	return fp
}

// filter keeps the values of sorted set s that are 0 mod 2^level.
func filter(s []uint32, level uint8) []uint32 {
	mask := uint32(1)<<level - 1
	out := s[:0:0]
	for _, v := range s {
		if v&mask == 0 {
			out = append(out, v)
		}
	}
	return out
}

// Similarity scores how much of the shorter text the longer one contains,
// from 0 (unrelated) to nearly 1 (an exact excerpt or copy): the number of
// the shorter text's sampled shingles found in the longer's, both samples
// taken at the coarser of the two levels, divided by one more than their
// number, so that a score resting on few samples stays low (1 of 1 scores
// 0.5, 9 of 9 scores 0.9). When that leaves none it uses the
// SimHashes instead, scaled so that unrelated texts
// (32 differing bits expected) score 0: max(0, 1 - 2·distance/64).
func Similarity(a, b Fingerprint) float64 {
	level := max(a.Level, b.Level)
	sa, sb := filter(a.Sample, level), filter(b.Sample, level)
	if len(sa) > len(sb) {
		sa, sb = sb, sa
	}
	if len(sa) >= minCompare {
		common := 0
		for _, v := range sa {
			if _, ok := slices.BinarySearch(sb, v); ok {
				common++
			}
		}
		return float64(common) / float64(len(sa)+1)
	}
	d := bits.OnesCount64(a.SimHash ^ b.SimHash)
	return max(0, 1-2*float64(d)/64)
}

// String encodes the fingerprint for storage:
// "tf1:<simhash hex>:<level>:<length>:<sample as 8 hex digits each>".
func (fp Fingerprint) String() string {
	var b strings.Builder
	b.Grow(32 + 8*len(fp.Sample))
	fmt.Fprintf(&b, "tf1:%016x:%d:%d:", fp.SimHash, fp.Level, fp.Length)
	for _, v := range fp.Sample {
		fmt.Fprintf(&b, "%08x", v)
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler with String's form.
func (fp Fingerprint) MarshalText() ([]byte, error) { return []byte(fp.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (fp *Fingerprint) UnmarshalText(b []byte) error {
	p, err := ParseFingerprint(string(b))
	if err == nil {
		*fp = p
	}
	return err
}

// ErrFingerprint is returned by ParseFingerprint for malformed input.
var ErrFingerprint = errors.New("textwm: malformed fingerprint")

// ParseFingerprint decodes String's form.
func ParseFingerprint(s string) (Fingerprint, error) {
	var fp Fingerprint
	parts := strings.Split(s, ":")
	if len(parts) != 5 || parts[0] != "tf1" || len(parts[1]) != 16 || len(parts[4])%8 != 0 || len(parts[4]) > 8*maxSample {
		return fp, ErrFingerprint
	}
	sh, err1 := strconv.ParseUint(parts[1], 16, 64)
	lv, err2 := strconv.ParseUint(parts[2], 10, 5)
	n, err3 := strconv.ParseUint(parts[3], 10, 40)
	raw, err4 := hex.DecodeString(parts[4])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return fp, ErrFingerprint
	}
	fp.SimHash, fp.Level, fp.Length = sh, uint8(lv), int(n)
	fp.Sample = make([]uint32, len(raw)/4)
	for i := range fp.Sample {
		fp.Sample[i] = uint32(raw[4*i])<<24 | uint32(raw[4*i+1])<<16 | uint32(raw[4*i+2])<<8 | uint32(raw[4*i+3])
		if i > 0 && fp.Sample[i] <= fp.Sample[i-1] || fp.Sample[i]&(uint32(1)<<fp.Level-1) != 0 {
			return Fingerprint{}, ErrFingerprint
		}
	}
	return fp, nil
}

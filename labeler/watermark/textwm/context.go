package textwm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// contextRunes is how many context characters before a mark select its
// code symbol. Eight characters (about two English words, or a CJK phrase)
// are nearly unique within a text yet short enough that a light edit
// disturbs only the marks right after it.
const contextRunes = 8

// The context of a gap is the last contextRunes characters before it in the
// NFKC normalization of the text, leaving out white space and
// default-ignorable characters (format characters, variation selectors, the
// marks themselves, Hangul fillers, CGJ). Every step the mark must survive
// leaves it unchanged: NFC and NFKC normalization (the context is already
// NFKC, which is idempotent and, at a gap between a space or punctuation and
// a letter, local), white space collapsing, trimming and line-ending changes
// (no white space in it), and copying an excerpt (only marks within eight
// characters of the cut lose their context, and they are skipped because the
// context is incomplete).
func ignorable(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.Is(unicode.Zs, r), unicode.Is(unicode.Cf, r):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF, r >= 0x180B && r <= 0x180F:
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0:
		return true
	}
	return false
}

// walker visits the boundaries of a text's normalization segments with the
// context before each.
type walker struct {
	ring  [contextRunes]rune
	n     int // context characters seen (saturates)
	runes int // original characters before the boundary
}

// context returns the context in order, or false when fewer than
// contextRunes characters precede the boundary.
func (w *walker) context(buf []byte) ([]byte, bool) {
	if w.n < contextRunes {
		return nil, false
	}
	buf = buf[:0]
	for i := 0; i < contextRunes; i++ {
		buf = utf8.AppendRune(buf, w.ring[(w.n+i)%contextRunes])
	}
	return buf, true
}

func (w *walker) push(r rune) {
	w.ring[w.n%contextRunes] = r
	w.n++
	if w.n >= 2*contextRunes {
		w.n -= contextRunes // keep n small, same ring position modulo contextRunes
	}
}

// walk calls visit at every boundary between normalization segments of s
// (and at its end): at is the byte offset, prev2 and prev the two original
// characters before it, next the one after it (-1 for none).
func walk(s string, visit func(at int, prev2, prev, next rune, w *walker)) {
	var w walker
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	prev2, prev := rune(-1), rune(-1)
	start := 0
	for !it.Done() {
		next, _ := utf8.DecodeRuneInString(s[start:])
		visit(start, prev2, prev, next, &w)
		seg := it.Next()
		end := it.Pos()
		for _, r := range s[start:end] {
			prev2, prev = prev, r
			w.runes++
		}
		for len(seg) > 0 {
			r, size := utf8.DecodeRune(seg)
			seg = seg[size:]
			if !ignorable(r) {
				w.push(r)
			}
		}
		start = end
	}
	visit(len(s), prev2, prev, -1, &w)
}

// keyed holds what the key determines: the index hash and the whitening.
type keyed struct {
	mac    hash.Hash
	whiten [codeN]int
	sum    []byte
}

const domain = "aigclabel/textwm/v1"

func newKeyed(key []byte) *keyed {
	k := &keyed{mac: hmac.New(sha256.New, key)}
	// Whitening: HMAC(key, domain " whiten" || i) per index, reduced mod 239
	// (bias below 2^-56).
	for i := range k.whiten {
		k.mac.Reset()
		k.mac.Write([]byte(domain + " whiten\x00"))
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(i))
		k.mac.Write(b[:])
		k.sum = k.mac.Sum(k.sum[:0])
		k.whiten[i] = int(binary.BigEndian.Uint64(k.sum) % fieldP)
	}
	return k
}

// index returns the code symbol index a context selects.
func (k *keyed) index(ctx []byte) int {
	k.mac.Reset()
	k.mac.Write([]byte(domain + " index\x00"))
	k.mac.Write(ctx)
	k.sum = k.mac.Sum(k.sum[:0])
	return int(binary.BigEndian.Uint64(k.sum) % codeN)
}

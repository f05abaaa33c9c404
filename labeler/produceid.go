package labeler

import (
	"fmt"
	"io"
	"time"
)

// crockford is Crockford's base32 alphabet: digits and upper-case letters
// without I, L, O and U, so IDs are URL-safe, case-insensitive to read and free
// of look-alike characters.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewProduceID returns a new content ID in the ULID layout: 26 Crockford
// base32 characters encoding a 48-bit Unix time in milliseconds followed by 80
// random bits. IDs sort by creation time, are unique without coordination
// (2^80 random values per millisecond) and satisfy Annex E rule j.
func NewProduceID(now time.Time, rnd io.Reader) (string, error) {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := io.ReadFull(rnd, b[6:]); err != nil {
		return "", fmt.Errorf("labeler: generating a ProduceID: %w", err)
	}
	// 128 bits in 26 characters: the first character carries the top 3 bits.
	var out [26]byte
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:]), nil
}

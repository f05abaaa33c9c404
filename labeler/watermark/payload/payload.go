// Package payload is the error-protected, keyed payload coding shared by the
// image, audio and text watermarks.
//
// # Code
//
// A payload is the content's 64-bit watermark ID (labeler.WatermarkID). It is
// extended with a 24-bit CRC (CRC-24/OpenPGP, polynomial 0x864CFB, initial value
// 0xB704CE) over the ID's 8 big-endian bytes, giving 88 message bits, most
// significant bit first. The message and 6 zero tail bits are coded with the
// rate 1/3, constraint length 7 convolutional code with generators 133, 171
// and 165 (octal; the code of 3GPP LTE, free distance 15), giving Bits = 282
// code bits. Decode is a soft-decision Viterbi decoder: each soft value says
// "bit 1" when positive and "bit 0" when negative, with confidence |soft|;
// zero is an erasure.
//
// # When a payload counts as found
//
// Decode reports ok only when the decoded message's CRC matches and the
// decoded codeword disagrees with the hard decisions of the input in at most
// MaxBitErrors of the Bits positions (an erasure counts as a disagreement).
//
// # False-positive bound
//
// Only 2^64 codewords carry a valid CRC. If the soft values carry no mark,
// their signs are independent fair coins (true for any symmetric noise), so
// the probability that some valid codeword lies within e bit errors of them is
// at most
//
//	P(e) = 2^64 · Σ_{d=0..e} C(282, d) / 2^282
//
// by the union bound over the valid codewords, whatever decoder is used.
// FalsePositive(e) returns P(e); FalsePositive(MaxBitErrors) ≈ 3.2e-10 is the
// per-decode bound at the default threshold. A detector that decodes k
// candidate alignments multiplies it by k (union bound again) and should
// report that as its confidence.
//
// # Keys
//
// Keystream derives every keyed choice (chip patterns, permutations, offsets)
// from the secret key with SHA-256 in counter mode, separated by a domain
// string per use, so that the same key never gives related streams for two
// uses. It is deterministic and identical on every platform. DevKey is a
// published development key for tests only: a mark made with it can be read
// and forged by anyone.
package payload

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"sync"
)

// Code parameters; see the package documentation.
const (
	// IDBits is the number of payload bits (the watermark ID).
	IDBits = 64
	// CRCBits is the length of the check appended to the ID.
	CRCBits = 24
	// MessageBits is IDBits + CRCBits, the convolutional coder's input.
	MessageBits = IDBits + CRCBits
	// constraint is the convolutional code's constraint length K.
	constraint = 7
	// rate is the number of code bits per message bit.
	rate = 3
	// Bits is the number of code bits Encode returns and Decode expects.
	Bits = (MessageBits + constraint - 1) * rate
	// MaxBitErrors is the default threshold: Decode reports ok only when at
	// most this many hard decisions disagree with the decoded codeword.
	// About 17.7% of Bits; FalsePositive(MaxBitErrors) ≈ 3.2e-10.
	MaxBitErrors = 50
)

// generators are the code's generator polynomials (133, 171, 165 octal),
// applied to the shift register whose bit 6 is the newest input bit.
var generators = [rate]uint8{0o133, 0o171, 0o165}

// DevKey is the development key. It is public: use it for tests and demos
// only, never for content that leaves the machine.
var DevKey = []byte("aigclabel development watermark key - TEST ONLY")

// crc24 returns the CRC-24/OpenPGP of b.
func crc24(b []byte) uint32 {
	crc := uint32(0xB704CE)
	for _, c := range b {
		crc ^= uint32(c) << 16
		for i := 0; i < 8; i++ {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864CFB
			}
		}
	}
	return crc & 0xFFFFFF
}

// message returns the 88 message bits of id: the ID then its CRC, MSB first.
func message(id uint64) [MessageBits]byte {
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], id)
	crc := crc24(be[:])
	var m [MessageBits]byte
	for i := 0; i < IDBits; i++ {
		m[i] = byte(id >> (IDBits - 1 - i) & 1)
	}
	for i := 0; i < CRCBits; i++ {
		m[IDBits+i] = byte(crc >> (CRCBits - 1 - i) & 1)
	}
	return m
}

// parity returns the parity of the bits of x.
func parity(x uint8) byte {
	x ^= x >> 4
	x ^= x >> 2
	x ^= x >> 1
	return x & 1
}

// outputs returns the rate code bits emitted when the register holds reg
// (bit 6 the newest input bit, bits 0-5 the previous six).
func outputs(reg uint8) [rate]byte {
	var o [rate]byte
	for j, g := range generators {
		o[j] = parity(reg & g)
	}
	return o
}

// Encode returns the Bits code bits (each 0 or 1) that carry id.
func Encode(id uint64) []byte {
	m := message(id)
	out := make([]byte, 0, Bits)
	var state uint8 // the previous six input bits, newest in bit 5
	for i := 0; i < MessageBits+constraint-1; i++ {
		var b byte
		if i < MessageBits {
			b = m[i]
		}
		reg := b<<6 | state
		o := outputs(reg)
		out = append(out, o[:]...)
		state = reg >> 1
	}
	return out
}

// states is the number of convolutional coder states.
const states = 1 << (constraint - 1)

// Decode decodes soft code bits (soft[i] > 0 means bit 1 with confidence
// |soft[i]|, 0 is an erasure) with a soft-decision Viterbi decoder. It returns
// the decoded ID, the number of hard decisions that disagree with the decoded
// codeword, and ok when the CRC matches and bitErrors <= MaxBitErrors. A
// slice of the wrong length decodes as not ok.
func Decode(soft []float64) (id uint64, bitErrors int, ok bool) {
	id, bitErrors, crcOK := DecodeAny(soft)
	return id, bitErrors, crcOK && bitErrors <= MaxBitErrors
}

// DecodeAny is Decode without the bit-error threshold: ok reports only that
// the CRC matches. Callers that apply their own threshold must report its
// false-positive probability with FalsePositive.
func DecodeAny(soft []float64) (id uint64, bitErrors int, ok bool) {
	if len(soft) != Bits {
		return 0, Bits, false
	}
	const steps = MessageBits + constraint - 1
	// Path metric = correlation of the path's ±1 code bits with soft; maximise.
	var metric, next [states]float64
	var prev [steps][states]uint8 // survivor predecessor state per step
	inf := -1e300
	for s := range metric {
		metric[s] = inf
	}
	metric[0] = 0
	for t := 0; t < steps; t++ {
		for s := range next {
			next[s] = inf
		}
		r := soft[t*rate : t*rate+rate]
		maxIn := 1
		if t >= MessageBits {
			maxIn = 0 // tail bits are zero
		}
		for s := 0; s < states; s++ {
			if metric[s] == inf {
				continue
			}
			for b := 0; b <= maxIn; b++ {
				reg := uint8(b)<<6 | uint8(s)
				o := outputs(reg)
				m := metric[s]
				for j := 0; j < rate; j++ {
					if o[j] == 1 {
						m += r[j]
					} else {
						m -= r[j]
					}
				}
				ns := reg >> 1
				// Ties go to the lower predecessor state, for determinism.
				if m > next[ns] {
					next[ns] = m
					prev[t][ns] = uint8(s)
				}
			}
		}
		metric = next
	}
	// The terminated code ends in state 0; trace back.
	var m [MessageBits]byte
	s := uint8(0)
	for t := steps - 1; t >= 0; t-- {
		p := prev[t][s]
		if t < MessageBits {
			m[t] = s >> 5 & 1 // the input bit at step t is the newest bit of the new state
		}
		s = p
	}
	for i := 0; i < IDBits; i++ {
		id = id<<1 | uint64(m[i])
	}
	var crc uint32
	for i := 0; i < CRCBits; i++ {
		crc = crc<<1 | uint32(m[IDBits+i])
	}
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], id)
	ok = crc == crc24(be[:])
	bitErrors = Errors(soft, Encode(id))
	return id, bitErrors, ok
}

// Errors counts the positions where the sign of soft disagrees with the code
// bits (an erasure, soft 0, counts as a disagreement).
func Errors(soft []float64, code []byte) int {
	n := 0
	for i, c := range code {
		if i >= len(soft) || (c == 1) != (soft[i] > 0) || soft[i] == 0 {
			n++
		}
	}
	return n
}

var (
	fpOnce  sync.Once
	fpTable [Bits + 1]float64
)

// FalsePositive returns the probability that soft values carrying no mark
// (independent fair-coin signs) lie within bitErrors errors of some valid
// codeword: 2^64 · Σ_{d<=bitErrors} C(Bits, d) / 2^Bits, capped at 1. It is
// computed exactly with big integers, so it is the same on every platform.
func FalsePositive(bitErrors int) float64 {
	if bitErrors < 0 {
		return 0
	}
	if bitErrors > Bits {
		bitErrors = Bits
	}
	fpOnce.Do(func() {
		sum := new(big.Int)
		c := big.NewInt(1) // C(Bits, d)
		den := new(big.Float).SetMantExp(big.NewFloat(1), Bits-IDBits)
		for d := 0; d <= Bits; d++ {
			if d > 0 {
				c.Mul(c, big.NewInt(int64(Bits-d+1)))
				c.Quo(c, big.NewInt(int64(d)))
			}
			sum.Add(sum, c)
			f, _ := new(big.Float).Quo(new(big.Float).SetInt(sum), den).Float64()
			if f > 1 {
				f = 1
			}
			fpTable[d] = f
		}
	})
	return fpTable[bitErrors]
}

// Stream is a deterministic keyed byte stream: SHA-256 over key, domain and a
// block counter. It is not safe for concurrent use.
type Stream struct {
	seed    [sha256.Size]byte // SHA-256(len(key) || key || domain)
	counter uint64
	buf     [sha256.Size]byte
	n       int // unread bytes at the end of buf
}

// Keystream returns the stream for key and domain. Block i is
// SHA-256(seed || uint64be(i)) with seed = SHA-256(uint64be(len(key)) || key ||
// domain); the length prefix keeps (key, domain) pairs from colliding.
func Keystream(key []byte, domain string) *Stream {
	h := sha256.New()
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(len(key)))
	h.Write(l[:])
	h.Write(key)
	h.Write([]byte(domain))
	s := &Stream{}
	h.Sum(s.seed[:0])
	return s
}

// Read fills p with the stream's next bytes. It never fails.
func (s *Stream) Read(p []byte) (int, error) {
	for i := range p {
		if s.n == 0 {
			var blk [sha256.Size + 8]byte
			copy(blk[:], s.seed[:])
			binary.BigEndian.PutUint64(blk[sha256.Size:], s.counter)
			s.counter++
			s.buf = sha256.Sum256(blk[:])
			s.n = sha256.Size
		}
		p[i] = s.buf[sha256.Size-s.n]
		s.n--
	}
	return len(p), nil
}

// Uint64 returns the next 8 bytes of the stream, big-endian.
func (s *Stream) Uint64() uint64 {
	var b [8]byte
	s.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}

// Intn returns a uniform integer in [0, n) without modulo bias; n must be > 0.
func (s *Stream) Intn(n int) int {
	if n <= 0 {
		panic("payload: Intn with n <= 0")
	}
	max := ^uint64(0) - ^uint64(0)%uint64(n)
	for {
		v := s.Uint64()
		if v < max {
			return int(v % uint64(n))
		}
	}
}

// Perm returns a keyed uniform permutation of [0, n) (Fisher-Yates).
func (s *Stream) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := s.Intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

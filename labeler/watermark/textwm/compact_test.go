package textwm

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestCompactCheckBits checks the table of CRC bits kept per mark count
// against big-integer arithmetic: 2^(64+c) ≤ 239^n < 2^(65+c).
func TestCompactCheckBits(t *testing.T) {
	for n := compactMin; n <= compactMax; n++ {
		c := compactCheck[n]
		pw := new(big.Int).Exp(big.NewInt(fieldP), big.NewInt(int64(n)), nil)
		lo := new(big.Int).Lsh(big.NewInt(1), uint(64+c))
		hi := new(big.Int).Lsh(big.NewInt(1), uint(65+c))
		if pw.Cmp(lo) < 0 || pw.Cmp(hi) >= 0 {
			t.Errorf("n=%d: %d check bits, but 239^n = 2^%.2f", n, c, float64(n)*math.Log2(fieldP))
		}
	}
}

// TestCompactDigits round-trips every compact message size and checks that
// a changed symbol is caught by the check bits or the range.
func TestCompactDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := compactMin; n <= compactMax; n++ {
		for _, id := range []uint64{0, 1, math.MaxUint64, testID, rng.Uint64()} {
			code := compactCode(id, n)
			pts := make([]point, n)
			for j := range pts {
				pts[j] = point{j, code[j]}
			}
			got, ok := compactDecode(pts)
			if !ok || got != id {
				t.Errorf("n=%d id=%x: got %x, %v", n, id, got, ok)
			}
		}
	}
}

// TestCompactValueFalsePositive measures the value part of the compact
// bound: random symbols interpolate to a valid ID and check bits with
// probability 2^64/239^n (7.2e-3 for n = 9).
func TestCompactValueFalsePositive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const trials = 20000
	hits := 0
	pts := make([]point, compactMin)
	for i := 0; i < trials; i++ {
		for j := range pts {
			pts[j] = point{j, rng.IntN(fieldP)}
		}
		if _, ok := compactDecode(pts); ok {
			hits++
		}
	}
	want := math.Pow(2, 64) / math.Pow(fieldP, compactMin) * trials
	if math.Abs(float64(hits)-want) > 5*math.Sqrt(want) {
		t.Errorf("%d of %d random symbol sets decoded, expected %.0f", hits, trials, want)
	}
	t.Logf("%d of %d decoded (expected %.0f)", hits, trials, want)
}

// TestCompactBound compares compactBound with an independent computation
// with logarithms.
func TestCompactBound(t *testing.T) {
	for _, c := range [][3]int{{9, 0, 14}, {9, 1, 14}, {10, 0, 33}, {11, 3, 40}, {11, 0, 11}} {
		r, s, g := c[0], c[1], c[2]
		lb := func(n, k int) float64 {
			a, _ := math.Lgamma(float64(n + 1))
			b, _ := math.Lgamma(float64(k + 1))
			d, _ := math.Lgamma(float64(n - k + 1))
			return a - b - d
		}
		want := math.Exp(lb(r+s, r) - lb(g, r) + 64*math.Ln2 - float64(r)*math.Log(fieldP))
		if got := compactBound(r, s, g); math.Abs(got-min(want, 1))/want > 1e-9 {
			t.Errorf("compactBound(%d, %d, %d) = %g, independent %g", r, s, g, got, want)
		}
	}
	if compactBound(8, 0, 100) != 1 || compactBound(12, 0, 100) != 1 {
		t.Error("compactBound outside 9-11 marks must be 1")
	}
}

// shortTexts cuts texts of n characters at word boundaries from en.txt.
func shortTexts(t *testing.T, n, count int) []string {
	rs := []rune(readText(t, "en.txt"))
	var out []string
	for start := 0; len(out) < count && start+n < len(rs); start += 97 {
		s := start
		for s > 0 && rs[s-1] != ' ' && rs[s-1] != '\n' {
			s++
		}
		out = append(out, string(rs[s:s+n]))
	}
	return out
}

// TestCompact marks whole short texts: within 5%, read back from the
// compact layout with a bound of at most MaxCompactFalsePositive, after
// every step the mark must survive.
func TestCompact(t *testing.T) {
	attacks := map[string]func(string) string{
		"NFC": norm.NFC.String, "NFKC": norm.NFKC.String, "NFD": norm.NFD.String, "NFKD": norm.NFKD.String,
		"html copy":  htmlCopy,
		"LF to CRLF": func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
		"trim lines": trimLines,
		"reflow 40":  func(s string) string { return reflow(s, 40) },
		"tabs":       func(s string) string { return strings.ReplaceAll(s, " ", "\t") },
		"NBSP":       func(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") },
		"upper case": strings.ToUpper,
		"curly":      smartQuotes,
	}
	marked := 0
	for _, n := range []int{180, 199, 200, 219, 239} {
		for _, in := range shortTexts(t, n, 6) {
			out, err := Embed(in, testID, testKey, Options{})
			if errors.Is(err, ErrTooShort) {
				t.Logf("%d characters: %v", n, err)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			marked++
			added := utf8.RuneCountInString(out) - n
			if added*rateDen > n || added < compactMin {
				t.Errorf("%d characters: %d marks added", n, added)
			}
			if stripMarks(out) != in {
				t.Fatalf("%d characters: Embed changed more than the marks", n)
			}
			checkPositions(t, "short", out)
			r := wantFound(t, "short", out)
			if !r.Compact || r.Confidence > MaxCompactFalsePositive || r.Symbols != added {
				t.Errorf("%d characters: %+v", n, r)
			}
			for an, a := range attacks {
				if r := wantFound(t, an, a(out)); !r.Compact {
					t.Errorf("%s: not compact: %+v", an, r)
				}
			}
			if d := Detect(out, []byte("another key")); d.Found {
				t.Errorf("another key found %+v", d)
			}
			c := Compare(out, testKey, testID)
			if c.Symbols != added || c.Agree != added {
				t.Errorf("Compare: %+v", c)
			}
		}
	}
	if marked < 25 {
		t.Errorf("only %d of 30 English texts of 180-239 characters took a mark", marked)
	}
	for _, n := range []int{60, 120, 179} {
		for _, in := range shortTexts(t, n, 3) {
			if _, err := Embed(in, testID, testKey, Options{}); !errors.Is(err, ErrTooShort) || !strings.Contains(err.Error(), "fingerprint") {
				t.Errorf("%d characters: %v, want ErrTooShort naming the fingerprint", n, err)
			}
		}
	}
}

// TestCompactMarkdown keeps marks out of code in a short Markdown text and
// reads them back from the raw text, where the excluded gaps are holes.
func TestCompactMarkdown(t *testing.T) {
	in := "The harbour town woke slowly that morning, and `git log --all` printed nothing new.\n\n" +
		"```\nrun the count again\n```\n\nFishing boats rocked against the pier while gulls argued over yesterday's catch and the baker sang."
	out, err := Embed(in, testID, testKey, Options{Markdown: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"`git log --all`", "```\nrun the count again\n```"} {
		if !strings.Contains(out, code) {
			t.Errorf("a mark went into %q", code)
		}
	}
	checkPositions(t, "short.md", out)
	if n := utf8.RuneCountInString(in); (utf8.RuneCountInString(out)-n)*rateDen > n {
		t.Error("over 5%")
	}
	if r := wantFound(t, "short markdown", out); !r.Compact {
		t.Errorf("%+v", r)
	}
}

// TestCompactFalsePositives puts random mark characters at 9 to 11 random
// gaps of short texts, and another key's compact marks: nothing may be
// reported.
func TestCompactFalsePositives(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	k := newKeyed([]byte("random"))
	texts := shortTexts(t, 230, 20)
	for i := 0; i < 1000; i++ {
		in := texts[i%len(texts)]
		cands, _ := candidates(in, k, Options{})
		n := compactMin + rng.IntN(compactMax-compactMin+1)
		if len(cands) < n {
			continue
		}
		pick := rng.Perm(len(cands))[:n]
		var b strings.Builder
		prev := 0
		for _, c := range sortedCands(cands, pick) {
			b.WriteString(in[prev:c.at])
			b.WriteRune(rune(markBase + rng.IntN(fieldP)))
			prev = c.at
		}
		b.WriteString(in[prev:])
		if r := Detect(b.String(), testKey); r.Found {
			t.Fatalf("random marks reported: %+v", r)
		}
	}
	for _, in := range texts {
		other, err := Embed(in, testID, []byte("someone else"), Options{})
		if err != nil {
			continue
		}
		if r := Detect(other, testKey); r.Found || r.Marks == 0 {
			t.Errorf("another key's compact marks: %+v", r)
		}
	}
}

func sortedCands(cands []candidate, pick []int) []candidate {
	out := make([]candidate, 0, len(pick))
	for i, c := range cands {
		for _, p := range pick {
			if p == i {
				out = append(out, c)
			}
		}
	}
	return out
}

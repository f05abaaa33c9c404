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

// TestCompactCheckBits checks the CRC bits kept per mix of selectors and
// tags against big-integer arithmetic: 2^(64+c) ≤ 239^v·95^t < 2^(65+c)
// (or c = 24, the whole CRC).
func TestCompactCheckBits(t *testing.T) {
	for v := 0; v <= compactMax; v++ {
		for tg := 0; v+tg <= compactMax; tg++ {
			c := compactCheck(v, tg)
			capa := new(big.Int).Exp(big.NewInt(fieldP), big.NewInt(int64(v)), nil)
			capa.Mul(capa, new(big.Int).Exp(big.NewInt(tagVals), big.NewInt(int64(tg)), nil))
			id := new(big.Int).Lsh(big.NewInt(1), 64)
			if capa.Cmp(id) < 0 {
				if c >= 0 {
					t.Errorf("v=%d t=%d: %d check bits but no room for the ID", v, tg, c)
				}
				continue
			}
			lo := new(big.Int).Lsh(big.NewInt(1), uint(64+c))
			hi := new(big.Int).Lsh(big.NewInt(1), uint(65+c))
			if capa.Cmp(lo) < 0 || c < crcBits && capa.Cmp(hi) >= 0 || c > crcBits {
				t.Errorf("v=%d t=%d: %d check bits for a capacity of 2^%d", v, tg, c, capa.BitLen()-1)
			}
		}
	}
}

// TestCompactDigits round-trips mixes of selectors and tags and checks that
// a changed digit is caught.
func TestCompactDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, vt := range [][2]int{{9, 0}, {10, 0}, {11, 0}, {5, 4}, {0, 10}, {3, 13}, {16, 0}} {
		v, tg := vt[0], vt[1]
		for _, id := range []uint64{0, 1, math.MaxUint64, testID, rng.Uint64()} {
			d := toDigits(id, compactCheck(v, tg), compactBases(v, tg))
			got, ok := compactDecode(d, v, tg)
			if !ok || got != id {
				t.Errorf("v=%d t=%d id=%x: got %x, %v", v, tg, id, got, ok)
			}
			if compactCheck(v, tg) >= 8 {
				d[v+tg-1] = (d[v+tg-1] + 1) % compactBases(v, tg)[v+tg-1]
				if got, ok := compactDecode(d, v, tg); ok {
					t.Errorf("v=%d t=%d: a changed digit still decodes (%x)", v, tg, got)
				}
			}
		}
	}
}

// TestCompactValueFalsePositive measures the value part of the compact
// bound: random digits form a valid ID and check bits with probability
// 2^64/(239^v·95^t): 7.2e-3 for 9 selectors, 2.9e-1 for 5 selectors and 4
// tags.
func TestCompactValueFalsePositive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, vt := range [][2]int{{9, 0}, {5, 4}} {
		v, tg := vt[0], vt[1]
		const trials = 20000
		hits := 0
		bases := compactBases(v, tg)
		d := make([]int, v+tg)
		for i := 0; i < trials; i++ {
			for j := range d {
				d[j] = rng.IntN(bases[j])
			}
			if _, ok := compactDecode(d, v, tg); ok {
				hits++
			}
		}
		want := math.Pow(2, 64) / math.Pow(fieldP, float64(v)) / math.Pow(tagVals, float64(tg)) * trials
		if math.Abs(float64(hits)-want) > 5*math.Sqrt(want) {
			t.Errorf("v=%d t=%d: %d of %d random digit sets decoded, expected %.0f", v, tg, hits, trials, want)
		}
		t.Logf("v=%d t=%d: %d of %d decoded (expected %.0f)", v, tg, hits, trials, want)
	}
}

// TestCompactBound compares compactBound with an independent computation
// with logarithms.
func TestCompactBound(t *testing.T) {
	lb := func(n, k int) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(k + 1))
		d, _ := math.Lgamma(float64(n - k + 1))
		return a - b - d
	}
	for _, c := range [][6]int{{10, 0, 14, 0, 0, 0}, {10, 1, 14, 0, 0, 3}, {10, 0, 33, 0, 0, 0}, {11, 3, 40, 0, 0, 0}, {6, 2, 15, 5, 10, 150}, {1, 0, 3, 12, 0, 200}} {
		v, sv, gv, tg, st, gt := c[0], c[1], c[2], c[3], c[4], c[5]
		want := math.Exp(lb(v+sv, v) - lb(gv, v) + lb(tg+st, tg) - lb(gt, tg) + 64*math.Ln2 - float64(v)*math.Log(fieldP) - float64(tg)*math.Log(tagVals))
		if got := compactBound(v, sv, gv, tg, st, gt); math.Abs(got-min(want, 1))/min(want, 1) > 1e-9 {
			t.Errorf("compactBound%v = %g, independent %g", c, got, want)
		}
	}
	if compactBound(8, 0, 100, 0, 0, 0) != 1 || compactBound(17, 0, 100, 0, 0, 0) != 1 || compactBound(0, 0, 0, 9, 0, 100) != 1 || compactBound(9, 0, 100, 0, 0, 0) != 1 {
		t.Error("compactBound outside 9-16 marks or with fewer than minCompactCheck check bits must be 1")
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
	for _, n := range []int{200, 210, 219, 220, 239} {
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
			if added*rateDen > n || added < compactMin || added > compactMax {
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
		t.Errorf("only %d of 30 English texts of 200-239 characters took a mark", marked)
	}
	for _, n := range []int{60, 120, 179, 199} {
		for _, in := range shortTexts(t, n, 3) {
			if _, err := Embed(in, testID, testKey, Options{}); !errors.Is(err, ErrTooShort) || !strings.Contains(err.Error(), "fingerprint") {
				t.Errorf("%d characters: %v, want ErrTooShort naming the fingerprint", n, err)
			}
		}
	}
}

// TestCompactCJK marks short Chinese texts, whose gaps are mostly between
// ideographs (tags) and a few after punctuation (selectors).
func TestCompactCJK(t *testing.T) {
	rs := []rune(readText(t, "zh.txt"))
	attacks := map[string]func(string) string{
		"NFC": norm.NFC.String, "NFKC": norm.NFKC.String, "NFKD": norm.NFKD.String,
		"html copy":  htmlCopy,
		"LF to CRLF": func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
		"trim lines": trimLines,
		"fullwidth ASCII punctuation": func(s string) string {
			return strings.NewReplacer(",", "，", ".", "．").Replace(s)
		},
	}
	marked, tags := 0, 0
	for _, n := range []int{180, 200, 220, 239, 300} {
		for start := 0; start+n <= len(rs); start += 37 {
			in := string(rs[start : start+n])
			out, err := Embed(in, testID, testKey, Options{})
			if errors.Is(err, ErrTooShort) {
				t.Logf("%d characters at %d: %v", n, start, err)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			marked++
			added := utf8.RuneCountInString(out) - n
			if added*rateDen > n {
				t.Errorf("%d characters: %d code points added", n, added)
			}
			if stripMarks(out) != in {
				t.Fatalf("%d characters: Embed changed more than the marks", n)
			}
			for _, r := range out {
				if isTag(r) {
					tags++
				}
			}
			checkPositions(t, "short zh", out)
			r := wantFound(t, "short zh", out)
			if r.Confidence > MaxCompactFalsePositive || r.Compact != (n < 240 || r.Compact) {
				t.Errorf("%d characters: %+v", n, r)
			}
			for an, a := range attacks {
				wantFound(t, an, a(out))
			}
			if _, err := Embed(out, testID, testKey, Options{}); !errors.Is(err, ErrMarked) {
				t.Errorf("marking twice: %v", err)
			}
		}
	}
	if marked < 10 || tags == 0 {
		t.Errorf("%d short Chinese texts marked, %d tags", marked, tags)
	}
	t.Logf("%d short Chinese texts marked, %d tags", marked, tags)
}

// TestCompactDamage edits one character of marked short texts, 20 times
// each: the compact layout may lose the mark, but must never give a wrong ID
// (its check bits; see minCompactCheck).
func TestCompactDamage(t *testing.T) {
	wrong, damaged, found := 0, 0, 0
	for _, src := range [][]rune{[]rune(readText(t, "en.txt")), []rune(readText(t, "zh.txt"))} {
		for _, n := range []int{200, 220, 239} {
			for start := 0; start+n <= len(src); start += 53 {
				out, err := Embed(string(src[start:start+n]), testID, testKey, Options{})
				if err != nil {
					continue
				}
				rs := []rune(out)
				for e := 0; e < 20; e++ {
					cp := append([]rune(nil), rs...)
					i := (e*37 + 5) % len(cp)
					if isMark(cp[i]) || isTag(cp[i]) {
						continue
					}
					cp[i] = 'q'
					if isCJK(rs[i]) {
						cp[i] = '某'
					}
					damaged++
					r := Detect(string(cp), testKey)
					switch {
					case r.Found && r.Payload != testID:
						wrong++
					case r.Found:
						found++
					}
				}
			}
		}
	}
	if wrong > 0 || damaged < 500 {
		t.Errorf("%d wrong IDs in %d damaged texts", wrong, damaged)
	}
	t.Logf("%d damaged texts: %d still give the ID, none a wrong one", damaged, found)
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
	// Random tags between ideographs and selectors after punctuation of
	// short Chinese texts.
	zh := []rune(readText(t, "zh.txt"))
	for i := 0; i < 1000; i++ {
		start := rng.IntN(len(zh) - 240)
		in := string(zh[start : start+200+rng.IntN(40)])
		cands, _ := candidates(in, k, Options{})
		n := compactMin + rng.IntN(compactMax-compactMin+1)
		pick := rng.Perm(len(cands))[:min(n, len(cands))]
		var b strings.Builder
		prev := 0
		for _, c := range sortedCands(cands, pick) {
			b.WriteString(in[prev:c.at])
			if c.cost == 2 {
				b.WriteRune(rune(tagBase + rng.IntN(tagVals)))
			} else {
				b.WriteRune(rune(markBase + rng.IntN(fieldP)))
			}
			prev = c.at
		}
		b.WriteString(in[prev:])
		if r := Detect(b.String(), testKey); r.Found {
			t.Fatalf("random tags and selectors reported: %+v", r)
		}
	}
	for _, in := range append(texts, readText(t, "short_zh.txt")) {
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

// TestCompactJapanese marks a short Japanese text whose kana decompose
// under NFD and NFKD (が into か and U+3099): the gaps after them stay gaps
// between ideographs.
func TestCompactJapanese(t *testing.T) {
	in := "港町の朝はゆっくりと始まった。漁船が桟橋にぶつかって揺れ、カモメが昨日の獲物の残りをめぐって騒いでいた。角のパン屋は四時から燃えているかまどから最初のパンを取り出した。誰も急いでいなかった。潮が変わるまでまだ二時間あり、みんながそれを知っていた。マルタはノートを抱えて坂を下りた。秋の嵐が来る前に湾の船をすべて数えると港長に約束していたのだ。霧が晴れなくても、その約束を守るつもりだった。内側の防波堤には十二隻の船が並び、外にはさらに三隻が錨を下ろしていた。"
	out, err := Embed(in, testID, testKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := utf8.RuneCountInString(in)
	if added := utf8.RuneCountInString(out) - n; added*rateDen > n {
		t.Errorf("%d code points added to %d", added, n)
	}
	checkPositions(t, "ja", out)
	for name, f := range map[string]func(string) string{"none": func(s string) string { return s }, "NFC": norm.NFC.String, "NFD": norm.NFD.String, "NFKC": norm.NFKC.String, "NFKD": norm.NFKD.String, "html copy": htmlCopy} {
		if r := wantFound(t, "ja "+name, f(out)); !r.Compact {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

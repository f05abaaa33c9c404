package textwm

import (
	"errors"
	stdhtml "html"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

var (
	testKey = []byte("textwm test key")
	testID  = uint64(0x9e3779b97f4a7c15)
)

func readText(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func embed(t testing.TB, text string, opts Options) string {
	t.Helper()
	out, err := Embed(text, testID, testKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantFound checks that text carries testID.
func wantFound(t *testing.T, what, text string) Result {
	t.Helper()
	r := Detect(text, testKey)
	if !r.Found || r.Payload != testID {
		t.Errorf("%s: %+v, want payload %x", what, r, testID)
	}
	if r.Found && r.Confidence > 1e-6 {
		t.Errorf("%s: false-positive bound %g above 1e-6", what, r.Confidence)
	}
	if r.BitErrors < r.SymbolErrors || r.BitErrors > 8*r.SymbolErrors {
		t.Errorf("%s: %d bit errors for %d symbol errors", what, r.BitErrors, r.SymbolErrors)
	}
	return r
}

// stripMarks removes the mark characters (and a ZWNJ right before one), as
// an attacker would; tests only.
func stripMarks(s string) string {
	s = strings.ReplaceAll(s, "\u200c", "")
	return strings.Map(func(r rune) rune {
		if isMark(r) || isTag(r) {
			return -1
		}
		return r
	}, s)
}

func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"en.txt", "zh.txt", "doc.md"} {
		in := readText(t, name)
		out := embed(t, in, Options{Markdown: strings.HasSuffix(name, ".md")})
		if stripMarks(out) != in {
			t.Errorf("%s: marking changed more than the inserted marks", name)
		}
		r := wantFound(t, name, out)
		t.Logf("%s: %+v", name, r)
		if d := Detect(in, testKey); d.Found || d.Marks != 0 {
			t.Errorf("%s: unmarked text gives %+v", name, d)
		}
		if d := Detect(out, []byte("another key")); d.Found {
			t.Errorf("%s: found with the wrong key: %+v", name, d)
		}
	}
}

func TestCorpus(t *testing.T) {
	dir := testenv.Corpus(t, "text")
	for _, name := range []string{"en_alice29.txt", "mixed_tbw_example.txt"} {
		b, err := os.ReadFile(dir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Embed(string(b), testID, testKey, Options{})
		if name == "mixed_tbw_example.txt" {
			// 199 characters take 9 marks within 5%, one fewer than the
			// compact layout's 10: it carries no mark.
			if !errors.Is(err, ErrTooShort) {
				t.Errorf("%s: %v, want ErrTooShort", name, err)
			}
			t.Logf("%s: %v", name, err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		r := wantFound(t, name, out)
		n := utf8.RuneCount(b)
		over := float64(utf8.RuneCountInString(out)-n) / float64(n)
		t.Logf("%s: %d characters, overhead %.2f%%, %+v", name, n, 100*over, r)
		if over > 0.05 {
			t.Errorf("%s: overhead %.2f%% above 5%%", name, 100*over)
		}
		rs := []rune(out)
		for start := 0; start+400 <= len(rs); start += 397 {
			if r := Detect(string(rs[start:start+400]), testKey); !r.Found || r.Payload != testID {
				t.Errorf("%s: excerpt at %d: %+v", name, start, r)
			}
		}
	}
}

// htmlCopy simulates rendering text in an HTML paragraph and copying it back
// (innerText): runs of white space collapse to one space, the ends are
// trimmed.
func htmlCopy(s string) string {
	return strings.TrimSpace(regexp.MustCompile(`[ \t\r\n\f]+`).ReplaceAllString(s, " "))
}

func TestAttacks(t *testing.T) {
	attacks := map[string]func(string) string{
		"NFC":        norm.NFC.String,
		"NFKC":       norm.NFKC.String,
		"NFD":        norm.NFD.String,
		"NFKD":       norm.NFKD.String,
		"html copy":  htmlCopy,
		"LF to CRLF": func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
		"CRLF to LF": func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "\n", "\r\n"), "\r\n", "\n") },
		"trim lines": trimLines,
		"reflow 40":  func(s string) string { return reflow(s, 40) },
		"tabs":       func(s string) string { return strings.ReplaceAll(s, " ", "\t") },
		"NBSP":       func(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") },
		"fullwidth ASCII punctuation": func(s string) string {
			return strings.NewReplacer(",", "，", ".", "．").Replace(s)
		},
		"edit 5 words": func(s string) string { return editWords(s, 5) },
		"curly quotes": smartQuotes,
		"upper case":   strings.ToUpper,
	}
	for _, name := range []string{"en.txt", "zh.txt"} {
		out := embed(t, readText(t, name), Options{})
		for an, attack := range attacks {
			wantFound(t, name+" "+an, attack(out))
		}
	}
}

// smartQuotes turns straight quotes into curly ones, as word processors do.
func smartQuotes(s string) string {
	var b strings.Builder
	open := true
	for _, r := range s {
		switch r {
		case '"':
			if open {
				b.WriteRune('“')
			} else {
				b.WriteRune('”')
			}
			open = !open
		case '\'':
			b.WriteRune('’')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// reflow rewraps paragraphs at width characters, as an editor would.
func reflow(s string, width int) string {
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		n := 0
		for i, w := range strings.Fields(para) {
			if i > 0 {
				if n+utf8.RuneCountInString(w) > width {
					b.WriteByte('\n')
					n = 0
				} else {
					b.WriteByte(' ')
					n++
				}
			}
			b.WriteString(w)
			n += utf8.RuneCountInString(w)
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// editWords replaces n words spread over the text with other words (n
// characters with another one in text without spaces).
func editWords(s string, n int) string {
	if !strings.Contains(s, " ") {
		rs := []rune(s)
		for i := 1; i <= n; i++ {
			j := i * len(rs) / (n + 1)
			if isCJK(rs[j]) {
				rs[j] = '某'
			}
		}
		return string(rs)
	}
	words := strings.Split(s, " ")
	for i := 1; i <= n; i++ {
		j := i * len(words) / (n + 1)
		words[j] = "changed"
	}
	return strings.Join(words, " ")
}

// TestExcerpts checks that every 400-character excerpt recovers the payload.
// In Markdown, code is never marked, so an excerpt that is mostly code cannot
// carry it: excerpts of doc.md with less than 60% markable text (outside code
// and markup) are counted but not required.
func TestExcerpts(t *testing.T) {
	for _, name := range []string{"en.txt", "zh.txt", "doc.md"} {
		in := readText(t, name)
		opts := Options{Markdown: strings.HasSuffix(name, ".md")}
		out := []rune(embed(t, in, opts))
		inEx := make([]bool, len(out)) // whether each character of out is excluded
		ex := excluded(string(out), opts)
		pos := 0
		for i, r := range out {
			for _, s := range ex {
				if pos >= s.start && pos < s.end {
					inEx[i] = true
				}
			}
			pos += utf8.RuneLen(r)
		}
		ok, n, skipped := 0, 0, 0
		for start := 0; start+400 <= len(out); start += 7 {
			ex := string(out[start : start+400])
			markable := 0
			for _, e := range inEx[start : start+400] {
				if !e {
					markable++
				}
			}
			r := Detect(ex, testKey)
			switch {
			case r.Found && r.Payload == testID:
				ok++
			case r.Found:
				t.Fatalf("%s excerpt at %d: wrong payload %+v", name, start, r)
			case markable < 240:
				skipped++
				continue
			default:
				t.Errorf("%s: 400-character excerpt at %d (%d markable) not recovered: %+v", name, start, markable, r)
			}
			n++
		}
		t.Logf("%s: %d/%d excerpts of 400 characters recovered (%d mostly code not counted, none recovered)", name, ok, n, skipped)
		if n == 0 {
			t.Errorf("%s: no excerpt tested", name)
		}
	}
}

func TestOverheadAndPositions(t *testing.T) {
	for _, name := range []string{"en.txt", "zh.txt", "doc.md"} {
		in := readText(t, name)
		md := strings.HasSuffix(name, ".md")
		out := embed(t, in, Options{Markdown: md})
		n := utf8.RuneCountInString(in)
		added := utf8.RuneCountInString(out) - n
		if added*20 > n {
			t.Errorf("%s: %d code points added to %d (%.2f%%)", name, added, n, 100*float64(added)/float64(n))
		}
		checkPositions(t, name, out)
		if md {
			for _, region := range []string{"func count", "indented code block", "count --bay north", "https://example.org/records?year=2025 \"Records", "<span class=\"note\">", "title: \"Harbour survey\"", "[records]: https://example.org/records \"The"} {
				if !strings.Contains(out, region) {
					t.Errorf("%s: a mark went into %q", name, region)
				}
			}
		}
	}
	html := "<html><head><title>A title with spaces in it</title></head><body><p class=\"a b c\">" +
		strings.NewReplacer("\n\n", "</p>\n<p>", "harbour", "<b>harbour</b>", "baker", "baker &amp; his <i>apprentice</i>").Replace(readText(t, "en.txt")) +
		"</p><pre>code with spaces</pre><script>var a = 'x y z';</script></body></html>"
	out := embed(t, html, Options{HTML: true})
	if stripMarks(out) != html {
		t.Fatal("HTML marking changed more than marks")
	}
	for _, region := range []string{"<p class=\"a b c\">", "<b>", "</b>", "A title with spaces in it", "code with spaces", "var a = 'x y z';"} {
		if !strings.Contains(out, region) {
			t.Errorf("HTML: a mark went into %q", region)
		}
	}
	wantFound(t, "html", out)
	// Rendered and copied: tags gone, references decoded, white space
	// collapsed; contexts leave markup out, so the marks read the same.
	body := out[strings.Index(out, "<body>"):]
	rendered := htmlCopy(stdhtml.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " ")))
	if r := wantFound(t, "html rendered", rendered); r.SymbolErrors > 0 {
		t.Errorf("html rendered: %d symbol errors", r.SymbolErrors)
	}
}

// checkPositions checks every mark against the placement rules.
func checkPositions(t *testing.T, name, out string) {
	rs := []rune(out)
	for i, r := range rs {
		if isTag(r) {
			if i < 1 || i+1 >= len(rs) || !isCJKIdeo(rs[i-1]) || !isCJKIdeo(rs[i+1]) {
				t.Errorf("%s: tag mark not between two ideographs: %q", name, string(rs[max(0, i-3):min(len(rs), i+3)]))
			}
			continue
		}
		if !isMark(r) {
			continue
		}
		if i < 2 || i+1 >= len(rs) {
			t.Fatalf("%s: mark at the edge (%d)", name, i)
		}
		b, a := rs[i-1], rs[i+1]
		if !unicode.IsLetter(a) && !unicode.IsNumber(a) {
			t.Errorf("%s: mark before %q", name, a)
		}
		switch {
		case b == zwnj:
			if !isCJKIdeo(rs[i-2]) || !isCJKIdeo(a) {
				t.Errorf("%s: ZWNJ mark between %q and %q", name, rs[i-2], a)
			}
		case b == ' ' || b == '\t' || b == '\n':
			if strings.HasSuffix(name, ".md") && (b != ' ' || unicode.IsSpace(rs[i-2])) {
				t.Errorf("%s: mark after a run of spaces or at a line start: %q", name, string(rs[max(0, i-12):i+3]))
			}
		case unicode.IsPunct(b) && (b >= 0x3000 && b <= 0x303f || b >= 0xff00 && b <= 0xff65 || isCJK(rs[i-2])):
		default:
			t.Errorf("%s: mark after %q (%q)", name, b, string(rs[max(0, i-10):i]))
		}
		if unicode.Is(unicode.Latin, b) && unicode.Is(unicode.Latin, a) {
			t.Errorf("%s: mark inside a Latin word", name)
		}
	}
}

func TestDeterminism(t *testing.T) {
	in := readText(t, "en.txt")
	a, b := embed(t, in, Options{}), embed(t, in, Options{})
	if a != b {
		t.Error("same input and key gave different output")
	}
	c, _ := Embed(in, testID, []byte("other key"), Options{})
	if c == a {
		t.Error("another key gave the same output")
	}
	d, _ := Embed(in, testID+1, testKey, Options{})
	if d == a {
		t.Error("another ID gave the same output")
	}
	if r := Detect(d, testKey); !r.Found || r.Payload != testID+1 {
		t.Errorf("ID+1: %+v", r)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Embed("x", 1, nil, Options{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	if _, err := Embed("Too short a text to carry it.", 1, testKey, Options{}); !errors.Is(err, ErrTooShort) {
		t.Errorf("short: %v", err)
	}
	out := embed(t, readText(t, "en.txt"), Options{})
	if _, err := Embed(out, 2, testKey, Options{}); !errors.Is(err, ErrMarked) {
		t.Errorf("marked twice: %v", err)
	}
	if _, err := Embed("bad \xff utf-8", 1, testKey, Options{}); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid UTF-8: %v", err)
	}
	// Japanese with an Ideographic Variation Sequence is not "marked".
	ivs := "葛\U000E0100飾区の港。" + readText(t, "zh.txt")
	if _, err := Embed(ivs, 1, testKey, Options{}); err != nil {
		t.Errorf("text with an IVS: %v", err)
	}
}

// TestFalsePositives runs Detect on unmarked and randomly "marked" texts: no
// payload may be reported.
func TestFalsePositives(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	en := []rune(readText(t, "en.txt"))
	reports := 0
	const trials = 300
	for i := 0; i < trials; i++ {
		// Random mark characters at random allowed-looking gaps.
		var b strings.Builder
		for j, r := range en {
			b.WriteRune(r)
			if r == ' ' && j%(2+i%7) == 0 {
				b.WriteRune(rune(markBase + rng.IntN(fieldP)))
			}
		}
		if r := Detect(b.String(), testKey); r.Found {
			reports++
			t.Errorf("random marks reported as %+v", r)
		}
	}
	// Another key's marks.
	other, _ := Embed(string(en), testID, []byte("someone else"), Options{})
	if r := Detect(other, testKey); r.Found || r.Marks == 0 {
		t.Errorf("another key's marks: %+v (want marks read, nothing found)", r)
	}
	t.Logf("%d trials, %d reports", trials, reports)
}

func TestStrippedFingerprint(t *testing.T) {
	in := readText(t, "en.txt")
	out := embed(t, in, Options{})
	if FingerprintOf(in).String() != FingerprintOf(out).String() {
		t.Error("marking changed the fingerprint")
	}
	if FingerprintOf(htmlCopy(norm.NFKC.String(out))).String() != FingerprintOf(in).String() {
		t.Error("HTML copy and NFKC changed the fingerprint")
	}
	stripped := stripMarks(out)
	if d := Detect(stripped, testKey); d.Found {
		t.Errorf("stripped text still found: %+v", d)
	}
	full := FingerprintOf(in)
	rs := []rune(stripped)
	if s := Similarity(FingerprintOf(string(rs[500:900])), full); s < 0.9 {
		t.Errorf("400-character excerpt similarity %.2f", s)
	}
	if s := Similarity(FingerprintOf(editWords(stripped, 5)), full); s < 0.8 {
		t.Errorf("lightly edited copy similarity %.2f", s)
	}
	if s := Similarity(FingerprintOf(readText(t, "zh.txt")), full); s > 0.1 {
		t.Errorf("unrelated text similarity %.2f", s)
	}
	p, err := ParseFingerprint(full.String())
	if err != nil || p.String() != full.String() || p.SimHash != full.SimHash || len(p.Sample) != len(full.Sample) {
		t.Errorf("ParseFingerprint round trip: %v", err)
	}
}

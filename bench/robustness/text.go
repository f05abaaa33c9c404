package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/unicode/norm"

	"github.com/aigclabel/aigclabel/labeler/watermark/textwm"
)

func init() { register("text", runText) }

// textKey is the bench's watermark key (not a secret).
var textKey = []byte("aigclabel bench text watermark key")

const textID = uint64(0x5eed0fa11c0ffee5)

// textAttack transforms a marked text.
type textAttack struct {
	name string
	fn   func(string) string
}

// runText measures the invisible text watermark over the corpus texts: each
// attack is applied to the whole marked text, which is decoded whole and in
// random 400-character excerpts; then overhead, speed, false positives, the
// fingerprint, and (with Chromium) a real copy through a rendered page and a
// rendering comparison.
func runText(cfg *config) error {
	dir := filepath.Join(cfg.CorpusDir, "text")
	names := []string{"en_alice29.txt", "en_asyoulik.txt", "mixed_tbw_example.txt"}
	texts := map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		texts[n] = string(b)
	}
	excerpts := 200
	fpTrials := 20000
	if cfg.Quick {
		excerpts, fpTrials = 20, 1000
	}
	out := cfg.Out
	fmt.Fprintf(out, "## Text watermark\n\n")
	fmt.Fprintf(out, "Measured by `go run ./bench/robustness -media text` (corpus: %s).\n\n", strings.Join(names, ", "))

	// Overhead and speed, the best of 3 runs each. The baseline is one NFKC
	// iteration over the text (norm.Iter), the walk Embed and Detect make.
	fmt.Fprintf(out, "| text | characters | marks added (code points) | overhead | embed | detect | baseline (NFKC walk) | embed/baseline | detect/baseline |\n|---|---|---|---|---|---|---|---|---|\n")
	marked := map[string]string{}
	var tooShort []string
	best := func(f func()) time.Duration {
		d := time.Duration(1 << 62)
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			f()
			d = min(d, time.Since(t0))
		}
		return max(d, time.Microsecond)
	}
	for _, n := range names {
		in := texts[n]
		var m string
		var err error
		te := best(func() { m, err = textwm.Embed(in, textID, textKey, textwm.Options{}) })
		if errors.Is(err, textwm.ErrTooShort) {
			fmt.Fprintf(out, "| %s | %d | too short: no mark (fingerprint only) | – | %v | – | – | – | – |\n", n, utf8.RuneCountInString(in), te.Round(time.Microsecond))
			tooShort = append(tooShort, fmt.Sprintf("%s: %v", n, err))
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		var r textwm.Result
		td := best(func() { r = textwm.Detect(m, textKey) })
		if !r.Found || r.Payload != textID {
			return fmt.Errorf("%s: marked text not detected: %+v", n, r)
		}
		tn := best(func() {
			var it norm.Iter
			it.InitString(norm.NFKC, in)
			for !it.Done() {
				it.Next()
			}
		})
		chars := utf8.RuneCountInString(in)
		added := utf8.RuneCountInString(m) - chars
		fmt.Fprintf(out, "| %s | %d | %d | %.2f%% | %v | %v | %v | %.1f× | %.1f× |\n", n, chars, added,
			100*float64(added)/float64(chars), te.Round(time.Microsecond), td.Round(time.Microsecond), tn.Round(time.Microsecond),
			float64(te)/float64(tn), float64(td)/float64(tn))
		marked[n] = m
	}

	for _, e := range tooShort {
		fmt.Fprintf(out, "\n%s\n", e)
	}

	attacks := []textAttack{
		{"none", func(s string) string { return s }},
		{"NFC", norm.NFC.String},
		{"NFKC", norm.NFKC.String},
		{"NFKD", norm.NFKD.String},
		{"HTML copy (simulated collapsing)", collapseWhite},
		{"LF→CRLF", func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n") }},
		{"CRLF→LF", func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }},
		{"trim every line", trimEveryLine},
		{"reflow at 60 columns", reflowText},
		{"spaces→NBSP", func(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }},
		{"straight→curly quotes", curlyQuotes},
		{"upper case", strings.ToUpper},
		{"1 word in 50 replaced", func(s string) string { return replaceWords(s, 50) }},
		{"1 word in 10 replaced", func(s string) string { return replaceWords(s, 10) }},
		{"marks stripped (ZWNJ, VS17+ and tags removed)", stripTextMarks},
	}
	var browser *chromeCopier
	if c, err := newChromeCopier(); err != nil {
		fmt.Fprintf(out, "\n(Chromium not available: %v; the real HTML copy is not measured.)\n", err)
	} else {
		browser = c
		defer c.close()
		attacks = append(attacks, textAttack{"HTML copy (Chromium innerText)", func(s string) string {
			got, err := c.innerText(s)
			if err != nil {
				return ""
			}
			return got
		}}, textAttack{"HTML copy (Chromium: select all, Ctrl+C, clipboard)", func(s string) string {
			got, err := c.clipboard(s)
			if err != nil {
				fmt.Fprintf(os.Stderr, "clipboard copy: %v\n", err)
				return ""
			}
			return got
		}})
	}

	rng := rand.New(rand.NewPCG(7, 8))
	fmt.Fprintf(out, "\nEach attack is applied to the whole marked text; \"whole\" decodes it, \"400-char excerpts\" decodes %d random excerpts of 400 characters of each long text after the attack. Exact decode = the right ID found; symbol/bit accuracy = share of the code symbols read (and of their 8 bits) that are right; wrong = a wrong ID reported.\n\n", excerpts)
	fmt.Fprintf(out, "| attack | whole: exact decode | 400-char excerpts: exact decode | mean symbol accuracy | mean bit accuracy | wrong |\n|---|---|---|---|---|---|\n")
	for _, a := range attacks {
		wholeOK, wholeN, exOK, exN, wrong := 0, 0, 0, 0, 0
		var symAgree, symN, bitAgree, bitN int
		for _, n := range names {
			if _, ok := marked[n]; !ok {
				continue
			}
			att := a.fn(marked[n])
			check := func(s string) bool {
				r := textwm.Detect(s, textKey)
				c := textwm.Compare(s, textKey, textID)
				symAgree += c.Agree
				symN += c.Symbols
				bitAgree += c.BitAgree
				bitN += c.Bits
				if r.Found && r.Payload != textID {
					wrong++
				}
				return r.Found && r.Payload == textID
			}
			wholeN++
			if check(att) {
				wholeOK++
			}
			rs := []rune(att)
			if len(rs) < 2000 {
				continue
			}
			for i := 0; i < excerpts; i++ {
				start := rng.IntN(len(rs) - 400)
				exN++
				if check(string(rs[start : start+400])) {
					exOK++
				}
			}
		}
		fmt.Fprintf(out, "| %s | %d/%d | %d/%d (%.1f%%) | %s | %s | %d |\n", a.name, wholeOK, wholeN, exOK, exN,
			100*float64(exOK)/float64(max(exN, 1)), pct(symAgree, symN), pct(bitAgree, bitN), wrong)
	}

	shorts, err := textLengths(cfg, texts, names[:2], attacks, rng)
	if err != nil {
		return err
	}

	// False positives.
	fmt.Fprintf(out, "\nFalse positives (a payload reported where none was embedded with this key; must be 0):\n\n| trial | texts | reports |\n|---|---|---|\n")
	unmarked, reports := 0, 0
	for _, n := range names {
		rs := []rune(texts[n])
		for i := 0; i < fpTrials/20 && len(rs) > 400; i++ {
			start := rng.IntN(len(rs) - 400)
			unmarked++
			if textwm.Detect(string(rs[start:start+400]), textKey).Found {
				reports++
			}
		}
		unmarked++
		if textwm.Detect(texts[n], textKey).Found {
			reports++
		}
	}
	fmt.Fprintf(out, "| unmarked texts and excerpts | %d | %d |\n", unmarked, reports)
	otherN, otherReports := 0, 0
	for _, n := range names {
		other, err := textwm.Embed(texts[n], textID, []byte("another key"), textwm.Options{})
		if err != nil {
			continue
		}
		rs := []rune(other)
		for i := 0; i < fpTrials/20 && len(rs) > 400; i++ {
			start := rng.IntN(len(rs) - 400)
			otherN++
			if textwm.Detect(string(rs[start:start+400]), textKey).Found {
				otherReports++
			}
		}
		otherN++
		if textwm.Detect(other, textKey).Found {
			otherReports++
		}
	}
	fmt.Fprintf(out, "| marked with another key (whole and excerpts) | %d | %d |\n", otherN, otherReports)
	randN, randReports := 0, 0
	base := []rune(texts[names[0]])
	for i := 0; i < fpTrials; i++ {
		start := rng.IntN(len(base) - 600)
		var b strings.Builder
		every := 2 + rng.IntN(8)
		for j, r := range base[start : start+600] {
			b.WriteRune(r)
			if r == ' ' && j%every == 0 {
				b.WriteRune(rune(0xE0100 + rng.IntN(239)))
			}
		}
		randN++
		if textwm.Detect(b.String(), textKey).Found {
			randReports++
		}
	}
	fmt.Fprintf(out, "| random marks (VS17-VS255 after spaces, 1 in 2-9 spaces, 600-char texts) | %d | %d |\n", randN, randReports)
	textFalsePositives(out, texts, names[:2], shorts, attacks, rng, fpTrials)
	fmt.Fprintf(out, "\nAnalytic bound: at most 2^64/239^12 ≈ 5.4e-10 per text for the regular code, plus %.0e for the compact layout of short texts (see package textwm).\n", textwm.MaxCompactFalsePositive)

	// Fingerprints.
	fmt.Fprintf(out, "\nFingerprint (marks stripped first), Similarity against the whole text's fingerprint; match = similarity ≥ 0.5:\n\n| query | pairs | mean similarity | match rate |\n|---|---|---|---|\n")
	full := map[string]textwm.Fingerprint{}
	for _, n := range names {
		full[n] = textwm.FingerprintOf(texts[n])
	}
	type fpCase struct {
		name    string
		query   func(rs []rune) string
		related bool
	}
	cases := []fpCase{
		{"400-char excerpt", func(rs []rune) string { s := rng.IntN(len(rs) - 400); return string(rs[s : s+400]) }, true},
		{"1000-char excerpt", func(rs []rune) string { s := rng.IntN(len(rs) - 1000); return string(rs[s : s+1000]) }, true},
		{"1000-char excerpt, 1 word in 20 replaced", func(rs []rune) string {
			s := rng.IntN(len(rs) - 1000)
			return replaceWords(string(rs[s:s+1000]), 20)
		}, true},
		{"whole text, 1 word in 10 replaced, reflowed", func(rs []rune) string { return reflowText(replaceWords(string(rs), 10)) }, true},
	}
	for _, c := range cases {
		var sum float64
		n, match := 0, 0
		for _, name := range names[:2] {
			rs := []rune(stripTextMarks(marked[name]))
			for i := 0; i < 50; i++ {
				s := textwm.Similarity(textwm.FingerprintOf(c.query(rs)), full[name])
				sum += s
				n++
				if s >= 0.5 {
					match++
				}
			}
		}
		fmt.Fprintf(out, "| %s (same text) | %d | %.3f | %s |\n", c.name, n, sum/float64(n), pct(match, n))
	}
	{
		var sum float64
		n, match := 0, 0
		for i, name := range names[:2] {
			other := names[1-i]
			rs := []rune(texts[other])
			for j := 0; j < 100; j++ {
				s0 := rng.IntN(len(rs) - 400)
				s := textwm.Similarity(textwm.FingerprintOf(string(rs[s0:s0+400])), full[name])
				sum += s
				n++
				if s >= 0.5 {
					match++
				}
			}
		}
		fmt.Fprintf(out, "| 400-char excerpt of the other text (unrelated) | %d | %.3f | %s |\n", n, sum/float64(n), pct(match, n))
	}
	fp := full[names[0]].String()
	fmt.Fprintf(out, "\nStored fingerprint size: %d characters for %s (level %d, %d sampled shingles).\n", len(fp), names[0], full[names[0]].Level, len(full[names[0]].Sample))

	if browser != nil {
		fmt.Fprintf(out, "\nRendering in Chromium (screenshot of a page with the text, marks vs none): ")
		sample := string([]rune(texts[names[0]])[:3000]) + "\n人工智能生成的内容，需要添加标识。这段文字将被嵌入不可见的水印。葛飾区の港。"
		m, err := textwm.Embed(sample, textID, textKey, textwm.Options{})
		if err != nil {
			return err
		}
		same, err := browser.sameRendering(sample, m)
		if err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
		} else {
			fmt.Fprintf(out, "pixel-identical = %v (%d marks).\n", same, utf8.RuneCountInString(m)-utf8.RuneCountInString(sample))
		}
	}
	fmt.Fprintln(out)
	return nil
}

func pct(a, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(n))
}

var whiteRun = regexp.MustCompile(`[ \t\r\n\f]+`)

// collapseWhite is what a browser's innerText does to text in a paragraph:
// runs of white space become one space, the ends are trimmed.
func collapseWhite(s string) string { return strings.TrimSpace(whiteRun.ReplaceAllString(s, " ")) }

// curlyQuotes turns straight quotes into curly ones, as word processors do.
func curlyQuotes(s string) string {
	open := true
	return strings.Map(func(r rune) rune {
		switch r {
		case '"':
			open = !open
			if open {
				return '\u201d'
			}
			return '\u201c'
		case '\'', '`':
			return '\u2019'
		}
		return r
	}, s)
}

func trimEveryLine(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// reflowText rewraps the text's paragraphs at 60 columns.
func reflowText(s string) string {
	var b strings.Builder
	for _, para := range regexp.MustCompile(`\r?\n[ \t]*\r?\n`).Split(s, -1) {
		col := 0
		for i, w := range strings.Fields(para) {
			n := utf8.RuneCountInString(w)
			if i > 0 {
				if col+1+n > 60 {
					b.WriteByte('\n')
					col = 0
				} else {
					b.WriteByte(' ')
					col++
				}
			}
			b.WriteString(w)
			col += n
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

// replaceWords replaces one word in every n (space-separated) with another;
// in text with few spaces (Chinese), one character in every 2n, about one
// word in n.
func replaceWords(s string, n int) string {
	if strings.Count(s, " ") < utf8.RuneCountInString(s)/20 {
		return replaceChars(s, 2*n)
	}
	words := strings.Split(s, " ")
	for i := n / 2; i < len(words); i += n {
		words[i] = "altered"
	}
	return strings.Join(words, " ")
}

// replaceChars replaces one character in every n with another, for text
// without spaces.
func replaceChars(s string, n int) string {
	rs := []rune(s)
	for i := n / 2; i < len(rs); i += n {
		rs[i] = '某'
	}
	return string(rs)
}

// stripTextMarks removes the mark characters (ZWNJ, selectors, tags) as an
// attacker would (bench only: aigclabel offers no such function).
func stripTextMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x200C || r >= 0xE0100 && r <= 0xE01EF || r >= 0xE0020 && r <= 0xE007F {
			return -1
		}
		return r
	}, s)
}

// chromeCopier renders text in headless Chromium and reads it back.
type chromeCopier struct {
	ctx     context.Context
	granted bool // clipboard permission
	cancel  []context.CancelFunc
	dir     string
}

func newChromeCopier() (*chromeCopier, error) {
	exe := ""
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		return nil, fmt.Errorf("no chromium in PATH")
	}
	dir, err := os.MkdirTemp("", "textwm-bench")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox)
	actx, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, c2 := chromedp.NewContext(actx)
	ctx, c3 := context.WithTimeout(ctx, 10*time.Minute)
	return &chromeCopier{ctx: ctx, cancel: []context.CancelFunc{c3, c2, c1}, dir: dir}, nil
}

func (c *chromeCopier) close() {
	for _, f := range c.cancel {
		f()
	}
	os.RemoveAll(c.dir)
}

// load shows text in a paragraph of a UTF-8 page.
func (c *chromeCopier) load(text string) error {
	page := "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{font-size:18px;width:900px}</style></head><body><div id=\"t\">" +
		html.EscapeString(text) + "</div></body></html>"
	p := filepath.Join(c.dir, "page.html")
	if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
		return err
	}
	_, err := chromedp.Run(c.ctx, chromedp.Navigate("file://"+p))
	return err
}

// innerText is the text a user gets by selecting the rendered text and
// copying it: the element's innerText.
func (c *chromeCopier) innerText(text string) (string, error) {
	if err := c.load(text); err != nil {
		return "", err
	}
	return chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.getElementById("t").innerText`))
}

// clipboard is the text a user gets by selecting the rendered text with
// the mouse or Ctrl+A, pressing Ctrl+C and pasting: the page selects the
// element, a real key press runs the browser's copy command, and the page
// reads the clipboard back (emptied first, so a failed copy shows).
func (c *chromeCopier) clipboard(text string) (string, error) {
	if err := c.load(text); err != nil {
		return "", err
	}
	if !c.granted {
		type grant struct {
			Permissions []string `json:"permissions"`
		}
		cmd := cdp.Command[grant, cdp.Empty]{Method: "Browser.grantPermissions"}
		if _, err := chromedp.CallBrowser(c.ctx, cmd, grant{[]string{"clipboardReadWrite", "clipboardSanitizedWrite"}}); err != nil {
			return "", err
		}
		c.granted = true
	}
	if _, err := chromedp.Call(c.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		return "", err
	}
	run := func(js string) (string, error) {
		return chromedp.Run(c.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	}
	if _, err := run(`navigator.clipboard.writeText("").then(() => { getSelection().selectAllChildren(document.getElementById("t")); return ""; })`); err != nil {
		return "", err
	}
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		p := input.DispatchKeyEventParams{Type: typ, Key: "c", Code: "KeyC", Modifiers: 2, WindowsVirtualKeyCode: 67}
		if typ == input.DispatchKeyEventTypeKeyDown {
			p.Commands = []string{"copy"}
		}
		if _, err := chromedp.Call(c.ctx, input.DispatchKeyEvent, p); err != nil {
			return "", err
		}
	}
	return run(`navigator.clipboard.readText()`)
}

// sameRendering reports whether two texts render to identical pixels.
func (c *chromeCopier) sameRendering(a, b string) (bool, error) {
	shot := func(s string) ([]byte, error) {
		if err := c.load(s); err != nil {
			return nil, err
		}
		return chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	}
	sa, err := shot(a)
	if err != nil {
		return false, err
	}
	sb, err := shot(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(sa, sb), nil
}

// lengthClass is a range of text lengths in characters, [lo, hi), of
// English or (zh) Chinese text.
type lengthClass struct {
	lo, hi int
	zh     bool
}

func (c lengthClass) String() string {
	if c.zh {
		return fmt.Sprintf("zh %d-%d", c.lo, c.hi-1)
	}
	return fmt.Sprintf("%d-%d", c.lo, c.hi-1)
}

// zhSource is the Chinese text short Chinese samples are cut from: the
// corpus has none long enough, so the textwm test text (501 characters of
// prose) is used; its windows overlap.
const zhSource = "labeler/watermark/textwm/testdata/zh.txt"

// textLengths marks whole short texts of each length class, cut from the
// long corpus texts at word boundaries (plus the corpus's short text in its
// class), and reports per class how many take a mark, their overhead, and
// the exact-decode rate of the whole text after each attack.
func textLengths(cfg *config, texts map[string]string, long []string, attacks []textAttack, rng *rand.Rand) ([]string, error) {
	out := cfg.Out
	classes := []lengthClass{{100, 160, false}, {160, 180, false}, {180, 200, false}, {200, 220, false}, {220, 240, false}, {240, 320, false}, {320, 400, false}, {400, 800, false}}
	zh, err := os.ReadFile(filepath.Join(moduleRoot(), zhSource))
	if err == nil {
		classes = append(classes, lengthClass{100, 180, true}, lengthClass{180, 200, true}, lengthClass{200, 240, true}, lengthClass{240, 400, true})
	} else {
		fmt.Fprintf(out, "\n(No Chinese short texts: %v.)\n", err)
	}
	perClass := 40
	if cfg.Quick {
		perClass = 8
	}
	type sample struct {
		text, marked string
		err          error
	}
	samples := make([][]sample, len(classes))
	var shortest []string
	for name, t := range texts {
		if n := utf8.RuneCountInString(t); n < 400 {
			shortest = append(shortest, name)
			for ci, c := range classes {
				if n >= c.lo && n < c.hi && !c.zh {
					samples[ci] = append(samples[ci], sample{text: t})
				}
			}
		}
	}
	for ci, c := range classes {
		for len(samples[ci]) < perClass {
			rs := []rune(texts[long[len(samples[ci])%len(long)]])
			n := c.lo + rng.IntN(c.hi-c.lo)
			if c.zh {
				zr := []rune(strings.ReplaceAll(string(zh), "\r\n", "\n"))
				start := rng.IntN(len(zr) - n + 1)
				samples[ci] = append(samples[ci], sample{text: string(zr[start : start+n])})
				continue
			}
			start := rng.IntN(len(rs) - 2*n)
			for start > 0 && rs[start-1] != ' ' && rs[start-1] != '\n' {
				start++
			}
			t := strings.TrimSpace(string(rs[start : start+n]))
			if utf8.RuneCountInString(t) < c.lo {
				continue
			}
			samples[ci] = append(samples[ci], sample{text: t})
		}
		for i := range samples[ci] {
			s := &samples[ci][i]
			s.marked, s.err = textwm.Embed(s.text, textID, textKey, textwm.Options{})
			if s.err != nil && !errors.Is(s.err, textwm.ErrTooShort) {
				return nil, s.err
			}
			if s.err == nil {
				if r := textwm.Detect(s.marked, textKey); !r.Found || r.Payload != textID {
					return nil, fmt.Errorf("short text of %d characters not read back after embedding: %+v", utf8.RuneCountInString(s.text), r)
				}
			}
		}
	}
	fmt.Fprintf(out, "\nWhole short texts by length (%d per class cut from %s at word boundaries, plus %s in its class; \"zh\": windows of %s), marked whole: how many take a mark within the 5%% limit, their overhead (added code points / characters), and false-positive bound when read back:\n\n", perClass, strings.Join(long, ", "), strings.Join(shortest, ", "), zhSource)
	fmt.Fprintf(out, "| characters | texts | marked | too short (fingerprint only) | overhead min / median / max | worst bound when read back |\n|---|---|---|---|---|---|\n")
	for ci, c := range classes {
		var overs []float64
		tooShort := 0
		worst := 0.0
		for _, s := range samples[ci] {
			if s.err != nil {
				tooShort++
				continue
			}
			n := utf8.RuneCountInString(s.text)
			overs = append(overs, float64(utf8.RuneCountInString(s.marked)-n)/float64(n))
			worst = max(worst, textwm.Detect(s.marked, textKey).Confidence)
		}
		slices.Sort(overs)
		dist := "–"
		if len(overs) > 0 {
			dist = fmt.Sprintf("%.2f%% / %.2f%% / %.2f%%", 100*overs[0], 100*overs[len(overs)/2], 100*overs[len(overs)-1])
		}
		fmt.Fprintf(out, "| %s | %d | %d | %d | %s | %.1e |\n", c, len(samples[ci]), len(samples[ci])-tooShort, tooShort, dist, worst)
	}
	for _, name := range shortest {
		t := texts[name]
		m, err := textwm.Embed(t, textID, textKey, textwm.Options{})
		n := utf8.RuneCountInString(t)
		if err != nil {
			fmt.Fprintf(out, "\n%s (%d characters): %v\n", name, n, err)
			continue
		}
		fmt.Fprintf(out, "\n%s (%d characters): %d code points added (%.2f%%), %+v\n", name, n, utf8.RuneCountInString(m)-n, 100*float64(utf8.RuneCountInString(m)-n)/float64(n), textwm.Detect(m, textKey))
	}
	fmt.Fprintf(out, "\nExact decode of the whole marked text after each attack, per length class (marked texts only):\n\n| attack |")
	for _, c := range classes {
		fmt.Fprintf(out, " %s |", c)
	}
	fmt.Fprintf(out, "\n|---|%s\n", strings.Repeat("---|", len(classes)))
	for _, a := range attacks {
		fmt.Fprintf(out, "| %s |", a.name)
		for ci := range classes {
			ok, n, wrong := 0, 0, 0
			for _, s := range samples[ci] {
				if s.err != nil {
					continue
				}
				n++
				r := textwm.Detect(a.fn(s.marked), textKey)
				switch {
				case r.Found && r.Payload == textID:
					ok++
				case r.Found:
					wrong++
				}
			}
			cell := fmt.Sprintf(" %d/%d", ok, n)
			if wrong > 0 {
				cell += fmt.Sprintf(" (%d wrong)", wrong)
			}
			fmt.Fprintf(out, "%s |", cell)
		}
		fmt.Fprintln(out)
	}

	// Texts too short for a mark: their fingerprint against the original's.
	fmt.Fprintf(out, "\nTexts without a mark (too short) are recognized by their fingerprint: similarity of the edited copy's fingerprint to the original's (match = similarity ≥ 0.5), and of an unrelated short text's:\n\n| characters | texts | 1 word in 10 replaced, reflowed (zh: 1 character in 40): mean / match | unrelated (an English text): mean / match |\n|---|---|---|---|\n")
	var all []string
	for ci, c := range classes {
		var simEd, simUn float64
		n, mEd, mUn := 0, 0, 0
		for i, s := range samples[ci] {
			all = append(all, s.text)
			if s.err == nil {
				continue
			}
			fp := textwm.FingerprintOf(s.text)
			edited := reflowText(replaceWords(s.text, 10))
			if c.zh {
				edited = replaceChars(s.text, 40)
			}
			a := textwm.Similarity(textwm.FingerprintOf(edited), fp)
			// An unrelated text: another English class (the Chinese
			// windows overlap, and the corpus has no other Chinese text).
			oc := (ci + 1) % 8
			other := samples[oc][i%len(samples[oc])].text
			b := textwm.Similarity(textwm.FingerprintOf(other), fp)
			simEd += a
			simUn += b
			n++
			if a >= 0.5 {
				mEd++
			}
			if b >= 0.5 {
				mUn++
			}
		}
		if n > 0 {
			fmt.Fprintf(out, "| %s | %d | %.3f / %s | %.3f / %s |\n", c, n, simEd/float64(n), pct(mEd, n), simUn/float64(n), pct(mUn, n))
		}
	}
	return all, nil
}

// textFalsePositives runs Detect on texts that carry no mark of the key,
// after every attack: the corpus texts and short texts unmarked and marked
// with another key (whole, and 400-character excerpts of the long ones), and
// random mark characters at 9 to 11 gaps of short texts (the compact
// layout's case).
func textFalsePositives(out io.Writer, texts map[string]string, names, shorts []string, attacks []textAttack, rng *rand.Rand, trials int) {
	otherKey := []byte("another key")
	var plain, other []string
	for _, n := range names {
		plain = append(plain, texts[n])
		if m, err := textwm.Embed(texts[n], textID, otherKey, textwm.Options{}); err == nil {
			other = append(other, m)
		}
	}
	for _, s := range shorts {
		plain = append(plain, s)
		if m, err := textwm.Embed(s, textID, otherKey, textwm.Options{}); err == nil {
			other = append(other, m)
		}
	}
	fmt.Fprintf(out, "\nUnder every attack above (each applied to the whole text; excerpts cut after it): %d texts unmarked and %d marked with another key (%d long corpus texts with 20 excerpts of 400 characters each, the rest short texts of 100-799 characters):\n\n| attack | texts and excerpts | reports |\n|---|---|---|\n", len(plain), len(other), len(names))
	total, totalReports := 0, 0
	for _, a := range attacks {
		n, reports := 0, 0
		for _, t := range slices.Concat(plain, other) {
			att := a.fn(t)
			check := func(s string) {
				n++
				if textwm.Detect(s, textKey).Found {
					reports++
				}
			}
			check(att)
			if rs := []rune(att); len(rs) > 2000 {
				for i := 0; i < 20; i++ {
					start := rng.IntN(len(rs) - 400)
					check(string(rs[start : start+400]))
				}
			}
		}
		fmt.Fprintf(out, "| %s | %d | %d |\n", a.name, n, reports)
		total += n
		totalReports += reports
	}
	// Random marks at 9-16 gaps of short texts: selectors after white space
	// and CJK punctuation, tags between two Han characters.
	n, reports := 0, 0
	for i := 0; i < trials; i++ {
		rs := []rune(shorts[rng.IntN(len(shorts))])
		type gap struct {
			at  int
			tag bool
		}
		var gaps []gap
		for j := 12; j < len(rs); j++ {
			a, b := rs[j-1], rs[j]
			switch {
			case unicode.Is(unicode.Han, a) && unicode.Is(unicode.Han, b):
				gaps = append(gaps, gap{j, true})
			case (unicode.IsSpace(a) || a == '，' || a == '。') && (unicode.IsLetter(b) || unicode.IsNumber(b)):
				gaps = append(gaps, gap{j, false})
			}
		}
		k := 9 + rng.IntN(8)
		if len(gaps) < k {
			continue
		}
		pick := rng.Perm(len(gaps))[:k]
		slices.Sort(pick)
		var b strings.Builder
		prev := 0
		for _, p := range pick {
			g := gaps[p]
			b.WriteString(string(rs[prev:g.at]))
			if g.tag {
				b.WriteRune(rune(0xE0020 + rng.IntN(95)))
			} else {
				b.WriteRune(rune(0xE0100 + rng.IntN(239)))
			}
			prev = g.at
		}
		b.WriteString(string(rs[prev:]))
		n++
		if textwm.Detect(b.String(), textKey).Found {
			reports++
		}
	}
	fmt.Fprintf(out, "| random marks at 9-16 gaps of short texts, English and Chinese (the compact layout's case: selectors after white space and punctuation, tags between ideographs) | %d | %d |\n", n, reports)
	fmt.Fprintf(out, "| **total** | %d | %d |\n", total+n, totalReports+reports)
}

//go:build !wasm

package textwm

// A real browser round trip: marked text is shown in a page in Debian's
// headless Chromium, selected and copied to the clipboard as a person would,
// and read back from the clipboard; and it renders pixel-identically with
// and without its marks.

import (
	"bytes"
	"context"
	"encoding/json"
	stdhtml "html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// chrome is a headless Chromium with one tab.
type chrome struct {
	ctx context.Context
	dir string
}

func newChrome(t *testing.T) *chrome {
	t.Helper()
	exe := testenv.Tool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 800))
	actx, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, c2 := chromedp.NewContext(actx)
	ctx, c3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { c3(); c2(); c1() })
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Fatalf("chromium does not start: %v", err)
	}
	// Let the page read the clipboard (this cdproto has no typed command).
	type grant struct {
		Permissions []string `json:"permissions"`
	}
	grantPermissions := cdp.Command[grant, cdp.Empty]{Method: "Browser.grantPermissions"}
	if _, err := chromedp.CallBrowser(ctx, grantPermissions, grant{[]string{"clipboardReadWrite", "clipboardSanitizedWrite"}}); err != nil {
		t.Fatalf("granting clipboard access: %v", err)
	}
	return &chrome{ctx: ctx, dir: t.TempDir()}
}

// show loads an HTML page.
func (c *chrome) show(page string) error {
	p := filepath.Join(c.dir, "page.html")
	if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
		return err
	}
	if err := chromedp.Do(c.ctx, chromedp.Navigate("file://"+p)); err != nil {
		return err
	}
	// A headless page is not focused, and the clipboard API wants focus.
	_, err := chromedp.Call(c.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	return err
}

// jsEval runs JavaScript as a user gesture and awaits its promise.
func jsEval[T any](c *chrome, js string) (T, error) {
	yes := true
	return chromedp.Run(c.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise, func(p *runtime.EvaluateParams) { p.UserGesture = &yes }))
}

// copyBack selects the content of the element with id "t", copies it with
// the browser's own copy command and returns the clipboard's text, and the
// element's innerText.
func (c *chrome) copyBack(page string) (clip, inner string, err error) {
	if err := c.show(page); err != nil {
		return "", "", err
	}
	// Empty the clipboard first, so that a failed copy cannot pass with
	// the previous text.
	if _, err := jsEval[bool](c, `navigator.clipboard.writeText("").then(() => { getSelection().selectAllChildren(document.getElementById("t")); return true; })`); err != nil {
		return "", "", err
	}
	// Ctrl+C as a key press, with the editor's copy command.
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		p := input.DispatchKeyEventParams{Type: typ, Key: "c", Code: "KeyC", Modifiers: 2 /* Ctrl */, WindowsVirtualKeyCode: 67}
		if typ == input.DispatchKeyEventTypeKeyDown {
			p.Commands = []string{"copy"}
		}
		if _, err := chromedp.Call(c.ctx, input.DispatchKeyEvent, p); err != nil {
			return "", "", err
		}
	}
	if clip, err = jsEval[string](c, `navigator.clipboard.readText()`); err != nil {
		return "", "", err
	}
	inner, err = jsEval[string](c, `document.getElementById("t").innerText`)
	return clip, inner, err
}

func textPage(text string) string {
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{font-size:18px;width:900px}</style></head><body><div id="t">` +
		stdhtml.EscapeString(text) + `</div></body></html>`
}

func TestBrowserCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	c := newChrome(t)
	short := readText(t, "short.txt")
	html := "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>A title with spaces</title></head><body><div id=\"t\"><p class=\"a b\">" +
		strings.NewReplacer("\n\n", "</p>\n<p>", "harbour", "<b>harbour</b>", "baker", "baker &amp; his <i>apprentice</i>").Replace(readText(t, "en.txt")) +
		"</p><pre>code with spaces</pre></div></body></html>"
	for _, tc := range []struct {
		name    string
		page    string
		compact bool
	}{
		{"en.txt", textPage(embed(t, readText(t, "en.txt"), Options{})), false},
		{"zh.txt", textPage(embed(t, readText(t, "zh.txt"), Options{})), false},
		{"short.txt (compact)", textPage(embed(t, short, Options{})), true},
		{"short_zh.txt (compact, with tags)", textPage(embed(t, readText(t, "short_zh.txt"), Options{})), true},
		{"short.txt reflowed in the source (compact)", textPage(strings.ReplaceAll(embed(t, short, Options{}), " ", "\n   ")), true},
		{"HTML document", embed(t, html, Options{HTML: true}), false},
		{"short HTML document (compact)", embed(t, `<div id="t"><p>`+strings.Replace(stdhtml.EscapeString(short[:170]), " the ", " <b>the</b> ", 1)+"</p>\n<p>More.</p></div>", Options{HTML: true}), true},
	} {
		clip, inner, err := c.copyBack(tc.page)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		t.Logf("%s: clipboard %d characters, %d marks read (innerText %d, %d)", tc.name, len([]rune(clip)), Detect(clip, testKey).Marks, len([]rune(inner)), Detect(inner, testKey).Marks)
		for what, got := range map[string]string{"clipboard": clip, "innerText": inner} {
			if !strings.ContainsRune(got, markBase) && Detect(got, testKey).Marks == 0 {
				t.Errorf("%s, %s: no marks left in %q", tc.name, what, got[:min(len(got), 80)])
			}
			r := wantFound(t, tc.name+", "+what, got)
			if r.Compact != tc.compact {
				t.Errorf("%s, %s: compact = %v", tc.name, what, r.Compact)
			}
		}
	}
}

// TestBrowserRendering checks that marks change no pixel: English with
// one-character marks and Chinese and Japanese with ZWNJ marks and with tag
// marks between ideographs (with an IVS-capable font, Noto CJK, where a
// selector right after an ideograph would change the glyph).
func TestBrowserRendering(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	c := newChrome(t)
	// Regular layout with ZWNJ marks; compact layout with tags between
	// ideographs.
	in := readText(t, "short.txt") + "\n" + readText(t, "zh.txt") + "\n葛飾区の港で人工智能生成内容の標識を確認した。"
	out := embed(t, in, Options{})
	if !strings.Contains(out, "\u200c") {
		t.Fatal("no ZWNJ mark in the sample")
	}
	zh := readText(t, "short_zh.txt")
	zhOut := embed(t, zh, Options{})
	if !strings.ContainsFunc(zhOut, isTag) {
		t.Fatal("no tag mark in the sample")
	}
	in, out = in+"\n"+zh, out+"\n"+zhOut
	shot := func(s string) []byte {
		if err := c.show(textPage(s)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		return png
	}
	a, b := shot(in), shot(out)
	dir := testenv.OutDir(t)
	os.WriteFile(filepath.Join(dir, "unmarked.png"), a, 0o644)
	os.WriteFile(filepath.Join(dir, "marked.png"), b, 0o644)
	if !bytes.Equal(a, b) {
		t.Errorf("the marked text renders differently (screenshots in %s)", dir)
	}
}

// TestBrowserGraphemes checks the rule "never inside a grapheme cluster"
// against Chromium's own segmenter (Intl.Segmenter, ICU): the marked text's
// clusters, with the marks taken out, are the original's clusters, for a
// text full of combining sequences, emoji ZWJ sequences, flags, Hangul jamo,
// Indic conjuncts and Thai.
func TestBrowserGraphemes(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	c := newChrome(t)
	if err := c.show(textPage("")); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	words := []string{"cafe\u0301", "e\u0301te\u0301", "👩\u200d💻", "🇨🇳", "👍🏽", "\u1100\u1161\u11a8", "한국어", "क्षत्रिय", "नमस्ते", "ภาษาไทย", "Ångström", "ﬁne", "x\u20dd", "1\ufe0f\u20e3", "q\u0323\u0307", "葛\U000E0100飾", "naïve", "Zoë"}
	for i := 0; i < 60; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteString([]string{" ", " ", "\n", "  ", "\t"}[i%5])
	}
	segs := func(s string) []string {
		q, _ := json.Marshal(s) // a JavaScript string literal
		got, err := jsEval[[]string](c, `Array.from(new Intl.Segmenter("und", {granularity: "grapheme"}).segment(`+string(q)+`), x => x.segment)`)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// The regular layout on that, and the compact one (selectors and tags)
	// on short Chinese.
	for _, in := range []string{b.String(), readText(t, "short_zh.txt")} {
		checkClusters(t, in, embed(t, in, Options{}), segs)
	}
}

// checkClusters compares the grapheme clusters of the marked text out with
// those of in, as segs splits them.
func checkClusters(t *testing.T, in, out string, segs func(string) []string) {
	// Mark characters taken out of both (the original has an ideographic
	// variation sequence). A mark after a line break or tab is a cluster of
	// its own (rule GB4 of UAX #29: no extending character attaches to a
	// control character); it splits and joins nothing, and is dropped here.
	var got []string
	ms := segs(out)
	for i, g := range ms {
		if s := stripMarks(g); s != "" {
			got = append(got, s)
		} else if i == 0 || !strings.ContainsAny(ms[i-1], "\n\t") {
			t.Errorf("cluster %d is a mark alone, after %q", i, ms[max(i-1, 0)])
		}
	}
	want := segs(in)
	for i := range want {
		want[i] = stripMarks(want[i])
	}
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("cluster %d: %q with marks taken out, %q in the original", i, got[i], want[i])
			}
		}
		t.Fatalf("%d clusters with marks, %d without", len(got), len(want))
	}
	t.Logf("%d clusters, %d code points of marks", len(want), len([]rune(out))-len([]rune(in)))
	wantFound(t, "graphemes", out)
}

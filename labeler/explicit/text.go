package explicit

import (
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aigclabel/aigclabel/labeler/format"
)

// TextStyle selects the wording LabelText adds.
type TextStyle string

// The text styles. The zero value means StyleBracket.
const (
	StyleBracket  TextStyle = "bracket"  // 【AI生成】
	StyleSentence TextStyle = "sentence" // 本内容由人工智能生成
	// StyleEnglish keeps the Chinese elements the standard requires after
	// the English words: "AI-generated (AI生成)".
	StyleEnglish TextStyle = "english"
)

// Wording returns the text a style adds.
func (s TextStyle) Wording() (string, error) {
	switch s {
	case StyleBracket, "":
		return "【AI生成】", nil
	case StyleSentence:
		return "本内容由人工智能生成", nil
	case StyleEnglish:
		return "AI-generated (AI生成)", nil
	}
	return "", fmt.Errorf("explicit: unknown text style %q (want bracket, sentence or english)", string(s))
}

// TextOptions controls LabelText. The zero value adds 【AI生成】 at the start.
type TextOptions struct {
	Style TextStyle
	// Text, when set, is a custom wording (checked by CheckWording) used
	// instead of Style's.
	Text string
	// At is "start" (default), "end" or "both".
	At string
}

// Where a text label sits.
const (
	AtStart  = "start"
	AtEnd    = "end"
	AtMiddle = "middle"
)

// LabelText adds the explicit label to a text document of the given kind
// and returns the new document. It is idempotent: where FindText already
// sees a label at a requested position, none is added there.
//
//   - HTML: a visible <p class="aigc-label"> element right after <body>
//     (start) or right before </body> (end); without a body, after </head>
//     or <html>, or at the very start or end.
//   - Markdown: a paragraph of its own, after the front matter if any (start)
//     or after the last line (end).
//   - Plain text: a line of its own, keeping the document's line ending.
func LabelText(text string, kind format.Kind, opts TextOptions) (string, error) {
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("explicit: text is not valid UTF-8")
	}
	label := opts.Text
	if label != "" {
		if err := CheckWording(label); err != nil {
			return "", err
		}
	} else {
		var err error
		if label, err = opts.Style.Wording(); err != nil {
			return "", err
		}
	}
	var start, end bool
	switch opts.At {
	case "", AtStart:
		start = true
	case AtEnd:
		end = true
	case "both":
		start, end = true, true
	default:
		return "", fmt.Errorf("explicit: text position %q: want start, end or both", opts.At)
	}
	for _, f := range findText(text) {
		// A label near both ends (a short document) serves as either.
		if f.nearStart {
			start = false
		}
		if f.nearEnd {
			end = false
		}
	}
	nl := "\n"
	if strings.Contains(text, "\r\n") {
		nl = "\r\n"
	}
	switch kind {
	case format.HTML:
		el := `<p class="aigc-label">` + html.EscapeString(label) + `</p>`
		if start {
			i := htmlStart(text)
			text = text[:i] + nl + el + nl + text[i:]
		}
		if end {
			i := htmlEnd(text)
			text = text[:i] + nl + el + nl + text[i:]
		}
	case format.Markdown, format.Text, format.Unknown:
		if start {
			i := 0
			if kind == format.Markdown {
				i = frontMatterEnd(text)
			}
			text = text[:i] + label + nl + nl + text[i:]
		}
		if end {
			if text != "" && !strings.HasSuffix(text, "\n") {
				text += nl
			}
			text += nl + label + nl
		}
	default:
		return "", &format.UnsupportedError{Format: kind, Msg: "not a text format"}
	}
	return text, nil
}

// The HTML anchors are found by hand rather than with regexp, which with its
// Unicode tables would add about 130 KB to the browser module's gzip size.
// Each finder returns the match of the regular expression in its comment
// (leftmost match, [start, end)), or -1, -1; TestHTMLAnchorsMatchRegexp
// checks them against those expressions.

// tagOpen matches (?i)<name(?:\s[^>]*)?> (name in lower case).
func tagOpen(s, name string) (int, int) {
	for i := 0; ; {
		j := indexFold(s, i, "<"+name)
		if j < 0 {
			return -1, -1
		}
		k := j + 1 + len(name)
		switch {
		case k < len(s) && s[k] == '>':
			return j, k + 1
		case k < len(s) && isSpaceRE(s[k]):
			if e := strings.IndexByte(s[k:], '>'); e >= 0 {
				return j, k + e + 1
			}
			return -1, -1 // no '>' after this one, so none after any later one
		}
		i = j + 1
	}
}

// tagClose matches (?i)</name\s*>, the last match when last is set.
func tagClose(s, name string, last bool) (int, int) {
	lo, hi := -1, -1
	for i := 0; ; {
		j := indexFold(s, i, "</"+name)
		if j < 0 {
			return lo, hi
		}
		k := j + 2 + len(name)
		for k < len(s) && isSpaceRE(s[k]) {
			k++
		}
		if k < len(s) && s[k] == '>' {
			if lo, hi = j, k+1; !last {
				return lo, hi
			}
			i = hi
			continue
		}
		i = j + 1
	}
}

// doctype matches (?i)^\s*<!doctype[^>]*>.
func doctype(s string) (int, int) {
	k := 0
	for k < len(s) && isSpaceRE(s[k]) {
		k++
	}
	if !hasPrefixFold(s[k:], "<!doctype") {
		return -1, -1
	}
	if e := strings.IndexByte(s[k:], '>'); e >= 0 {
		return 0, k + e + 1
	}
	return -1, -1
}

// isSpaceRE reports whether c is in regexp's \s, [\t\n\f\r ].
func isSpaceRE(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// hasPrefixFold reports whether s starts with the lower-case ASCII lower,
// ignoring ASCII case (what (?i) does for these letters: none of them has a
// non-ASCII case variant).
func hasPrefixFold(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for i := range len(lower) {
		if c := s[i]; c != lower[i] && c|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// indexFold returns the first offset at or after i where s has the prefix
// lower, ignoring ASCII case, or -1. lower[0] must not be a letter.
func indexFold(s string, i int, lower string) int {
	for i+len(lower) <= len(s) {
		j := strings.IndexByte(s[i:], lower[0])
		if j < 0 {
			return -1
		}
		i += j
		if hasPrefixFold(s[i:], lower) {
			return i
		}
		i++
	}
	return -1
}

// htmlStart is where a start label goes: just inside <body>.
func htmlStart(s string) int {
	if _, e := tagOpen(s, "body"); e >= 0 {
		return e
	}
	if _, e := tagClose(s, "head", false); e >= 0 {
		return e
	}
	if _, e := tagOpen(s, "html"); e >= 0 {
		return e
	}
	if _, e := doctype(s); e >= 0 {
		return e
	}
	return 0
}

// htmlEnd is where an end label goes: just before the last </body>.
func htmlEnd(s string) int {
	if b, _ := tagClose(s, "body", true); b >= 0 {
		return b
	}
	if b, _ := tagClose(s, "html", true); b >= 0 {
		return b
	}
	return len(s)
}

// frontMatterEnd returns the offset just after a YAML front matter block
// (--- ... --- or ...), or 0 when there is none.
func frontMatterEnd(s string) int {
	body := strings.TrimPrefix(s, "\uFEFF")
	off := len(s) - len(body)
	first, rest, ok := strings.Cut(body, "\n")
	if !ok || strings.TrimRight(first, "\r") != "---" {
		return 0
	}
	p := off + len(first) + 1
	for rest != "" {
		line, next, _ := strings.Cut(rest, "\n")
		p += len(line)
		if next != "" || strings.HasSuffix(rest, "\n") {
			p++
		}
		if t := strings.TrimRight(line, "\r \t"); t == "---" || t == "..." {
			return p
		}
		rest = next
	}
	return 0
}

// TextFinding is an explicit-label wording found in text.
type TextFinding struct {
	Text     string `json:"text"`     // as it appears in the document
	Offset   int    `json:"offset"`   // byte offset of Text in the document
	Position string `json:"position"` // start, end or middle
	// Compliant reports whether the wording has both GB 45438 elements in
	// Chinese (人工智能/AI and 生成/合成); English-only wordings do not.
	Compliant bool `json:"compliant"`
}

// wordingPat matches wordings on normalized text (full-width folded to ASCII,
// ASCII lower-cased). Chinese: an AI element followed by a generation
// element, optionally framed ("本内容由…", brackets). English: "AI-generated",
// "AI synthesized", "generated by AI". It is the regular expression
//
//	[【\[(（「『<]?\s*(?:(?:本|此|该)?(?:内容|文本|文章|图片|图像|音频|视频)?由)?\s*
//	(?:人工智能|\bai\b)\s*[-·・]?\s*(?:生成\s*[/／、和与及]?\s*合成|生成|合成)(?:内容)?\s*[】\])）」』>]?
//	|\bai[\s-]*(?:generated|synthesi[sz]ed)\b
//	|\b(?:generated|synthesi[sz]ed|created) (?:by|with|using) (?:an )?ai\b
//
// written with the small backtracking matcher below instead of regexp, which
// with its Unicode tables would add about 130 KB to the browser module's gzip
// size. Backtracking in the order of preference gives exactly regexp's
// leftmost-first matches; TestWordingMatchesRegexp checks that.
var wordingPat = func() pat {
	ws := star(oneOf(" \t\n\f\r"))
	ai := alt(lit("人工智能"), seq(wordBoundary, lit("ai"), wordBoundary))
	synth := lit("generated", "synthesised", "synthesized")
	return alt(
		seq(opt(oneOf("【[(（「『<")), ws,
			opt(seq(opt(lit("本", "此", "该")), opt(lit("内容", "文本", "文章", "图片", "图像", "音频", "视频")), lit("由"))), ws,
			ai, ws, opt(oneOf("-·・")), ws,
			alt(seq(lit("生成"), ws, opt(oneOf("/／、和与及")), ws, lit("合成")), lit("生成", "合成")),
			opt(lit("内容")), ws, opt(oneOf("】])）」』>"))),
		seq(wordBoundary, lit("ai"), star(oneOf(" \t\n\f\r-")), synth, wordBoundary),
		seq(wordBoundary, lit("generated", "synthesised", "synthesized", "created"), lit(" "),
			lit("by", "with", "using"), lit(" "), opt(lit("an ")), lit("ai"), wordBoundary),
	)
}()

// pat is one piece of a backtracking matcher: it matches s at i and offers
// each possible end to k, in the order a regular expression prefers them
// (greedy repetition, leftmost alternative first), until k accepts one.
type pat func(s string, i int, k func(int) bool) bool

// lit matches one of the strings, in order.
func lit(alts ...string) pat {
	return func(s string, i int, k func(int) bool) bool {
		for _, a := range alts {
			if strings.HasPrefix(s[i:], a) && k(i+len(a)) {
				return true
			}
		}
		return false
	}
}

// oneOf matches one character of set.
func oneOf(set string) pat {
	return func(s string, i int, k func(int) bool) bool {
		r, n := utf8.DecodeRuneInString(s[i:])
		return n > 0 && r != utf8.RuneError && strings.ContainsRune(set, r) && k(i+n)
	}
}

// opt matches p or nothing, preferring p.
func opt(p pat) pat {
	return func(s string, i int, k func(int) bool) bool { return p(s, i, k) || k(i) }
}

// star matches p as often as possible, then backs off.
func star(p pat) pat {
	var self pat
	self = func(s string, i int, k func(int) bool) bool {
		return p(s, i, func(j int) bool { return j > i && self(s, j, k) }) || k(i)
	}
	return self
}

// seq matches the pieces one after another.
func seq(ps ...pat) pat {
	if len(ps) == 1 {
		return ps[0]
	}
	first, rest := ps[0], seq(ps[1:]...)
	return func(s string, i int, k func(int) bool) bool {
		return first(s, i, func(j int) bool { return rest(s, j, k) })
	}
}

// alt matches the first of ps that leads to a match.
func alt(ps ...pat) pat {
	return func(s string, i int, k func(int) bool) bool {
		for _, p := range ps {
			if p(s, i, k) {
				return true
			}
		}
		return false
	}
}

// wordBoundary is regexp's \b: an ASCII word character on one side only.
func wordBoundary(s string, i int, k func(int) bool) bool {
	before := i > 0 && isWordByte(s[i-1])
	after := i < len(s) && isWordByte(s[i])
	return before != after && k(i)
}

// findAll returns the successive non-overlapping leftmost matches of p in s,
// as regexp's FindAllStringIndex does (p never matches the empty string).
func findAll(p pat, s string) [][]int {
	var out [][]int
	for start := 0; start < len(s); start++ {
		end := -1
		if p(s, start, func(e int) bool { end = e; return true }) {
			out = append(out, []int{start, end})
			start = max(end, start+1) - 1
		}
	}
	return out
}

// findWordings runs wordingPat only in windows around the anchors every
// wording contains ("ai" as a word, or 人工智能): a regexp with optional
// leading brackets is slow to scan a whole book with.
func findWordings(norm string) [][]int {
	var out [][]int
	last := 0 // end of the previous match: matches never overlap
	for i := 0; i < len(norm); {
		j, n := nextAnchor(norm, i)
		if j < 0 {
			break
		}
		lo, hi := max(last, j-32), min(len(norm), j+64)
		for lo > last && !utf8.RuneStart(norm[lo]) {
			lo--
		}
		for hi < len(norm) && !utf8.RuneStart(norm[hi]) {
			hi++
		}
		for _, m := range findAll(wordingPat, norm[lo:hi]) {
			if lo+m[0] <= j && j < lo+m[1] {
				out = append(out, []int{lo + m[0], lo + m[1]})
				last = lo + m[1]
				break
			}
		}
		i = max(j+n, last)
	}
	return out
}

// nextAnchor returns the offset and length of the next "ai" word or 人工智能
// at or after i, or -1.
func nextAnchor(s string, i int) (int, int) {
	for i < len(s) {
		a := strings.Index(s[i:], "ai")
		c := strings.Index(s[i:], "人工智能")
		switch {
		case a < 0 && c < 0:
			return -1, 0
		case c >= 0 && (a < 0 || c < a):
			return i + c, len("人工智能")
		}
		j := i + a
		before := j == 0 || !isWordByte(s[j-1])
		after := j+2 >= len(s) || !isWordByte(s[j+2])
		if before && after {
			return j, 2
		}
		i = j + 1
	}
	return -1, 0
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normalize folds full-width ASCII and the ideographic space to ASCII and
// lower-cases ASCII letters, keeping, for every byte of the result, the
// offset of the source byte it came from.
func normalize(s string) (string, []int) {
	var b strings.Builder
	offs := make([]int, 0, len(s)+1)
	for i, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E && r != '（' && r != '）':
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if r < utf8.RuneSelf {
			r = unicode.ToLower(r)
		}
		n := b.Len()
		b.WriteRune(r)
		for range b.Len() - n {
			offs = append(offs, i)
		}
	}
	offs = append(offs, len(s))
	return b.String(), offs
}

// FindText finds explicit-label wordings in text (plain, Markdown or HTML),
// leaving out those readers do not see (HTML head, tags and attributes,
// Markdown front matter), with their byte offsets and whether they sit at the start, the end or in
// the middle of the visible content (markup, front matter and whitespace
// aside, at most 32 characters or 5% of it before or after; the nearer end
// wins in short documents).
func FindText(text string) []TextFinding {
	fs := findText(text)
	out := make([]TextFinding, len(fs))
	for i, f := range fs {
		out[i] = f.TextFinding
	}
	return out
}

type textFinding struct {
	TextFinding
	nearStart, nearEnd bool
}

func findText(text string) []textFinding {
	norm, offs := normalize(text) // invalid bytes become U+FFFD, offsets kept
	vis, hidden := visibleIndex(text)
	total := vis[len(text)]
	slack := max(32, total/20)
	var out []textFinding
	for _, m := range findWordings(norm) {
		a, b := offs[m[0]], offs[m[1]]
		raw := strings.TrimSpace(text[a:b])
		a += strings.Index(text[a:b], raw)
		b = a + len(raw)
		if hidden[a] {
			continue // in a title, an attribute, a front matter: not a visible label
		}
		pos := AtMiddle
		before, after := vis[a], total-vis[b]
		switch {
		case before <= slack && before <= after:
			pos = AtStart
		case after <= slack:
			pos = AtEnd
		}
		out = append(out, textFinding{
			TextFinding: TextFinding{Text: raw, Offset: a, Position: pos, Compliant: CheckWording(wordingCore(raw)) == nil},
			nearStart:   before <= slack, nearEnd: after <= slack,
		})
	}
	return out
}

// wordingCore returns s with full-width AI folded, for the element check.
func wordingCore(s string) string {
	return strings.NewReplacer("ＡＩ", "AI", "ai", "AI", "Ai", "AI", "aI", "AI").Replace(s)
}

// visibleIndex returns, for each byte offset of s (and len(s)), how many
// visible characters precede it, and for each byte whether it is hidden: in
// a Markdown front matter, or, in an HTML document (one with an <html>,
// <head> or <body> tag), in the head element or inside a tag. Whitespace is
// not counted.
func visibleIndex(s string) ([]int, []bool) {
	idx := make([]int, len(s)+1)
	hidden := make([]bool, len(s)+1)
	skipFrom, skipUntil := 0, frontMatterEnd(s)
	b, _ := tagOpen(s, "body")
	h, _ := tagOpen(s, "html")
	htmlLike := b >= 0 || h >= 0
	if h, _ := tagOpen(s, "head"); h >= 0 {
		htmlLike = true
		if _, c := tagClose(s[h:], "head", false); c >= 0 && skipUntil == 0 {
			skipFrom, skipUntil = h, h+c
		}
	}
	n := 0
	inTag := false
	for i := 0; i < len(s); {
		idx[i] = n
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case i >= skipFrom && i < skipUntil:
			hidden[i] = true
		case htmlLike && r == '<' && i+1 < len(s) && (isASCIILetter(s[i+1]) || s[i+1] == '/' || s[i+1] == '!'):
			inTag, hidden[i] = true, true
		case inTag:
			inTag, hidden[i] = r != '>', true
		case !unicode.IsSpace(r):
			n++
		}
		for k := 1; k < size; k++ {
			idx[i+k], hidden[i+k] = n, hidden[i]
		}
		i += size
	}
	idx[len(s)] = n
	return idx, hidden
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

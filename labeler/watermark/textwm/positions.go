package textwm

import (
	"strings"
	"unicode"
)

// Where a mark may go. A mark is placed in a gap between two characters b
// and a of the text. The gap must be:
//
//   - after white space (in Markdown only after a single space that follows
//     a non-space character), or after CJK punctuation (U+3000-U+303F,
//     fullwidth forms U+FF00-U+FF65, or any punctuation that follows a Han,
//     kana or Hangul character): never after a letter, so never inside a
//     word of Latin or any other script, and never after an ideograph (a
//     variation selector there would form an Ideographic Variation Sequence:
//     with an IVS-capable font such as Noto CJK, 葛 + U+E0100 renders a
//     different glyph, measured in Chromium);
//   - or between two Han or kana characters, with a ZWNJ before the
//     selector (see the package documentation);
//   - before a letter or a number (Unicode L or N), so never before a
//     combining mark, ZWJ, variation selector or other extending character:
//     the gap is a grapheme cluster boundary by rules GB9-GB13 of UAX #29,
//     since b is neither Prepend, a Hangul jamo, ZWJ nor a regional
//     indicator, and a does not extend a cluster. This is the documented
//     approximation of grapheme segmentation (x/text has no segmenter): only
//     these simple character classes are ever adjacent to a mark, and the
//     mark only extends b's cluster, as a variation selector does (after a
//     line break or tab, which nothing extends (GB4), it is an invisible
//     cluster of its own); browser_test.go checks this against Chromium's
//     segmenter (ICU) on emoji sequences, flags, combining, Hangul jamo,
//     Indic and Thai text;
//   - preceded by at least contextRunes context characters (see context.go);
//   - outside the regions Options excludes (Markdown code, front matter and
//     markup; HTML tags and non-text elements).

// isCJK reports whether r is a Han ideograph, kana or Hangul syllable.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// gapAllowed applies the character rules above to the gap between b and a;
// bb is the character before b (or -1). In plain text and HTML a mark may
// also follow a tab, a line break or a run of spaces (indentation): it
// survives trimming and collapsing there too. In Markdown (strict) it must
// follow a single space after a non-space character, because at the start of
// a line it would turn "1. item" or "# Title" into a paragraph.
func gapAllowed(bb, b, a rune, strict bool) bool {
	if a < 0 || !(unicode.IsLetter(a) || unicode.IsNumber(a)) {
		return false
	}
	switch {
	case strict && unicode.Is(unicode.Zs, b):
		return bb >= 0 && !unicode.IsSpace(bb) && !unicode.Is(unicode.Zs, bb) && !isMark(bb)
	case !strict && (unicode.Is(unicode.Zs, b) || b == '\t' || b == '\n'):
		return bb >= 0
	case unicode.IsPunct(b):
		return (b >= 0x3000 && b <= 0x303F) || (b >= 0xFF00 && b <= 0xFF65) || (bb >= 0 && isCJK(bb))
	}
	return false
}

// Marks are the variation selectors VS17-VS255 (U+E0100-U+E01EE).
const (
	markBase = 0xE0100
	markLast = markBase + fieldP - 1
)

func isMark(r rune) bool { return r >= markBase && r <= markLast }

// span is a byte range [start, end).
type span struct{ start, end int }

// excluded returns the byte ranges of s where no mark may go, sorted.
func excluded(s string, opts Options) []span {
	var ex []span
	switch {
	case opts.HTML:
		ex = htmlExcluded(s)
	case opts.Markdown:
		ex = markdownExcluded(s)
	}
	return merge(ex)
}

// merge sorts spans and joins overlapping ones.
func merge(ex []span) []span {
	sortSpans(ex)
	out := ex[:0]
	for _, s := range ex {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// markdownExcluded covers YAML front matter, fenced and indented code blocks,
// HTML block lines, link reference definitions, and inline code spans, raw
// HTML and autolinks, and link destinations. It errs on the side of
// excluding: a mark lost to a region wrongly excluded costs nothing, a mark in
// code or markup changes meaning.
func markdownExcluded(s string) []span {
	var out []span
	pos := 0
	lines := strings.SplitAfter(s, "\n")
	// Front matter.
	if len(lines) > 0 && strings.TrimRight(strings.TrimPrefix(lines[0], "\uFEFF"), " \t\r\n") == "---" {
		end := len(lines[0])
		for i := 1; i < len(lines); i++ {
			end += len(lines[i])
			t := strings.TrimRight(lines[i], " \t\r\n")
			if t == "---" || t == "..." {
				out = append(out, span{0, end})
				pos = end
				lines = lines[i+1:]
				break
			}
		}
	}
	fence := ""
	prevBlank := true
	prevCode := false
	var para strings.Builder // paragraph text, for inline scanning
	paraStart := pos
	flush := func(at int) {
		out = append(out, inlineExcluded(para.String(), paraStart)...)
		para.Reset()
		paraStart = at
	}
	for _, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		trimmed := strings.TrimLeft(t, " ")
		indent := len(t) - len(trimmed)
		blank := strings.TrimSpace(t) == ""
		code := false
		switch {
		case fence != "":
			code = true
			if indent < 4 && strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]+" \t") == "" {
				fence = ""
			}
		case indent < 4 && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			code = true
			n := len(trimmed) - len(strings.TrimLeft(trimmed, trimmed[:1]))
			fence = strings.Repeat(trimmed[:1], n)
		case !blank && (indent >= 4 || strings.HasPrefix(t, "\t")) && (prevBlank || prevCode):
			code = true
		case indent < 4 && strings.HasPrefix(trimmed, "<"):
			code = true // an HTML block line
		case indent < 4 && strings.HasPrefix(trimmed, "[") && strings.Contains(trimmed, "]:"):
			code = true // a link reference definition
		}
		if code || blank {
			flush(pos + len(l))
			if code {
				out = append(out, span{pos, pos + len(l)})
			}
		} else {
			para.WriteString(l)
		}
		pos += len(l)
		prevBlank, prevCode = blank, code
	}
	flush(pos)
	sortSpans(out)
	return out
}

// inlineExcluded finds code spans, raw HTML and autolinks, and link
// destinations in paragraph text p that starts at byte offset base.
func inlineExcluded(p string, base int) []span {
	var out []span
	for i := 0; i < len(p); {
		switch p[i] {
		case '`':
			n := 1
			for i+n < len(p) && p[i+n] == '`' {
				n++
			}
			run := p[i : i+n]
			j := i + n
			end := -1
			for j < len(p) {
				k := strings.Index(p[j:], run)
				if k < 0 {
					break
				}
				k += j
				m := k + n
				if m < len(p) && p[m] == '`' { // a longer run: not the closer
					for m < len(p) && p[m] == '`' {
						m++
					}
					j = m
					continue
				}
				end = m
				break
			}
			if end < 0 {
				i += n
				continue
			}
			out = append(out, span{base + i, base + end})
			i = end
		case '<':
			end := strings.IndexByte(p[i:], '>')
			if end < 0 {
				i++
				continue
			}
			out = append(out, span{base + i, base + i + end + 1})
			i += end + 1
		case ']':
			if i+1 < len(p) && p[i+1] == '(' {
				end := strings.IndexByte(p[i:], ')')
				if end < 0 {
					end = len(p) - i - 1
				}
				out = append(out, span{base + i, base + i + end + 1})
				i += end + 1
				continue
			}
			i++
		default:
			i++
		}
	}
	return out
}

// htmlSkip lists the elements whose content is not prose to mark.
var htmlSkip = []string{"head", "script", "style", "pre", "code", "textarea", "title", "template", "noscript", "svg", "math", "kbd", "samp"}

// htmlExcluded covers every tag, comment, doctype, and the content of the
// elements in htmlSkip.
func htmlExcluded(s string) []span {
	var out []span
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				out = append(out, span{i, len(s)})
				break
			}
			out = append(out, span{i, i + 4 + end + 3})
			i += 4 + end + 3
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			out = append(out, span{i, len(s)})
			break
		}
		tagEnd := i + end + 1
		name := lower[i+1 : tagEnd-1]
		if k := strings.IndexAny(name, " \t\r\n/>"); k >= 0 {
			name = name[:k]
		}
		skipTo := tagEnd
		for _, el := range htmlSkip {
			if name == el {
				if c := strings.Index(lower[tagEnd:], "</"+el); c >= 0 {
					skipTo = tagEnd + c
				} else {
					skipTo = len(s)
				}
				break
			}
		}
		out = append(out, span{i, skipTo})
		i = skipTo
	}
	return out
}

func sortSpans(s []span) {
	// Insertion sort: the spans come nearly sorted.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].start < s[j-1].start; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// isHan reports whether r is a Han ideograph.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isCJKIdeo reports whether r is a Han ideograph or kana: between two of
// these a mark goes after a ZWNJ, or is a tag (Hangul text has spaces).
func isCJKIdeo(r rune) bool {
	return isHan(r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// ideoBefore reports whether a gap follows an ideograph or kana (r, after
// r2): also a kana whose voicing mark NFD or NFKD split off (か + U+3099
// for が), so that decomposing keeps the gaps between ideographs.
func ideoBefore(r2, r rune) bool {
	return r >= 0 && isCJKIdeo(r) || (r == 0x3099 || r == 0x309A) && r2 >= 0 && isCJKIdeo(r2)
}

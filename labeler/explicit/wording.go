package explicit

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Built-in wordings. DefaultWording is the one used when none is given
// (aigclabel decision 7).
const (
	DefaultWording = "AI生成"
	MaxWordingLen  = 32 // runes; longer labels cannot meet the size rule on ordinary images
)

// Wordings lists the built-in wordings, shortest first. The embedded font
// covers all of them; FindOverlay looks for them.
var Wordings = []string{"AI生成", "AI合成", "人工智能生成", "人工智能合成", "人工智能生成合成"}

// WordingError reports a label text that does not meet the element rule or
// cannot be drawn.
type WordingError struct {
	Text   string
	Reason string
}

func (e *WordingError) Error() string {
	return fmt.Sprintf("explicit: wording %q %s", e.Text, e.Reason)
}

// CheckWording checks s against GB 45438's element rule for text prompts: it
// must contain 人工智能 or AI, and 生成 and/or 合成. It also refuses control
// characters, invalid UTF-8 and texts longer than MaxWordingLen runes.
func CheckWording(s string) error {
	switch {
	case s == "":
		return &WordingError{s, "is empty"}
	case !utf8.ValidString(s):
		return &WordingError{s, "is not valid UTF-8"}
	case utf8.RuneCountInString(s) > MaxWordingLen:
		return &WordingError{s, fmt.Sprintf("is longer than %d characters", MaxWordingLen)}
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return &WordingError{s, "contains control characters"}
	case !strings.Contains(s, "人工智能") && !strings.Contains(s, "AI"):
		return &WordingError{s, "lacks the AI element (人工智能 or AI)"}
	case !strings.Contains(s, "生成") && !strings.Contains(s, "合成"):
		return &WordingError{s, "lacks the generation element (生成 and/or 合成)"}
	}
	return nil
}

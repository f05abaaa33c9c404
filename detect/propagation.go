package detect

import "github.com/aigclabel/aigclabel/labeler/aigc"

// LabelFor returns the Annex E Label a platform writes for a verdict when it
// propagates content (Measures Art. 6: confirmed 1, possible 2, suspected
// 3), or "" for none.
func LabelFor(verdict string) string {
	switch verdict {
	case Confirmed:
		return aigc.LabelConfirmed
	case Possible:
		return aigc.LabelPossible
	case Suspected:
		return aigc.LabelSuspected
	}
	return ""
}

// WordingFor returns the explicit label a platform shows for a verdict: the
// notice Art. 6 asks for, worded with both GB 45438 elements (AI, 生成).
func WordingFor(verdict string) string {
	switch verdict {
	case Confirmed:
		return "AI生成"
	case Possible:
		return "可能为AI生成"
	case Suspected:
		return "疑似AI生成"
	}
	return ""
}

package explicit

// Findings groups what FindText, FindPrompt and FindOverlay report, in the
// shape detect.Report carries under "explicit". Empty lists are omitted.
type Findings struct {
	Text     []TextFinding    `json:"text,omitempty"`
	Prompts  []PromptFinding  `json:"prompts,omitempty"`
	Overlays []OverlayFinding `json:"overlays,omitempty"`
}

// Any reports whether any explicit label was found.
func (f Findings) Any() bool {
	return len(f.Text)+len(f.Prompts)+len(f.Overlays) > 0
}

package detect

import (
	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// LabelReport is the JSON the CLI (`label --json`, `propagate --json`), the
// server and the browser API give for a labeled file: the report of Inspect
// on the output plus what labeling did. One type, so the three stay alike.
type LabelReport struct {
	Report
	// Output is where the file went (a path, or the name the server gives
	// it); empty in the browser API, which returns the bytes.
	Output string `json:"output,omitempty"`
	// Written is the record labeling made, which "aigc" lacks for plain text
	// (no metadata slot).
	Written     *aigc.Record `json:"written,omitempty"`
	Steps       []string     `json:"steps,omitempty"`
	WatermarkID string       `json:"watermarkId,omitempty"`
	Notes       []string     `json:"notes,omitempty"`
}

// NewLabelReport joins rep, the report of Inspect on the labeled output, with
// res, the labeler's result, for the output written to output.
func NewLabelReport(rep Report, res labeler.Result, output string) LabelReport {
	return LabelReport{Report: rep, Output: output, Written: &res.Record, Steps: res.Steps, WatermarkID: res.WatermarkID, Notes: res.Notes}
}

package explicit_test

import (
	"fmt"
	"image"

	"github.com/aigclabel/aigclabel/labeler/explicit"
	"github.com/aigclabel/aigclabel/labeler/format"
)

func ExampleCheckWording() {
	for _, w := range []string{"AI生成", "人工智能合成", "机器生成", "AI制作"} {
		fmt.Println(w, explicit.CheckWording(w) == nil)
	}
	// Output:
	// AI生成 true
	// 人工智能合成 true
	// 机器生成 false
	// AI制作 false
}

func ExampleLabelText() {
	doc := "---\ntitle: Report\n---\n# Report\n\nText.\n"
	out, _ := explicit.LabelText(doc, format.Markdown, explicit.TextOptions{At: "start"})
	fmt.Print(out)
	again, _ := explicit.LabelText(out, format.Markdown, explicit.TextOptions{At: "start"})
	fmt.Println(again == out)
	// Output:
	// ---
	// title: Report
	// ---
	// 【AI生成】
	//
	// # Report
	//
	// Text.
	// true
}

func ExampleDrawImage() {
	img := image.NewGray(image.Rect(0, 0, 800, 600))
	_, p, _ := explicit.DrawImage(img, explicit.ImageOptions{})
	fmt.Println(p.Position, p.GlyphHeight >= 36, p.TextColor, p.Contrast >= 4.5)
	// Output:
	// bottom-right true {255 255 255 255} true
}

func ExampleAddPrompt() {
	rate := 16000
	program := [][]float32{make([]float32, 10*rate)} // 10 s of silence, mono
	out, pl, _ := explicit.AddPrompt(program, rate, explicit.AudioOptions{At: "end"})
	fmt.Println(len(out[0]) == len(program[0]), pl.Spans)
	for _, f := range explicit.FindPrompt(out, rate) {
		fmt.Printf("%s at %.1f s\n", f.Kind, f.Start) // detection is accurate to a 10 ms frame
	}
	// Output:
	// true [{8.68 10}]
	// rhythm at 8.7 s
}

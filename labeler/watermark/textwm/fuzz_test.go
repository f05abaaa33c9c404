package textwm

import (
	"testing"
	"unicode/utf8"
)

func FuzzDetect(f *testing.F) {
	f.Add("The harbour town \U000E0100woke slowly \U000E0150that morning.")
	f.Add("葛\U000E0100飾区，\U000E0101港口\u200c\U000E0102醒来")
	f.Add("清晨的港口\U000E0041慢慢醒来。\U000E0150渔船靠着码头轻\U000E0022轻摇晃，海鸥为昨天剩下的鱼争吵不休🏴\U000E0067\U000E0062\U000E007F")
	f.Fuzz(func(t *testing.T, s string) {
		r := Detect(s, testKey)
		if r.Found && r.Confidence > 1e-6 {
			t.Fatalf("reported with a bound of %g", r.Confidence)
		}
		if r.Marks < r.Symbols || r.Symbols > codeN {
			t.Fatalf("inconsistent result %+v", r)
		}
		Compare(s, testKey, testID)
		FingerprintOf(s)
	})
}

// FuzzEmbedDetect checks on any text that takes a mark: the marks are all
// that was added, they read back, and the overhead stays within 5%.
func FuzzEmbedDetect(f *testing.F) {
	f.Add("The harbour town woke slowly that morning. Fishing boats rocked against the pier while gulls argued over the remains of yesterday's catch, and the baker on the corner pulled the first trays of bread.", false)
	f.Add("# T\n\n```\ncode here\n```\nSome text `x y` with [a link](http://x y) and <b c=d>tags</b> here and there and more words to mark.", true)
	f.Add("清晨的港口慢慢醒来。渔船靠着码头轻轻摇晃，海鸥为昨天剩下的鱼争吵不休，街角的面包师从凌晨四点就开始烧的炉子里取出第一盘面包。没有人着急，潮水还要两个小时才会转向，每个人都知道这一点。\n\n玛尔塔夹着笔记本走下山坡。她答应过港务长，要在秋季风暴来临之前，把海湾里的每一艘船都登记清楚。即使大雾迟迟不散，她也打算信守诺言。", false)
	f.Fuzz(func(t *testing.T, s string, md bool) {
		out, err := Embed(s, testID, testKey, Options{Markdown: md})
		if err != nil {
			return
		}
		if stripMarks(out) != stripMarks(s) {
			t.Fatal("Embed changed more than the marks")
		}
		n := utf8.RuneCountInString(s)
		added := utf8.RuneCountInString(out) - n
		if added > n/rateDen {
			t.Fatalf("%d code points added to %d", added, n)
		}
		if r := Detect(out, testKey); !r.Found || r.Payload != testID {
			t.Fatalf("not read back: %+v\n%q", r, out)
		}
	})
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add(FingerprintOf("The harbour town woke slowly that morning.").String())
	f.Add("tf1:0000000000000000:0:0:")
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		if err != nil {
			return
		}
		again, err := ParseFingerprint(fp.String())
		if err != nil || again.String() != fp.String() {
			t.Fatalf("re-parse: %v", err)
		}
		Similarity(fp, again)
	})
}

package mp3

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
)

// ffmpegFile describes an MP3 made by ffmpeg (or lame) for the tests.
type ffmpegFile struct {
	name string
	args []string // ffmpeg output options (the input is a short tone); "lame" runs lame
}

var ffmpegFiles = []ffmpegFile{
	{"v2.4 default", []string{"-metadata", "title=标题 title"}},
	{"v2.3 with old AIGC tag", []string{"-id3v2_version", "3", "-metadata", "title=T", "-metadata", "artist=A", "-metadata", `AIGC={"Label":"2","ContentProducer":"old"}`}},
	{"v2.4 with old AIGC tag and ID3v1", []string{"-write_id3v1", "1", "-metadata", "title=T", "-metadata", `AIGC={"Label":"3"}`}},
	{"no tags", []string{"-id3v2_version", "0"}},
	{"no ID3v2, ID3v1 only", []string{"-id3v2_version", "0", "-write_id3v1", "1", "-metadata", "title=v1"}},
	{"lame v2.3", []string{"lame"}},
	{"v2.3 with APIC cover", []string{"cover", "-id3v2_version", "3", "-metadata", "title=T"}},
}

var (
	genMu    sync.Mutex
	genCache = map[string][]byte{}
)

// generate makes an MP3 file with the given ffmpeg options, once per test
// binary.
func generate(t *testing.T, f ffmpegFile) []byte {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if b, ok := genCache[f.name]; ok {
		return b
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "g.mp3")
	switch f.args[0] {
	case "cover":
		png := filepath.Join(dir, "cover.png")
		run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=16x16", "-frames:v", "1", "-y", png)
		args := []string{"-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.3:sample_rate=22050", "-i", png,
			"-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-b:a", "32k", "-c:v", "png", "-disposition:v", "attached_pic"}
		run(t, "ffmpeg", append(append(args, f.args[1:]...), "-y", out)...)
	case "lame":
		wav := filepath.Join(dir, "g.wav")
		run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=300:d=0.3:sample_rate=22050", "-y", wav)
		run(t, "lame", "--quiet", "-b", "32", "--id3v2-only", "--tt", "lame title", "--tc", "comment", wav, out)
	default:
		args := []string{"-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.3:sample_rate=22050", "-c:a", "libmp3lame", "-b:a", "32k"}
		args = append(append(args, f.args...), "-y", out)
		run(t, "ffmpeg", args...)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	genCache[f.name] = b
	return b
}

// checkLabeled verifies out = Write(in, rec) with every independent check:
// ffprobe reads the record and the other tags unchanged, our reader finds one
// record, other frames and everything after the tag are byte-identical,
// ffmpeg decodes the same audio, and the content hash is stable under
// labeling and relabeling.
func checkLabeled(t *testing.T, in []byte, ffprobe bool) []byte {
	t.Helper()
	rec := testRecord("check-" + t.Name())
	out, err := Codec{}.Write(in, rec)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Codec{}.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Records) != 1 || !bytes.Equal(m.Records[0].Payload, rec.Marshal()) || m.Records[0].Kind != KindTXXX {
		t.Fatalf("records after Write: %+v", m.Records)
	}
	tin, err := parseTag(in)
	if err != nil {
		t.Fatal(err)
	}
	tout, err := parseTag(out)
	if err != nil {
		t.Fatal(err)
	}
	after := in
	var kept [][]byte
	if tin != nil {
		after = in[tin.end:]
		for _, f := range tin.frames {
			if !isRecord(f) {
				kept = append(kept, tin.raw(f))
			}
		}
	}
	if !bytes.Equal(out[tout.end:], after) {
		t.Error("bytes after the tag changed")
	}
	var got [][]byte
	for _, f := range tout.frames {
		if !isRecord(f) {
			got = append(got, tout.raw(f))
		}
	}
	if !slices.EqualFunc(got, kept, bytes.Equal) {
		t.Errorf("frames other than TXXX:AIGC changed: %d frames, want %d", len(got), len(kept))
	}
	if ffprobe {
		before, after := ffprobeTags(t, in), ffprobeTags(t, out)
		if after["AIGC"] != string(rec.Marshal()) {
			t.Errorf("ffprobe tag AIGC = %q, want %q", after["AIGC"], rec.Marshal())
		}
		delete(before, "AIGC")
		delete(after, "AIGC")
		if !maps.Equal(before, after) {
			t.Errorf("ffprobe tags changed: %v -> %v", before, after)
		}
		if !samePCM(t, in, out) {
			t.Error("ffmpeg decodes different audio after labeling")
		}
	}
	h0, err := Codec{}.ContentHash(in)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := Codec{}.ContentHash(out)
	rec2 := testRecord("relabel-with-a-much-longer-produce-id-that-does-not-fit-in-the-padding-" + t.Name())
	out2, err := Codec{}.Write(out, rec2)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := Codec{}.ContentHash(out2)
	if h0 != h1 || h1 != h2 {
		t.Errorf("content hash changed: %x %x %x", h0, h1, h2)
	}
	m2, _ := Codec{}.Read(out2)
	if len(m2.Records) != 1 || !bytes.Equal(m2.Records[0].Payload, rec2.Marshal()) || m2.Records[0].Offset != m.Records[0].Offset {
		t.Errorf("relabel: records %+v", m2.Records)
	}
	return out
}

func TestFFmpegFiles(t *testing.T) {
	for _, f := range ffmpegFiles {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			in := generate(t, f)
			out := checkLabeled(t, in, true)
			tin, _ := parseTag(in)
			tout, _ := parseTag(out)
			switch {
			case tin == nil && tout.major != 4:
				t.Errorf("new tag is v2.%d, want v2.4", tout.major)
			case tin != nil && tout.major != tin.major:
				t.Errorf("tag version changed from 2.%d to 2.%d", tin.major, tout.major)
			}
		})
	}
}

func TestCorpus(t *testing.T) {
	in, err := os.ReadFile(testenv.Corpus(t, "c2pa", "sample1.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Codec{}.Read(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Records) != 0 || len(m.Foreign) != 1 || m.Foreign[0].Kind != "generator" {
		t.Errorf("sample1.mp3: %+v", m)
	}
	checkLabeled(t, in, true)
}

// TestPaddingReuse checks that a record fitting in the padding leaves the tag
// size, and so the audio's offset, unchanged, and that one that does not fit
// grows the tag.
func TestPaddingReuse(t *testing.T) {
	audio := mpegAudio(t)
	for _, major := range []byte{3, 4} {
		fr := frame24
		if major == 3 {
			fr = frame23
		}
		in := append(tagBytes(major, 0, fr("TIT2", 0, []byte("\x00title")), 400), audio...)
		out, err := Codec{}.Write(in, testRecord("fits"))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) || !bytes.Equal(out[len(out)-len(audio):], audio) {
			t.Errorf("v2.%d: the record did not go into the padding (%d -> %d bytes)", major, len(in), len(out))
		}
		big := testRecord(string(bytes.Repeat([]byte("x"), 500)))
		out, err = Codec{}.Write(out, big)
		if err != nil {
			t.Fatal(err)
		}
		tout, _ := parseTag(out)
		if len(tout.padding) != 0 || !bytes.Equal(out[tout.end:], audio) {
			t.Errorf("v2.%d: grown tag has %d bytes of padding", major, len(tout.padding))
		}
		checkLabeled(t, in, true)
	}
}

// TestCraftedTags covers the tag features ffmpeg does not write: whole-tag
// and per-frame unsynchronisation, data length indicators, compression, the
// v2.4 footer and extended header, v2.2, plain v2.4 frame sizes and C2PA GEOB
// frames. ffprobe is the independent reader where it supports the feature.
func TestCraftedTags(t *testing.T) {
	audio := mpegAudio(t)
	old := `{"Label":"2","ContentProducer":"old"}`
	manifest := []byte("\x00\x00\x01\x00jumb\xff\xe0\xff\x00c2pa manifest \xff")

	// v2.3, whole tag unsynchronised: the title and the GEOB hold false syncs.
	v23body := cat(
		frame23("TIT2", 0, []byte("\x01\xff\xfeT\x00i\x00")), // UTF-16 BOM FF FE: stuffed
		frame23("TXXX", 0, txxxBody(0, "AIGC", old)),
		frame23("GEOB", 0, geobC2PA(manifest)),
	)
	v23unsync := append(tagBytes(3, flagUnsync, unsync(v23body), 64), audio...)

	// v2.4, the record as UTF-16 in an unsynchronised frame with a data
	// length indicator; a C2PA GEOB; a footer instead of padding.
	u16 := append([]byte{1}, utf16LE("AIGC")...)
	u16 = append(append(u16, 0, 0), utf16LE(old)...)
	dli := appendSyncsafe(nil, len(u16))
	v24body := cat(
		frame24("TIT2", 0, []byte("\x03title")),
		frame24("TXXX", v24Unsync|v24DataLen, append(dli, unsync(u16)...)),
		frame24("GEOB", 0, geobC2PA(manifest)),
	)
	v24footer := tagBytes(4, flagFooter, v24body, 0)
	v24footer = append(v24footer, "3DI"...)
	v24footer = append(v24footer, v24footer[3:10]...)
	v24footer = append(v24footer, audio...)

	// v2.4 with an extended header (no CRC) and a compressed record.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(txxxBody(3, "AIGC", old))
	zw.Close()
	compressed := append(appendSyncsafe(nil, len(txxxBody(3, "AIGC", old))), z.Bytes()...)
	v24ext := append(tagBytes(4, flagExtHeader, cat(
		[]byte{0, 0, 0, 6, 1, 0},
		frame24("TXXX", v24Compressed|v24DataLen, compressed),
		frame24("TPE1", 0, []byte("\x03artist")),
	), 20), audio...)

	// v2.4 with a plain (non-syncsafe) frame size of 200, as iTunes wrote.
	long := txxxBody(3, "AIGC", old+string(bytes.Repeat([]byte(" "), 200-len(txxxBody(3, "AIGC", old)))))
	itunesFrame := append([]byte("TXXX\x00\x00\x00\xc8\x00\x00"), long...)
	itunes := append(tagBytes(4, 0, cat(itunesFrame, frame24("TIT2", 0, []byte("\x03t"))), 10), audio...)

	for _, tc := range []struct {
		name      string
		in        []byte
		oracle    string // the independent reader that understands the input
		wantC2PA  bool
		wantTitle string
	}{
		// ffmpeg takes v2.3 frame sizes as stored sizes and misreads this
		// input; exiftool decodes the whole tag, as the standard says.
		{"v2.3 unsynchronised", v23unsync, "exiftool", true, "Ti"},
		{"v2.4 footer, frame unsync, DLI", v24footer, "ffprobe", true, "title"},
		{"v2.4 extended header, compressed", v24ext, "exiftool", false, ""},
		{"v2.4 plain frame size", itunes, "exiftool", false, "t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Codec{}.Read(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Records) != 1 || string(bytes.TrimRight(m.Records[0].Payload, " ")) != old {
				t.Fatalf("records %+v", m.Records)
			}
			var c2pa [][]byte
			for _, f := range m.Foreign {
				if f.Kind == "c2pa" {
					c2pa = append(c2pa, f.Data)
				}
			}
			if tc.wantC2PA != (len(c2pa) == 1) || tc.wantC2PA && !bytes.Equal(c2pa[0], manifest) {
				t.Errorf("c2pa: %q", c2pa)
			}
			switch tc.oracle {
			case "ffprobe":
				tags := ffprobeTags(t, tc.in)
				if tags["AIGC"] != old || tags["title"] != tc.wantTitle {
					t.Errorf("ffprobe reads %v from the crafted input: test data or reader wrong", tags)
				}
			case "exiftool":
				tags := exiftoolTags(t, tc.in)
				if strings.TrimRight(tags["UserDefinedText"], " ") != "(AIGC) "+old || tags["Title"] != tc.wantTitle {
					t.Errorf("exiftool reads %v from the crafted input: test data or reader wrong", tags)
				}
			}
			out := checkLabeled(t, tc.in, tc.oracle == "ffprobe")
			if tc.oracle != "ffprobe" {
				// What ffprobe cannot read in the input, it reads in the output.
				tags := ffprobeTags(t, out)
				if m, _ := (Codec{}).Read(out); tags["AIGC"] != string(m.Records[0].Payload) || tags["title"] != tc.wantTitle {
					t.Errorf("ffprobe reads %v from the output", tags)
				}
				if !samePCM(t, tc.in, out) {
					t.Error("ffmpeg decodes different audio after labeling")
				}
			}
			m, _ = Codec{}.Read(out)
			for _, f := range m.Foreign {
				if f.Kind == "c2pa" && !bytes.Equal(f.Data, manifest) {
					t.Error("C2PA GEOB changed")
				}
			}
		})
	}

	t.Run("v2.2 read only", func(t *testing.T) {
		txx := txxxBody(0, "AIGC", old)
		fr := append([]byte{'T', 'X', 'X', 0, 0, byte(len(txx))}, txx...)
		in := append(tagBytes(2, 0, fr, 8), audio...)
		m, err := Codec{}.Read(in)
		if err != nil || len(m.Records) != 1 || string(m.Records[0].Payload) != old {
			t.Fatalf("Read: %v %+v", err, m)
		}
		if _, err := (Codec{}).Write(in, testRecord("x")); !isUnsupported(err) {
			t.Errorf("Write into v2.2: %v, want UnsupportedError", err)
		}
	})
	t.Run("extended header with CRC", func(t *testing.T) {
		in := append(tagBytes(3, flagExtHeader, cat([]byte{0, 0, 0, 10, 0x80, 0, 0, 0, 0, 0, 1, 2, 3, 4}, frame23("TIT2", 0, []byte("\x00t"))), 0), audio...)
		if _, err := (Codec{}).Read(in); err != nil {
			t.Fatal(err)
		}
		if _, err := (Codec{}).Write(in, testRecord("x")); !isUnsupported(err) {
			t.Errorf("Write: %v, want UnsupportedError", err)
		}
	})
	t.Run("v2.3 extended header padding size", func(t *testing.T) {
		in := append(tagBytes(3, flagExtHeader, cat([]byte{0, 0, 0, 6, 0, 0, 0, 0, 0, 100}, frame23("TIT2", 0, []byte("\x00t"))), 100), audio...)
		out := checkLabeled(t, in, true)
		tout, _ := parseTag(out)
		if got := binary.BigEndian.Uint32(tout.ext[6:]); int(got) != len(tout.padding) {
			t.Errorf("extended header says %d bytes of padding, tag has %d", got, len(tout.padding))
		}
	})
}

// TestMalformed checks that bad tags give clear errors, never panics.
func TestMalformed(t *testing.T) {
	audio := []byte{0xFF, 0xFB, 0x90, 0x44, 0, 0, 0, 0}
	good := append(tagBytes(4, 0, frame24("TIT2", 0, []byte("\x03t")), 4), audio...)
	set := func(b []byte, off int, v ...byte) []byte {
		b = slices.Clone(b)
		copy(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name        string
		in          []byte
		unsupported bool
	}{
		{"header cut", []byte("ID3\x04\x00"), false},
		{"size not syncsafe", set(good, 6, 0, 0, 0x80, 0), false},
		{"size huge", set(good, 6, 0x7F, 0x7F, 0x7F, 0x7F), false},
		{"tag cut", good[:14], false},
		{"frame size huge", set(good, 14, 0x7F, 0x7F, 0x7F, 0x7F), false},
		{"frame id invalid", set(good, 10, 't'), false},
		{"footer missing", set(good, 5, flagFooter), false},
		{"ext header size", set(good, 5, flagExtHeader), false},
		{"DLI past frame", append(tagBytes(4, 0, frame24("TXXX", v24DataLen, []byte{1, 2}), 0), audio...), false},
		{"bad zlib", append(tagBytes(4, 0, frame24("TXXX", v24Compressed, []byte("not zlib")), 0), audio...), false},
		{"zlib bomb", func() []byte {
			// Three frames of 8 MiB each, compressed to about 8 KiB each.
			var z bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
			zw.Write(append(txxxBody(3, "X", ""), make([]byte, 8<<20)...))
			zw.Close()
			fr := frame24("TXXX", v24Compressed, z.Bytes())
			return append(tagBytes(4, 0, cat(fr, fr, fr), 0), audio...)
		}(), false},
		{"version 2.5", set(good, 3, 5), true},
		{"compressed v2.2", set(set(good, 3, 2), 5, 0x40), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, err error) {
				t.Helper()
				if tc.unsupported && !isUnsupported(err) || !tc.unsupported && !isFormatError(err) {
					t.Errorf("%s: got %v (%T)", what, err, err)
				}
			}
			_, err := Codec{}.Read(tc.in)
			check("Read", err)
			_, err = Codec{}.Write(tc.in, testRecord("x"))
			check("Write", err)
			_, err = Codec{}.ContentHash(tc.in)
			check("ContentHash", err)
		})
	}
}

// TestUnsync checks unsync and deunsync against each other and against the
// standard's examples.
func TestUnsync(t *testing.T) {
	for _, p := range [][]byte{
		{0xFF, 0xE0}, {0xFF, 0x00}, {0xFF}, {0xFF, 0xFF, 0xFF}, {0x01, 0xFF, 0x7F}, {},
	} {
		u := unsync(p)
		if bytes.Contains(u, []byte{0xFF, 0xE0}) || bytes.HasSuffix(u, []byte{0xFF}) {
			t.Errorf("unsync(% X) = % X still has a false sync", p, u)
		}
		if d, _ := deunsync(u, 0); !bytes.Equal(d, p) {
			t.Errorf("deunsync(unsync(% X)) = % X", p, d)
		}
	}
}

package wav

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
)

// corpusWAVs returns the shared corpus WAV files (skipping when absent).
func corpusWAVs(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.Corpus(t, "audio"), "*.wav"))
	files = append(files, testenv.Corpus(t, "c2pa", "sample1.wav"))
	if len(files) < 4 {
		t.Fatalf("corpus WAV files missing: %q", files)
	}
	return files
}

// withoutSlot returns b without the byte range of the slot and without the
// RIFF size field, which must change with it.
func withoutSlot(b []byte, off, n int64) []byte {
	out := append([]byte(nil), b[:4]...)
	out = append(out, b[8:off]...)
	return append(out, b[off+n:]...)
}

// TestCorpusLabel labels every corpus WAV and checks the result with our
// reader, x/image/riff, ffmpeg and ffprobe: one record, every other byte kept,
// the data chunk's samples unchanged, the content hash stable, and relabeling
// replacing the record.
func TestCorpusLabel(t *testing.T) {
	for _, path := range corpusWAVs(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rec := testRecord("corpus-"+filepath.Base(path), true)
			out, err := Codec{}.Write(in, rec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Codec{}.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Records) != 1 || !bytes.Equal(m.Records[0].Payload, rec.Marshal()) || m.Records[0].Kind != KindChunk {
				t.Fatalf("records after Write: %+v", m.Records)
			}
			s := m.Records[0]
			if !bytes.Equal(withoutSlot(out, s.Offset, s.Length), append(in[:4:4], in[8:]...)) {
				t.Error("bytes outside the AIGC chunk changed")
			}

			// x/image/riff, strict: the chunk is where we say, before data, padded.
			ids, bodies := strictChunks(t, out)
			inIDs, _ := strictChunks(t, in)
			i := slices.Index(ids, "AIGC")
			if i < 0 || !bytes.Equal(bodies[i], rec.Marshal()) || ids[i+1] != "data" {
				t.Fatalf("x/image/riff chunks %q: AIGC not found before data", ids)
			}
			if got := slices.Delete(slices.Clone(ids), i, i+1); !slices.Equal(got, inIDs) {
				t.Errorf("chunk order %q, want %q plus AIGC", ids, inIDs)
			}

			// Samples: our decoder and ffmpeg see the same audio before and after.
			pin, err := DecodePCM(in)
			if err != nil {
				t.Fatal(err)
			}
			pout, err := DecodePCM(out)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(pin.Samples, pout.Samples, slices.Equal) {
				t.Error("DecodePCM samples differ after labeling")
			}
			ff := ffmpegF32(t, in, out)
			fin, fout := ff[0], ff[1]
			if !slices.Equal(fin, fout) {
				t.Errorf("ffmpeg decodes %d samples before labeling, %d after, or values differ", len(fin), len(fout))
			}
			if len(fin) != pin.Frames()*len(pin.Samples) {
				t.Errorf("ffmpeg decodes %d samples, DecodePCM %d×%d", len(fin), pin.Frames(), len(pin.Samples))
			}

			// ffprobe finds the audio right after our chunk: the first packet's
			// file position is the data chunk body.
			pos := run(t, "ffprobe", "-v", "error", "-read_intervals", "%+#1", "-show_entries", "packet=pos", "-of", "csv=p=0", writeTemp(t, "out.wav", out))
			want := s.Offset + s.Length + 8
			if strings.TrimSpace(string(pos)) != itoa64(want) {
				t.Errorf("ffprobe first packet at %s, want %d (data body after the AIGC chunk)", pos, want)
			}

			// Content hash: unchanged by labeling and relabeling.
			h0, err := Codec{}.ContentHash(in)
			if err != nil {
				t.Fatal(err)
			}
			h1, _ := Codec{}.ContentHash(out)
			rec2 := testRecord("relabel-with-a-longer-id-"+filepath.Base(path), false)
			out2, err := Codec{}.Write(out, rec2)
			if err != nil {
				t.Fatal(err)
			}
			h2, _ := Codec{}.ContentHash(out2)
			if h0 != h1 || h1 != h2 {
				t.Errorf("content hash changed: %x %x %x", h0, h1, h2)
			}
			m2, _ := Codec{}.Read(out2)
			if len(m2.Records) != 1 || !bytes.Equal(m2.Records[0].Payload, rec2.Marshal()) || m2.Records[0].Offset != s.Offset {
				t.Errorf("relabel: records %+v", m2.Records)
			}
			strictChunks(t, out2)
		})
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestExiftoolReadsChunk uses exiftool as an independent RIFF reader: with -U
// it shows unknown chunks, and the AIGC chunk's body must be the record.
func TestExiftoolReadsChunk(t *testing.T) {
	in, err := os.ReadFile(testenv.Corpus(t, "audio", "speech_jfk_16k_mono.wav"))
	if err != nil {
		t.Fatal(err)
	}
	rec := testRecord("exiftool", true)
	out, err := Codec{}.Write(in, rec)
	if err != nil {
		t.Fatal(err)
	}
	got := run(t, "exiftool", "-U", "-b", "-RIFF:Unknown_AIGC", writeTemp(t, "x.wav", out))
	// exiftool returns the pad byte of an odd-sized unknown chunk with its body.
	got = bytes.TrimSuffix(got, []byte{0})
	if !bytes.Equal(got, rec.Marshal()) {
		t.Errorf("exiftool Unknown_AIGC = %q, want %q", got, rec.Marshal())
	}
}

// TestGtkitListInfo reads and replaces the two places gtkit/aigc writes: an
// AIGC chunk after data and an AIGC sub-chunk in LIST/INFO.
func TestGtkitListInfo(t *testing.T) {
	old := []byte(`{"AIGC":{"Label":"1","ContentProducer":"old"}}`)
	info := func(subs ...any) []byte {
		b := []byte("INFO")
		for i := 0; i < len(subs); i += 2 {
			b = appendChunk(b, [4]byte([]byte(subs[i].(string))), subs[i+1].([]byte))
		}
		return b
	}
	data := []byte{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		name     string
		in       []byte
		wantIDs  []string
		wantInfo []byte // the LIST body left after Write, or nil when dropped
	}{
		{"shared list", buildWAV("fmt ", fmtPCM(1, 1, 8000, 16), "LIST", info("ISFT", []byte("Lavf\x00"), "AIGC", old, "INAM", []byte("x\x00")), "data", data, "AIGC", old),
			[]string{"fmt ", "LIST", "data", "AIGC"}, info("ISFT", []byte("Lavf\x00"), "INAM", []byte("x\x00"))},
		{"list of its own", buildWAV("fmt ", fmtPCM(1, 1, 8000, 16), "data", data, "AIGC", old, "LIST", info("AIGC", old)),
			[]string{"fmt ", "data", "AIGC"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Codec{}.Read(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, r := range m.Records {
				kinds = append(kinds, r.Kind)
				if !bytes.Equal(r.Payload, old) {
					t.Errorf("payload %q", r.Payload)
				}
				if _, _, err := aigc.Parse(r.Payload); err != nil {
					t.Error(err)
				}
			}
			slices.Sort(kinds)
			if !slices.Equal(kinds, []string{KindChunk, KindListInfo}) {
				t.Errorf("record kinds %q", kinds)
			}
			// ffprobe shows LIST/INFO sub-chunks as format tags (it does not
			// show other chunks): it must see the same record there.
			tags := run(t, "ffprobe", "-v", "error", "-show_entries", "format_tags=AIGC", "-of", "default=nw=1:nk=1", writeTemp(t, "in.wav", tc.in))
			if got := strings.TrimSpace(string(tags)); got != string(old) {
				t.Errorf("ffprobe reads LIST/INFO AIGC as %q", got)
			}
			rec := testRecord("new", true)
			out, err := Codec{}.Write(tc.in, rec)
			if err != nil {
				t.Fatal(err)
			}
			ids, bodies := strictChunks(t, out)
			if !slices.Equal(ids, tc.wantIDs) {
				t.Fatalf("chunks %q, want %q", ids, tc.wantIDs)
			}
			if i := slices.Index(ids, "LIST"); tc.wantInfo != nil && !bytes.Equal(bodies[i], tc.wantInfo) {
				t.Errorf("LIST body %q, want %q", bodies[i], tc.wantInfo)
			}
			if !bytes.Equal(bodies[slices.Index(ids, "AIGC")], rec.Marshal()) {
				t.Error("AIGC chunk not replaced in place")
			}
			m, _ = Codec{}.Read(out)
			if len(m.Records) != 1 {
				t.Errorf("%d records after Write", len(m.Records))
			}
			h0, _ := Codec{}.ContentHash(tc.in)
			h1, _ := Codec{}.ContentHash(out)
			if h0 != h1 {
				t.Error("content hash changed")
			}
		})
	}
}

// TestPaddingAndForeign checks odd-sized chunks (pad bytes kept, a missing
// final pad byte tolerated and added), a C2PA chunk and an XMP chunk kept byte
// for byte, and trailing bytes after the RIFF form kept.
func TestPaddingAndForeign(t *testing.T) {
	c2pa := []byte("\x00\x00\x00\x1fjumbc2pa odd-sized manifest store")
	xmp := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`)
	padded := buildWAV("fmt ", fmtPCM(1, 1, 8000, 8), "_PMX", xmp, "C2PA", c2pa, "data", []byte{128, 129, 130})
	unpadded := padded[:len(padded)-1] // the final pad byte, left out as many writers do
	binary.LittleEndian.PutUint32(unpadded[4:], uint32(len(unpadded)-8))
	junk := append(slices.Clone(padded), "trailing junk"...) // RIFF size excludes the junk
	sizeNoPad := slices.Clone(padded)                        // RIFF size excludes the final pad byte
	binary.LittleEndian.PutUint32(sizeNoPad[4:], uint32(len(padded)-9))

	for _, tc := range []struct {
		name  string
		in    []byte
		strip int    // bytes after the form in the output
		tail  string // expected end of the output
	}{
		{"missing final pad", unpadded, 0, "\x82\x00"},
		{"RIFF size without the pad", sizeNoPad, 0, "\x82\x00"},
		{"trailing junk", junk, len("trailing junk"), "\x82\x00trailing junk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Codec{}.Read(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Foreign) != 1 || m.Foreign[0].Kind != "c2pa" || !bytes.Equal(m.Foreign[0].Data, c2pa) {
				t.Errorf("foreign: %+v", m.Foreign)
			}
			if len(m.XMP) != 1 || !bytes.Equal(m.XMP[0].Payload, xmp) {
				t.Errorf("xmp: %+v", m.XMP)
			}
			out, err := Codec{}.Write(tc.in, testRecord("pad", true))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(out, []byte(tc.tail)) {
				t.Errorf("output ends %q, want %q", out[len(out)-16:], tc.tail)
			}
			ids, bodies := strictChunks(t, out[:len(out)-tc.strip])
			if !slices.Equal(ids, []string{"fmt ", "_PMX", "C2PA", "AIGC", "data"}) {
				t.Errorf("chunks %q", ids)
			}
			if !bytes.Equal(bodies[2], c2pa) {
				t.Error("C2PA chunk changed")
			}
			m, _ = Codec{}.Read(out)
			if !bytes.Equal(m.Foreign[0].Data, c2pa) || m.Foreign[0].Offset != m.Records[0].Offset-int64(len(c2pa))-9 {
				t.Errorf("C2PA chunk moved or changed: %+v", m.Foreign)
			}
			h0, _ := Codec{}.ContentHash(tc.in)
			h1, _ := Codec{}.ContentHash(out)
			if h0 != h1 {
				t.Error("content hash changed")
			}
		})
	}
}

// TestStreamed checks files whose RIFF and data sizes were left as
// placeholders by a streaming writer (ffmpeg and sox writing to a pipe) or
// that were cut inside the data chunk: they are read to the end of the file,
// as ffmpeg does, and labeling writes the right sizes.
func TestStreamed(t *testing.T) {
	sh := testenv.Tool(t, "sh")
	testenv.Tool(t, "ffmpeg")
	testenv.Tool(t, "sox")
	pipe := func(cmd string) []byte {
		out, err := exec.Command(sh, "-c", cmd).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return out
	}
	full := buildWAV("fmt ", fmtPCM(1, 2, 8000, 16), "data", bytes.Repeat([]byte{1, 2, 3, 4}, 100))
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"ffmpeg pipe", pipe("ffmpeg -v error -f lavfi -i sine=d=0.1:sample_rate=8000 -ac 2 -f wav - | cat")},
		{"sox pipe", pipe("sox -D -n -r 8000 -c 1 -b 24 -t wav - synth 0.1 sine 440 | cat")},
		{"RIFF size only", func() []byte { b := slices.Clone(full); binary.LittleEndian.PutUint32(b[4:], 0xFFFFFFFF); return b }()},
		{"cut in data", full[:len(full)-5]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if binary.LittleEndian.Uint32(tc.in[4:]) <= uint32(len(tc.in)-8) {
				t.Fatalf("RIFF size %d fits the file: not a streamed file", binary.LittleEndian.Uint32(tc.in[4:]))
			}
			p, err := DecodePCM(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if ff := ffmpegF32(t, tc.in)[0]; !slices.Equal(ff, interleave(p)) {
				t.Errorf("DecodePCM: %d samples, ffmpeg %d, or values differ", len(interleave(p)), len(ff))
			}
			out, err := Codec{}.Write(tc.in, testRecord("stream", true))
			if err != nil {
				t.Fatal(err)
			}
			ids, _ := strictChunks(t, out)
			if ids[len(ids)-1] != "data" || !slices.Contains(ids, "AIGC") {
				t.Errorf("chunks %q", ids)
			}
			q, err := DecodePCM(out)
			if err != nil || !slices.EqualFunc(p.Samples, q.Samples, slices.Equal) {
				t.Errorf("samples changed by labeling: %v", err)
			}
			h0, _ := Codec{}.ContentHash(tc.in)
			h1, _ := Codec{}.ContentHash(out)
			if h0 != h1 {
				t.Error("content hash changed")
			}
		})
	}
}

// TestMalformed checks that bad input gives a FormatError (or, for RF64, an
// UnsupportedError) from every entry point, never a panic.
func TestMalformed(t *testing.T) {
	good := buildWAV("fmt ", fmtPCM(1, 1, 8000, 16), "data", []byte{1, 2, 3, 4})
	set32 := func(b []byte, off int, v uint32) []byte {
		b = slices.Clone(b)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	rf64 := slices.Clone(good)
	copy(rf64, "RF64")
	for _, tc := range []struct {
		name        string
		in          []byte
		unsupported bool
	}{
		{"empty", nil, false},
		{"short header", good[:11], false},
		{"not RIFF", append([]byte("RIFX"), good[4:]...), false},
		{"not WAVE", append(append([]byte(nil), good[:8]...), append([]byte("AVI "), good[12:]...)...), false},
		{"RIFF size tiny", set32(good, 4, 2), false},
		{"truncated fmt", good[:30], false},
		{"truncated LIST", func() []byte {
			b := buildWAV("fmt ", fmtPCM(1, 1, 8000, 16), "LIST", []byte("INFOabcdefgh"))
			return b[:len(b)-2]
		}(), false},
		{"chunk size huge", set32(good, 16, 0xFFFFFFF0), false},
		{"chunk size past form", set32(good, 40, 5), false},
		{"stray bytes", func() []byte { b := append(slices.Clone(good), 1, 2, 3); return set32(b, 4, uint32(len(b)-8)) }(), false},
		{"RF64", rf64, true},
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
			_, err = Codec{}.Write(tc.in, testRecord("x", true))
			check("Write", err)
			_, err = Codec{}.ContentHash(tc.in)
			check("ContentHash", err)
			_, err = DecodePCM(tc.in)
			check("DecodePCM", err)
		})
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/format"
)

func init() {
	commands["label"] = command{summary: "write the AIGC record (and explicit label, watermark, seal) into files", run: cmdLabel}
}

// labelFlagHelp documents the shared option flags of label (names from labeler).
var labelFlagHelp = map[string]string{
	labeler.OptProducer:     "ContentProducer: your 27-character TC260 provider `code` (required)",
	labeler.OptProduceID:    "ProduceID for the content (default: a generated ULID, 26 characters)",
	labeler.OptLabel:        "Label value: 1 AI-generated (default), 2 possibly, 3 suspected",
	labeler.OptFillProp:     "also write ContentPropagator/PropagateID equal to the producer's (Annex E note 1 reading)",
	labeler.OptExplicit:     "add the explicit label people see or hear",
	labeler.OptExplicitText: "explicit label wording (default AI生成); implies --explicit",
	labeler.OptPosition:     "image/text: where the explicit label goes (e.g. bottom-right)",
	labeler.OptSize:         "image: explicit label glyph height in % of the shorter side (default 6, minimum 5)",
	labeler.OptPrompt:       "audio: prompt kind, rhythm|voice|both",
	labeler.OptAt:           "audio: prompt placement, start|end|both|every:N",
	labeler.OptInsert:       "audio: insert the prompt instead of mixing it in",
	labeler.OptStyle:        "text: wording style of the explicit label",
	labeler.OptQuality:      "JPEG quality when pixels are re-encoded (default 92)",
	labeler.OptWatermark:    "embed the invisible watermark",
}

var labelBoolFlags = map[string]bool{labeler.OptExplicit: true, labeler.OptInsert: true, labeler.OptWatermark: true, labeler.OptFillProp: true}

func cmdLabel(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("label", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output `path` (a folder when the input is a folder)")
	asJSON := fs.Bool("json", false, "print the detect report of each output as JSON")
	jobs := fs.Int("j", runtime.NumCPU(), "files labeled in parallel (folders)")
	opts := optionFlags(fs, labelFlagHelp, labelBoolFlags)
	extra := labelExtraFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aigclabel label IN -o OUT --producer CODE [flags]\n       aigclabel label DIR -o OUTDIR --producer CODE [flags]\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return 2
	}
	o, err := labeler.OptionsFromValues(opts())
	if err == nil {
		err = extra(&o)
	}
	if err == nil && o.Producer == "" {
		err = errors.New("--producer is required")
	}
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel label: %v\n", err)
		return 2
	}
	in := pos[0]
	st, err := os.Stat(in)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel label: %v\n", err)
		return 1
	}
	if st.IsDir() {
		return labelDir(in, *out, o, *jobs, *asJSON, stdout, stderr)
	}
	if ost, err := os.Stat(*out); err == nil && ost.IsDir() {
		*out = filepath.Join(*out, filepath.Base(in))
	}
	rep, err := labelFile(in, *out, o, nil)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel label: %s: %v\n", in, err)
		return 1
	}
	if *asJSON {
		printJSON(stdout, rep)
	} else {
		fmt.Fprintf(stdout, "%s -> %s: %s, ProduceID %s, %s\n", in, *out, rep.Format, rep.Written.ProduceID, strings.Join(rep.Steps, "+"))
		for _, n := range rep.Notes {
			fmt.Fprintf(stderr, "note: %s\n", n)
		}
	}
	return 0
}

// labelFile labels one file and returns the detect report of the output.
// With buf set (one per folder-mode worker) the output is written into *buf,
// reused from file to file, so a batch makes no file-sized allocation per
// output; *buf then holds the last output.
func labelFile(in, out string, o labeler.Options, buf *[]byte) (detect.LabelReport, error) {
	data, err := readInput(in)
	if err != nil {
		return detect.LabelReport{}, err
	}
	var dst []byte
	if buf != nil {
		dst = (*buf)[:0]
	}
	res, err := labeler.AppendLabel(background, dst, data, o)
	if err != nil {
		return detect.LabelReport{}, err
	}
	if buf != nil {
		*buf = res.Output
	}
	rep, err := detect.Inspect(background, res.Output, detectOptions(o))
	if err != nil {
		return detect.LabelReport{}, fmt.Errorf("checking the output: %w", err)
	}
	if err := writeFileAtomic(out, res.Output, 0o644); err != nil {
		return detect.LabelReport{}, err
	}
	// The report outlives *buf, which the next file overwrites: drop its
	// views into the output (raw C2PA bytes, never printed).
	for i := range rep.Foreign {
		rep.Foreign[i].Data = nil
	}
	lr := detect.NewLabelReport(rep, res, out)
	if in := format.Sniff(data); in != res.Format {
		lr.Notes = append(lr.Notes, fmt.Sprintf("%s input written as %s (no pure-Go %s encoder); name the output accordingly", in, res.Format, in))
	}
	return lr, nil
}

// labelDir labels every supported file below dir into outDir (same relative
// paths), jobs at a time. A failing file is reported and skipped.
func labelDir(dir, outDir string, o labeler.Options, jobs int, asJSON bool, stdout, stderr io.Writer) int {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && supportedName(p, o.Explicit != nil || o.Watermark != nil) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel label: %v\n", err)
		return 1
	}
	sort.Strings(files)
	if jobs < 1 {
		jobs = 1
	}
	type result struct {
		in  string
		rep detect.LabelReport
		err error
	}
	results := make([]result, len(files))
	var done atomic.Int64
	bar := newProgress(stderr, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range next {
				rel, _ := filepath.Rel(dir, files[i])
				dst := filepath.Join(outDir, rel)
				err := os.MkdirAll(filepath.Dir(dst), 0o755)
				var rep detect.LabelReport
				if err == nil {
					rep, err = labelFile(files[i], dst, o, &buf)
				}
				results[i] = result{files[i], rep, err}
				bar.set(int(done.Add(1)))
			}
		}()
	}
	start := time.Now()
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	bar.finish()
	failed := 0
	var reports []detect.LabelReport
	for _, r := range results {
		if r.err != nil {
			failed++
			fmt.Fprintf(stderr, "aigclabel label: %s: %v\n", r.in, r.err)
			continue
		}
		reports = append(reports, r.rep)
	}
	if asJSON {
		printJSON(stdout, reports)
	}
	fmt.Fprintf(stderr, "labeled %d of %s in %s; %d failed\n", len(files)-failed, plural(len(files), "file"), time.Since(start).Round(time.Millisecond), failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// supportedName picks the files a folder run labels, by extension: the
// content decides the format, but folders hold other files too. Plain text
// has no metadata slot, so .txt files count only when the content is labeled.
func supportedName(p string, content bool) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".jpg", ".jpeg", ".png", ".webp", ".wav", ".mp3", ".html", ".htm", ".md", ".markdown":
		return true
	case ".txt":
		return content
	}
	return false
}

// progress draws a one-line progress bar on a terminal and nothing elsewhere.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	on    bool
}

func newProgress(w io.Writer, total int) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, total: total, on: ok && isTerminal(f) && total > 1}
}

func (p *progress) set(n int) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 30
	fill := width * n / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", fill), strings.Repeat(".", width-fill), n, p.total)
}

func (p *progress) finish() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}

// labelExtraFlags registers the flags that load key material from files
// (watermark key, seal key) and returns the function that applies them.
func labelExtraFlags(fs *flag.FlagSet) func(*labeler.Options) error {
	wmKey := fs.String("wm-key", "", "watermark key `file` (default: the development key, for tests only); implies --watermark")
	sealKey := fs.String("key", "", "seal the record into ReservedCode1 with this private key `file` (aigclabel keygen)")
	keyID := fs.String("key-id", "", "key ID named in the seal (default: derived from the public key)")
	return func(o *labeler.Options) error {
		if *sealKey != "" {
			s, err := loadSealer(*sealKey, *keyID)
			if err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			o.Seal = &labeler.SealOptions{Signer: s}
		}
		if *wmKey != "" {
			key, err := os.ReadFile(*wmKey)
			if err != nil {
				return fmt.Errorf("--wm-key: %w", err)
			}
			if o.Watermark == nil {
				o.Watermark = &labeler.WatermarkOptions{}
			}
			o.Watermark.Key = key
		}
		return nil
	}
}

// detectOptions carries the key material of a labeling run over to the check
// of its output.
// The content checks (decoding pixels or samples) run only when the labeling
// changed the content; a metadata-only run checks the metadata.
func detectOptions(o labeler.Options) detect.Options {
	return detect.Options{MetadataOnly: o.Explicit == nil && o.Watermark == nil}
}

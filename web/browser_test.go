package web_test

// The browser test: `aigclabel serve` (built here, run as a subprocess) serves
// the page to Debian's headless Chromium, driven through the UI as a person
// would: pick files, set options, label, download, check a file. The downloads
// are then checked with the native detector.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/wasm/api"
	"github.com/aigclabel/aigclabel/web"
)

const (
	testProducer  = "00ABCDEFGHJKMNPQRSTVWXYZ012"
	testProduceID = "01JBROWSER00000000000TEST"
)

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := testenv.Tool(t, "chromium")
	image := testenv.Corpus(t, "images", "kodim23.png")
	audio := testenv.Corpus(t, "audio", "music_c2pa_mp3src_44k_stereo_30s.wav")
	root := testenv.Root(t)
	out := testenv.OutDir(t)
	ensureModule(t, root)
	base, stopServer := startServer(t, root)

	explicit := supports(t, image, labeler.Options{Explicit: &labeler.ExplicitOptions{}}) &&
		supports(t, audio, labeler.Options{Explicit: &labeler.ExplicitOptions{}})
	wmImage := supports(t, image, labeler.Options{Watermark: &labeler.WatermarkOptions{}})
	// The page labels the audio with the explicit prompt and the watermark
	// together; probe that combination (a short speech clip under a mixed-in
	// prompt may be too weak to carry the mark, which the core then refuses).
	wmAudio := supports(t, audio, labeler.Options{Explicit: &labeler.ExplicitOptions{}, Watermark: &labeler.WatermarkOptions{}})
	checkSameJSONAsCLI(t, image)
	t.Logf("labeler supports: explicit labels %v, image watermark %v, audio watermark %v", explicit, wmImage, wmAudio)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 8*time.Minute)
	defer cancelT()

	downloads := filepath.Join(t.TempDir(), "downloads")
	os.MkdirAll(downloads, 0o755)
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(out, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// Load the page in Chinese (set explicitly, so the run does not depend on
	// the locale) and wait for the module.
	do(t, ctx, "load the page",
		chromedp.Navigate(base+"/"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("aigclabel.lang","zh")`),
		chromedp.Reload(),
		chromedp.WaitVisible(css(`#engine[data-state="ready"]`)),
	)
	// The service worker has cached the page and the module once it is active.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.serviceWorker.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("service worker: %v", err)
	}
	yes := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &yes}); err != nil {
		t.Fatalf("download behaviour: %v", err)
	}
	screenshot("01-empty-desktop-zh.png")

	// Options, then the files, one at a time with the live preview off, so
	// the watermark can be on for the image and off for the audio while the
	// core has no audio watermark.
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Click(css(`details.more summary`)),
		chromedp.Click(css(`#o-live`)),
		chromedp.SendKeys(css(`#o-producer`), testProducer),
		chromedp.SendKeys(css(`#o-produce-id`), testProduceID),
	}
	if explicit {
		steps = append(steps, chromedp.Click(css(`#o-explicit`)), chromedp.WaitVisible(css(`#o-position`)),
			chromedp.SetValue(css(`#o-position`), "top-left"))
	}
	if wmImage {
		steps = append(steps, chromedp.Click(css(`#o-watermark`)))
	}
	steps = append(steps, chromedp.SetUploadFiles(css(`#files-label`), []string{image}))
	do(t, ctx, "pick the image and label it", steps...)
	waitResults(t, ctx, 1)
	steps = nil
	if wmImage != wmAudio {
		steps = append(steps, chromedp.Click(css(`#o-watermark`)))
	}
	steps = append(steps, chromedp.SetUploadFiles(css(`#files-label`), []string{audio}))
	do(t, ctx, "pick the audio and label it", steps...)
	waitResults(t, ctx, 2)
	screenshot("02-labeled-desktop-zh.png")

	// Download each result and the zip.
	do(t, ctx, "download",
		chromedp.Click(css(`#results li:nth-child(1) a[download]`)),
		chromedp.Click(css(`#results li:nth-child(2) a[download]`)),
		chromedp.WaitVisible(css(`#zip`)),
		chromedp.Click(css(`#zip`)),
	)
	names := []string{"kodim23-aigc.png", "music_c2pa_mp3src_44k_stereo_30s-aigc.wav", "aigclabel.zip"}
	files := waitDownloads(t, downloads, names)

	for i, name := range names[:2] {
		rep := inspect(t, files[name])
		wantID := testProduceID // the page numbers the second and later files: ID-2, ...
		if i > 0 {
			wantID = fmt.Sprintf("%s-%d", testProduceID, i+1)
		}
		if rep.Verdict != detect.Confirmed || rep.AIGC == nil || rep.AIGC.ProduceID != wantID || rep.AIGC.ContentProducer != testProducer {
			t.Errorf("%s: verdict %q, record %+v; want confirmed with ProduceID %s", name, rep.Verdict, rep.AIGC, wantID)
		}
		checkFinding(t, name, rep, "explicit", explicit)
		checkFinding(t, name, rep, "watermark", []bool{wmImage, wmAudio}[i])
	}
	zr, err := zip.NewReader(bytes.NewReader(files["aigclabel.zip"]), int64(len(files["aigclabel.zip"])))
	if err != nil {
		t.Fatalf("the zip does not open: %v", err)
	}
	if len(zr.File) != 2 {
		t.Errorf("zip holds %d files, want 2", len(zr.File))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc) // checks the CRC-32 too
		if err != nil {
			t.Errorf("zip entry %s: %v", f.Name, err)
		}
		if want, ok := files[f.Name]; !ok || !bytes.Equal(b, want) {
			t.Errorf("zip entry %s differs from the single download", f.Name)
		}
	}

	// The check panel, on the labeled image, in English.
	do(t, ctx, "check a file",
		chromedp.Click(css(`#lang`)),
		chromedp.Click(css(`#tab-check`)),
		chromedp.SetUploadFiles(css(`#files-check`), []string{filepath.Join(downloads, names[0])}),
		chromedp.WaitVisible(css(`#check-out .verdict-banner`)),
	)
	verdict, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`#check-out .verdict-banner`), "data-verdict"))
	if err != nil {
		t.Fatal(err)
	}
	banner, err := chromedp.Run(ctx, chromedp.Text(css(`#check-out .verdict-banner`)))
	if err != nil {
		t.Fatal(err)
	}
	if verdict.Value != detect.Confirmed || !strings.Contains(banner, "Confirmed") {
		t.Errorf("check panel shows verdict %q %q, want confirmed", verdict.Value, banner)
	}
	record, err := chromedp.Run(ctx, chromedp.Text(css(`#check-out table.record`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(record, testProduceID) {
		t.Errorf("check panel record does not show the ProduceID: %q", record)
	}
	// The registry lookup: browser labeling registers nothing, so the server
	// answers that it has no such record.
	do(t, ctx, "registry lookup",
		chromedp.Click(css(`#check-out .registry button`)),
		chromedp.WaitVisible(css(`#check-out .registry-result`)),
	)
	lookup, err := chromedp.Run(ctx, chromedp.Text(css(`#check-out .registry-result`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lookup, "no such record") {
		t.Errorf("registry lookup shows %q, want the server's not-found answer", lookup)
	}
	screenshot("03-check-desktop-en.png")

	// Phone width.
	do(t, ctx, "phone width",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Click(css(`#tab-label`)),
		chromedp.Sleep(300*time.Millisecond),
	)
	screenshot("04-labeled-phone-en.png")
	do(t, ctx, "phone check", chromedp.Click(css(`#tab-check`)), chromedp.Sleep(300*time.Millisecond))
	screenshot("05-check-phone-en.png")

	// Offline: with the server gone, the page and the module come from the
	// service worker's cache, and labeling pasted text still works.
	stopServer()
	do(t, ctx, "reload offline",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Reload(),
		chromedp.WaitVisible(css(`#engine[data-state="ready"]`)),
		chromedp.SendKeys(css(`#o-producer`), testProducer),
		chromedp.Click(css(`#o-explicit`)), // plain text has no metadata slot
		chromedp.Click(css(`.paste summary`)),
		chromedp.SendKeys(css(`#paste-text`), "这段文字由模型写成。This text was written by a model.\n"),
		chromedp.Click(css(`#paste-add`)),
	)
	waitResults(t, ctx, 1)
	text, err := chromedp.Run(ctx, chromedp.Text(css(`#results li .preview pre`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "AI生成") || !strings.Contains(text, "这段文字由模型写成") {
		t.Errorf("offline text labeling shows %q", text)
	}
	screenshot("06-offline-text-en.png")
	t.Logf("screenshots in %s", out)
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitResults waits until n results are labeled, failing with the page's
// own message when one fails.
func waitResults(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	// Generous: a loaded CI machine can be ten times slower than an idle one.
	deadline := time.Now().Add(5 * time.Minute)
	var states []string
	for time.Now().Before(deadline) {
		var err error
		states, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#results li")].map(li => li.dataset.state + "|" + li.querySelector(".status").textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, s := range states {
			state, msg, _ := strings.Cut(s, "|")
			switch state {
			case "done":
				done++
			case "error":
				t.Fatalf("labeling failed in the page: %s", msg)
			}
		}
		if done == n && len(states) == n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("results not done within 5 minutes: %q", states)
}

func waitDownloads(t *testing.T, dir string, names []string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < len(names) && time.Now().Before(deadline) {
		for _, n := range names {
			if got[n] != nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, n+".crdownload")); err == nil {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, n)); err == nil && len(b) > 0 {
				got[n] = b
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(got) < len(names) {
		entries, _ := os.ReadDir(dir)
		var have []string
		for _, e := range entries {
			have = append(have, e.Name())
		}
		t.Fatalf("downloads: got %v, want %v", have, names)
	}
	return got
}

// supports probes the core: does it label this file with these options now?
func supports(t *testing.T, path string, o labeler.Options) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o.Producer, o.ProduceID = testProducer, testProduceID
	_, err = labeler.Label(context.Background(), b, o)
	return err == nil
}

func inspect(t *testing.T, b []byte) detect.Report {
	t.Helper()
	rep, err := detect.Inspect(context.Background(), b, detect.Options{})
	if err != nil {
		t.Fatalf("native detect: %v", err)
	}
	return rep
}

// checkFinding asserts a detect finding ("explicit", "watermark") through the
// report's JSON, so the test compiles before those fields exist: when the
// labeler applied the feature, the report must say it was found.
func checkFinding(t *testing.T, name string, rep detect.Report, key string, applied bool) {
	t.Helper()
	if !applied {
		return
	}
	js, _ := json.Marshal(rep)
	var m map[string]any
	json.Unmarshal(js, &m)
	v, ok := m[key]
	if !ok {
		t.Logf("%s: detect does not report %q yet", name, key)
		return
	}
	if obj, isObj := v.(map[string]any); v == nil || (isObj && obj["found"] == false) {
		t.Errorf("%s: %s applied in the browser but native detect reports %v", name, key, v)
	}
}

// ensureModule makes sure web/static holds a browser module built from the
// current source (make test builds it first; a bare go test may not have).
func ensureModule(t *testing.T, root string) {
	t.Helper()
	wasm := filepath.Join(root, "web", "static", "aigclabel.wasm")
	st, err := os.Stat(wasm)
	if err == nil && !newerSource(root, st.ModTime()) {
		return
	}
	t.Log("web/static/aigclabel.wasm missing or older than the source: running make wasm")
	cmd := exec.Command("make", "wasm")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make wasm: %v\n%s", err, b)
	}
}

// newerSource reports whether a non-test Go file, go.mod or go.sum changed
// after t.
func newerSource(root string, t time.Time) bool {
	newer := false
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || newer {
			return filepath.SkipAll
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "testout" || n == "bench") {
				return filepath.SkipDir
			}
			return nil
		}
		n := d.Name()
		if (strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go")) || n == "go.mod" || n == "go.sum" {
			if info, err := d.Info(); err == nil && info.ModTime().After(t) {
				newer = true
			}
		}
		return nil
	})
	return newer
}

// aigclabelBin is the binary startServer built.
var aigclabelBin string

// checkSameJSONAsCLI is part of the browser test's promise: the page's label
// report is what `aigclabel label --json` prints, without the output path.
func checkSameJSONAsCLI(t *testing.T, image string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.png")
	cmd := exec.Command(aigclabelBin, "label", image, "-o", out, "--json", "--producer", testProducer, "--produce-id", testProduceID)
	cliJSON, err := cmd.Output()
	if err != nil {
		t.Fatalf("aigclabel label --json: %v", err)
	}
	in, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	_, apiJSON, err := api.Label(context.Background(), in, url.Values{"producer": {testProducer}, "produce-id": {testProduceID}}, api.Env{})
	if err != nil {
		t.Fatal(err)
	}
	var fromCLI, fromAPI map[string]any
	if err := json.Unmarshal(cliJSON, &fromCLI); err != nil {
		t.Fatalf("CLI JSON: %v\n%s", err, cliJSON)
	}
	json.Unmarshal(apiJSON, &fromAPI)
	delete(fromCLI, "output")
	if !reflect.DeepEqual(fromCLI, fromAPI) {
		t.Errorf("the browser's label JSON differs from the CLI's:\nCLI: %s\nAPI: %s", cliJSON, apiJSON)
	}
}

// startServer builds aigclabel and runs `aigclabel serve` on a free loopback
// port with a fresh database, returning its base URL and a func that stops it.
func startServer(t *testing.T, root string) (string, func()) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "aigclabel")
	aigclabelBin = bin
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building aigclabel: %v\n%s", err, b)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", filepath.Join(dir, "registry.db"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("aigclabel serve output:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			if strings.Contains(logs.String(), `unknown command "serve"`) {
				// Until the server lands: the same handler, in process,
				// over the files on disk.
				t.Log("aigclabel has no serve command yet: serving web.NewHandler(web/static) in process")
				srv := httptest.NewServer(web.NewHandler(os.DirFS(filepath.Join(root, "web", "static"))))
				t.Cleanup(srv.Close)
				return srv.URL, srv.Close
			}
			t.Fatalf("aigclabel serve exited: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(base + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, func() { cmd.Process.Kill() }
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("aigclabel serve did not answer on %s within 30 s\n%s", addr, logs.String())
	return "", nil
}

// Command wasm measures the browser build: labeling the 3.4 MP corpus image
// in headless Chromium (the page's own worker and WASM module) against the
// native core, with the same options in the same run, and the module's sizes
// as served (raw, gzip, brotli) and gzip -9. Run it with `make bench-wasm`,
// which builds the module first; it prints the "## WASM" section of
// bench/RESULTS.md.
//
//	go run ./bench/wasm [-runs 5] [-image PATH] [-chromium /usr/bin/chromium]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aigclabel/aigclabel/wasm/api"
	"github.com/aigclabel/aigclabel/web"
)

const (
	producer  = "00ABCDEFGHJKMNPQRSTVWXYZ012"
	produceID = "01JBENCHWASM00000000000000"
)

func main() {
	runs := flag.Int("runs", 5, "timed runs per target (after one warm-up)")
	corpus := os.Getenv("AIGCLABEL_CORPUS")
	if corpus == "" {
		corpus = "../shared/corpus"
	}
	image := flag.String("image", filepath.Join(corpus, "images", "icinfo_flower_foveon.png"), "image to label")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium binary")
	static := flag.String("static", "web/static", "folder with the page and the built module")
	flag.Parse()
	log.SetFlags(0)

	in, err := os.ReadFile(*image)
	if err != nil {
		log.Fatal(err)
	}
	sizes, err := moduleSizes(*static)
	if err != nil {
		log.Fatalf("%v (run make wasm first)", err)
	}
	ctx := context.Background()
	opts, what := options(ctx, in)

	// Native: the same api layer the WASM entries use.
	var native []time.Duration
	for i := 0; i <= *runs; i++ {
		start := time.Now()
		if _, _, err := api.Label(ctx, in, opts, api.Env{}); err != nil {
			log.Fatalf("native label: %v", err)
		}
		if i > 0 {
			native = append(native, time.Since(start))
		}
	}

	browser, err := inBrowser(*chromium, *static, in, opts, *runs)
	if err != nil {
		log.Fatalf("browser: %v", err)
	}

	nm, bm := median(native), median(browser)
	fmt.Printf("## WASM\n\n")
	fmt.Printf("Measured by `make bench-wasm` (bench/wasm) on %s, %d CPUs, %s; %d timed runs after a warm-up, medians.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version(), *runs)
	fmt.Printf("Labeling %s (%d bytes) with %s:\n\n", filepath.Base(*image), len(in), what)
	fmt.Printf("| target | median | runs |\n|---|---|---|\n")
	fmt.Printf("| native (amd64, in process) | %s | %s |\n", ms(nm), list(native))
	fmt.Printf("| headless Chromium, WASM in the page's worker (round trip from the page) | %s | %s |\n", ms(bm), list(browser))
	fmt.Printf("\n**Ratio WASM / native: %.2fx** (target: at most 2.5x).\n\n", float64(bm)/float64(nm))
	fmt.Printf("Browser module `web/static/aigclabel.wasm` (GOOS=js, `-trimpath -gcflags=all=-l -ldflags=\"-s -w\"`, see `make wasm`):\n\n")
	fmt.Printf("| form | bytes | MiB |\n|---|---|---|\n")
	for _, s := range sizes {
		fmt.Printf("| %s | %d | %.2f |\n", s.name, s.n, float64(s.n)/(1<<20))
	}
	fmt.Printf("\nTarget: at most 2 MB gzip. wasm_exec.js adds %d bytes (raw).\n", sizes[len(sizes)-1].n)
}

// options are the richest options the core supports for this image now:
// explicit label and watermark when available, else metadata only.
func options(ctx context.Context, in []byte) (url.Values, string) {
	base := url.Values{"producer": {producer}, "produce-id": {produceID}}
	try := func(extra map[string]string) (url.Values, bool) {
		v := url.Values{}
		for k, s := range base {
			v[k] = s
		}
		for k, s := range extra {
			v.Set(k, s)
		}
		_, _, err := api.Label(ctx, in, v, api.Env{})
		return v, err == nil
	}
	if v, ok := try(map[string]string{"explicit": "true", "watermark": "true"}); ok {
		return v, "the explicit label, the watermark and the metadata record"
	}
	if v, ok := try(map[string]string{"explicit": "true"}); ok {
		return v, "the explicit label and the metadata record (watermark not available yet)"
	}
	if v, ok := try(map[string]string{"watermark": "true"}); ok {
		return v, "the watermark and the metadata record (explicit label not available yet)"
	}
	return base, "the metadata record only (explicit label and watermark not available yet)"
}

type size struct {
	name string
	n    int64
}

func moduleSizes(dir string) ([]size, error) {
	var out []size
	for _, f := range []struct{ name, file string }{
		{"raw", "aigclabel.wasm"}, {"gzip as served (zopfli when installed, else gzip -9)", "aigclabel.wasm.gz"},
		{"brotli -q 11 as served", "aigclabel.wasm.br"}, {"wasm_exec.js", "wasm_exec.js"},
	} {
		st, err := os.Stat(filepath.Join(dir, f.file))
		if err != nil {
			return nil, err
		}
		out = append(out, size{f.name, st.Size()})
	}
	// gzip -9 of the same module, the usual yardstick, whatever is served.
	if gz, err := exec.Command("gzip", "-9", "-c", filepath.Join(dir, "aigclabel.wasm")).Output(); err == nil {
		out = append(out[:2], append([]size{{"gzip -9", int64(len(gz))}}, out[2:]...)...)
	}
	return out, nil
}

// inBrowser serves the page and the image, opens the page in headless
// Chromium, and times label() through a worker built from the page's own
// worker.js, from the page's thread: postMessage of the bytes, the Go call,
// and the transfer of the output back.
func inBrowser(chromium, static string, in []byte, opts url.Values, runs int) ([]time.Duration, error) {
	mux := http.NewServeMux()
	mux.Handle("/", web.NewHandler(os.DirFS(static)))
	mux.HandleFunc("/bench/input", func(w http.ResponseWriter, r *http.Request) { w.Write(in) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "aigclabel-bench-wasm")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	aopts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), aopts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#engine[data-state="ready"]`))); err != nil {
		return nil, err
	}
	jsOpts := "{"
	for k, v := range opts {
		jsOpts += fmt.Sprintf("%q: %q,", k, v[0])
	}
	jsOpts += "}"
	script := `(async () => {
  const input = new Uint8Array(await (await fetch("/bench/input")).arrayBuffer());
  const w = new Worker("worker.js");
  await new Promise((ok, fail) => { w.onmessage = (e) => e.data.ready ? ok() : fail(new Error(e.data.error)); });
  const call = (id) => new Promise((ok, fail) => {
    w.onmessage = (e) => { if (e.data.id !== id || e.data.progress) return; e.data.error ? fail(new Error(e.data.error)) : ok(e.data.result); };
    const buf = input.slice().buffer;
    w.postMessage({ id, op: "label", bytes: buf, options: ` + jsOpts + ` }, [buf]);
  });
  const times = [];
  for (let i = 0; i <= ` + fmt.Sprint(runs) + `; i++) {
    const t0 = performance.now();
    await call(i + 1);
    if (i > 0) times.push(performance.now() - t0);
  }
  w.terminate();
  return times;
})()`
	tctx, cancelT := context.WithTimeout(ctx, 10*time.Minute)
	defer cancelT()
	msTimes, err := chromedp.Run(tctx, chromedp.Evaluate[[]float64](script, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for _, m := range msTimes {
		out = append(out, time.Duration(m*float64(time.Millisecond)))
	}
	return out, nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func list(d []time.Duration) string {
	var parts []string
	for _, x := range d {
		parts = append(parts, fmt.Sprintf("%.0f", float64(x)/float64(time.Millisecond)))
	}
	return strings.Join(parts, ", ") + " ms"
}

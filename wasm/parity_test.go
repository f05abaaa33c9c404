package wasm_test

// The parity guarantee: the browser module (GOOS=js, run under Node through its
// JS API) and the WASI module (GOOS=wasip1, run under wazero) give the same
// output bytes, the same JSON report and the same error messages as the native
// build, on every file in the module's testdata folders and in the shared
// corpus.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/aigclabel/aigclabel/internal/testenv"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/wasm/api"
)

const (
	producer  = "00ABCDEFGHJKMNPQRSTVWXYZ012" // a well-formed 27-character provider code
	produceID = "01JPARITY0000000000000TEST"
)

// job is one operation on one input, run on every target.
type job struct {
	Name    string            `json:"-"`
	Op      string            `json:"op"`
	Input   string            `json:"input"`
	Options map[string]string `json:"options"`
	Output  string            `json:"output"`
	Report  string            `json:"report"`
	Error   string            `json:"error"`
}

// result is what one target produced for a job.
type result struct {
	out, report []byte
	err         string
}

func (r result) String() string {
	if r.err != "" {
		return "error: " + r.err
	}
	return fmt.Sprintf("%d output bytes, report %.300s", len(r.out), r.report)
}

// Option sets. Metadata-only operations run on every input; the content
// operations (explicit label, watermark, and detect's pixel and sample
// checks) decode and re-encode, so they run on small inputs only, to keep the
// test within its time budget on two cores.
var (
	metadataOnly  = map[string]string{"producer": producer, "produce-id": produceID}
	detectMeta    = map[string]string{"metadata-only": "true"}
	propagateOpts = map[string]string{"propagator": producer, "propagate-id": "01JPARITYPROPAGATE00000000", "no-explicit": "true", "metadata-only": "true"}
	withContent   = map[string]string{"producer": producer, "produce-id": produceID,
		"explicit": "true", "explicit-text": "AI生成", "position": "bottom-right", "size": "6",
		"prompt": "rhythm", "at": "start", "watermark": "true", "quality": "90"}
	// contentInputs names the corpus files that also get the content
	// operations: one small file per kind of content they handle.
	contentInputs = map[string]bool{
		"images/kodim23.png": true, "c2pa/C.jpg": true, "c2pa/sample1.webp": true,
		"audio/speech_jfk_16k_mono.wav": true, "text/mixed_tbw_example.txt": true,
	}
)

// maxContentVector is the largest testdata file that gets the content
// operations.
const maxContentVector = 64 << 10

func TestParity(t *testing.T) {
	if !aigc.IsProviderCode(producer) {
		t.Fatalf("test producer %q is not a well-formed provider code", producer)
	}
	mods := buildModules(t)
	jobs := collectJobs(t)
	if len(jobs) == 0 {
		t.Fatal("no inputs found")
	}
	ctx := context.Background()

	native := make([]result, len(jobs))
	start := time.Now()
	took := make([]time.Duration, len(jobs))
	for i, j := range jobs {
		s := time.Now()
		native[i] = runNative(ctx, t, j)
		took[i] = time.Since(s)
	}
	t.Logf("native: %d jobs in %v", len(jobs), time.Since(start).Round(time.Millisecond))
	slow := make([]int, len(jobs))
	for i := range slow {
		slow[i] = i
	}
	sort.Slice(slow, func(a, b int) bool { return took[slow[a]] > took[slow[b]] })
	for _, i := range slow[:min(5, len(slow))] {
		t.Logf("  slowest natively: %v %s", took[i].Round(time.Millisecond), jobs[i].Name)
	}

	var wg sync.WaitGroup
	var jsErr error
	var jsTime time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		jsErr = runNode(mods, jobs)
		jsTime = time.Since(start)
	}()
	start = time.Now()
	wasi := runWazero(ctx, t, mods.wasi, jobs)
	t.Logf("wasip1 under wazero: %v", time.Since(start).Round(time.Millisecond))
	wg.Wait()
	t.Logf("js/wasm under Node: %v", jsTime.Round(time.Millisecond))
	if jsErr != nil {
		t.Fatalf("js/wasm under Node: %v", jsErr)
	}

	labeled := 0
	for i, j := range jobs {
		t.Run(j.Name, func(t *testing.T) {
			n := native[i]
			if n.err == "" && j.Op != "detect" {
				labeled++
			}
			w := wasi[i]
			if n.err != w.err || !bytes.Equal(n.out, w.out) || !bytes.Equal(n.report, w.report) {
				t.Errorf("wasip1 differs from native:\nnative: %v\nwasip1: %v", n, w)
			}
			js := readJS(j)
			if n.err != js.err || !bytes.Equal(n.out, js.out) || !sameJSON(n.report, js.report) {
				t.Errorf("js/wasm differs from native:\nnative: %v\njs:     %v", n, js)
			}
		})
	}
	t.Logf("%d jobs (%d successful labelings or propagations) identical on native, wasip1 and js/wasm", len(jobs), labeled)
}

// modules are the two WASM builds of this checkout.
type modules struct {
	dir, js, wasi, wasmExec string
}

// buildModules builds both modules from the current source, in parallel, into
// a temporary folder: the test never trusts a stale build.
func buildModules(t *testing.T) modules {
	t.Helper()
	root := testenv.Root(t)
	dir := t.TempDir()
	m := modules{dir: dir, js: filepath.Join(dir, "js.wasm"), wasi: filepath.Join(dir, "wasi.wasm")}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	m.wasmExec = filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	// The flags of `make wasm` and `make wasi`: the browser module is built
	// without inlining, to keep it under 2 MB gzip.
	for i, b := range []struct {
		goos, out, pkg string
		flags          []string
	}{{"js", m.js, "./wasm/js", []string{"-gcflags=all=-l"}}, {"wasip1", m.wasi, "./wasm/wasi", nil}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"build", "-trimpath", "-ldflags=-s -w"}, b.flags...)
			cmd := exec.Command("go", append(args, "-o", b.out, b.pkg)...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+b.goos, "GOARCH=wasm")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("GOOS=%s go build %s: %v\n%s", b.goos, b.pkg, err, out)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return m
}

// collectJobs lists every file in the module's testdata folders (fuzz corpora
// excluded) and in the shared corpus, with detect and label jobs for each.
func collectJobs(t *testing.T) []job {
	t.Helper()
	root := testenv.Root(t)
	out := t.TempDir()
	var inputs []string
	seen := map[string]bool{}
	add := func(name, path string) {
		b, err := os.ReadFile(path)
		if err != nil || len(b) > 8<<20 || seen[string(b)] {
			return
		}
		seen[string(b)] = true
		inputs = append(inputs, name+"\x00"+path)
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "fuzz" || d.Name() == "static") && p != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		if !d.IsDir() && strings.Contains("/"+filepath.ToSlash(rel), "/testdata/") {
			add(filepath.ToSlash(rel), p)
		}
		return nil
	})
	if corpus := corpusDir(root); corpus != "" {
		filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "LICENSE") && d.Name() != "README.md" {
				rel, _ := filepath.Rel(corpus, p)
				add("corpus/"+filepath.ToSlash(rel), p)
			}
			return nil
		})
	} else {
		t.Log("shared corpus not found: parity checked on testdata only")
	}
	sort.Strings(inputs)
	type op struct {
		name string
		opts map[string]string
	}
	var jobs []job
	for _, in := range inputs {
		name, path, _ := strings.Cut(in, "\x00")
		ops := []op{{"detect+meta", detectMeta}, {"label", metadataOnly}, {"propagate", propagateOpts}}
		content := contentInputs[strings.TrimPrefix(name, "corpus/")]
		if st, err := os.Stat(path); err == nil && !strings.HasPrefix(name, "corpus/") && st.Size() <= maxContentVector {
			content = true
		}
		if content {
			ops = append(ops, op{"detect", nil}, op{"label+content", withContent})
		}
		for _, o := range ops {
			n := len(jobs)
			base := filepath.Join(out, fmt.Sprint(n))
			opName, _, _ := strings.Cut(o.name, "+")
			jobs = append(jobs, job{Name: o.name + "/" + name, Op: opName, Input: path, Options: o.opts,
				Output: base + ".out", Report: base + ".json", Error: base + ".err"})
		}
	}
	return jobs
}

func corpusDir(root string) string {
	dir := os.Getenv("AIGCLABEL_CORPUS")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

func (j job) values() url.Values {
	v := url.Values{}
	for k, s := range j.Options {
		v.Set(k, s)
	}
	return v
}

// args renders the job's options as the WASI module's arguments.
func (j job) args() []string {
	args := []string{"aigclabel", j.Op}
	keys := make([]string, 0, len(j.Options))
	for k := range j.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--"+k+"="+j.Options[k])
	}
	return args
}

func runNative(ctx context.Context, t *testing.T, j job) result {
	in, err := os.ReadFile(j.Input)
	if err != nil {
		t.Fatal(err)
	}
	var r result
	switch j.Op {
	case "detect":
		r.report, err = api.Detect(ctx, in, j.values())
	case "label":
		r.out, r.report, err = api.Label(ctx, in, j.values(), api.Env{})
	case "propagate":
		r.out, r.report, err = api.Propagate(ctx, in, j.values(), api.Env{})
	}
	if err != nil {
		r.err = err.Error()
	}
	return r
}

// runWazero runs every job on the WASI module, compiled once, one fresh
// instance per job, two at a time.
func runWazero(ctx context.Context, t *testing.T, wasmPath string, jobs []job) []result {
	t.Helper()
	bin, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	// One compilation per test run, shared by every instance. (An on-disk
	// cache would save about a second per run but keeps one entry per
	// build forever.)
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.CompileModule(ctx, bin)
	if err != nil {
		t.Fatalf("compiling the WASI module: %v", err)
	}
	results := make([]result, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runWASI(ctx, rt, mod, jobs[i])
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func runWASI(ctx context.Context, rt wazero.Runtime, mod wazero.CompiledModule, j job) result {
	in, err := os.ReadFile(j.Input)
	if err != nil {
		return result{err: err.Error()}
	}
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithArgs(j.args()...).
		WithStdin(bytes.NewReader(in)).WithStdout(&stdout).WithStderr(&stderr)
	m, err := rt.InstantiateModule(ctx, mod, cfg)
	if m != nil {
		m.Close(ctx)
	}
	code := uint32(0)
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		return result{err: "wazero: " + err.Error()}
	}
	switch {
	case code == 1:
		return result{err: strings.TrimSuffix(stderr.String(), "\n")}
	case code != 0:
		return result{err: fmt.Sprintf("exit code %d: %s", code, stderr.String())}
	case j.Op == "detect":
		return result{report: stdout.Bytes()}
	}
	return result{out: stdout.Bytes(), report: stderr.Bytes()}
}

// runNode runs every job on the browser module through its JS API under Node.
func runNode(m modules, jobs []job) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	list, err := json.Marshal(jobs)
	if err != nil {
		return err
	}
	jobsFile := filepath.Join(m.dir, "jobs.json")
	if err := os.WriteFile(jobsFile, list, 0o644); err != nil {
		return err
	}
	script, err := filepath.Abs(filepath.Join("js", "node_jobs.js"))
	if err != nil {
		return err
	}
	cmd := exec.Command(node, script, m.wasmExec, m.js, jobsFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

func readJS(j job) result {
	if msg, err := os.ReadFile(j.Error); err == nil {
		return result{err: string(msg)}
	}
	var r result
	r.report, _ = os.ReadFile(j.Report)
	r.out, _ = os.ReadFile(j.Output)
	return r
}

// sameJSON compares two JSON texts by value: the JS API hands back a parsed
// object, which JSON.stringify re-renders with its own escaping.
func sameJSON(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Command load measures the HTTP server under load: 64 concurrent clients on
// loopback for 30 s per scenario, against aigclabel's server (SQLite
// registry, every label recorded) and, in the same run as the baseline, a
// bare echo handler that reads the same body and answers 200.
//
//	go run ./bench/load [-duration 30s] [-clients 64] [-kb 200]
//
// Scenarios: baseline (bare echo), label (metadata-only labeling of a
// ~200 KB JPEG, registry row included), detect (metadata-only) and detect
// (full: pixels decoded for the explicit-label and watermark search; with
// one client per CPU). It prints requests/s, p50/p99 latency, errors, the
// ratio to the baseline, and the CPU time per request (which, unlike
// throughput, holds on a machine shared with other work) as a Markdown
// table for bench/RESULTS.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aigclabel/aigclabel/server"
	"github.com/aigclabel/aigclabel/server/store"
	"github.com/labstack/echo/v4"
)

const producer = "91110000MA00BENCH000000001X"

type result struct {
	name     string
	clients  int
	cpu      time.Duration // process CPU time (user+system), server and clients together
	n        int
	errs     int
	elapsed  time.Duration
	p50, p99 time.Duration
	firstErr string
}

func main() {
	dur := flag.Duration("duration", 30*time.Second, "time per scenario")
	clients := flag.Int("clients", 64, "concurrent clients")
	kb := flag.Int("kb", 200, "target JPEG size, KB")
	only := flag.String("only", "", "run only the scenarios whose name starts with this (the baseline always runs)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	img := testJPEG(*kb << 10)
	dir, err := os.MkdirTemp("", "aigclabel-load")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(dir, "reg.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	_, key, err := st.AddKey(ctx, store.RoleProducer, producer, "bench")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: st, BatchWorkers: -1})
	if err != nil {
		log.Fatal(err)
	}
	ln := listen()
	go srv.Serve(ctx, ln)

	bare := echo.New()
	bare.HideBanner, bare.HidePort = true, true
	// The baseline moves the same bytes as labeling: the body in, the body back.
	bare.POST("/echo", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/jpeg", b)
	})
	bln := listen()
	go http.Serve(bln, bare)

	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2, DisableCompression: true}, Timeout: 2 * time.Minute}
	fmt.Fprintf(os.Stderr, "load: %d clients, %s per scenario, JPEG of %d bytes, GOMAXPROCS=%d\n", *clients, *dur, len(img), runtime.GOMAXPROCS(0))

	// Full detection decodes the image and searches it for explicit labels
	// and the watermark: seconds of CPU each, so it runs with a few clients
	// (64 would queue past any timeout and measure only the queue).
	scenarios := []struct {
		name, url string
		clients   int
	}{
		{"baseline (bare echo handler)", "http://" + bln.Addr().String() + "/echo", *clients},
		{"label (metadata, registry row)", base + "/api/v1/label", *clients},
		{"detect (metadata-only)", base + "/api/v1/detect?metadata-only=1", *clients},
		{"detect (full: pixels decoded)", base + "/api/v1/detect", runtime.NumCPU()},
	}
	var results []result
	for i, sc := range scenarios {
		if i > 0 && !strings.HasPrefix(sc.name, *only) {
			continue
		}
		cpu0 := cpuTime()
		r := run(client, sc.name, sc.url, key, img, sc.clients, *dur)
		r.cpu = cpuTime() - cpu0
		fmt.Fprintf(os.Stderr, "  %-32s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %6.2f ms/req  errors %d %s\n", r.name, rps(r), ms(r.p50), ms(r.p99), cpuPer(r), r.errs, r.firstErr)
		results = append(results, r)
	}
	rows, _ := st.CountEvents(ctx)

	fmt.Printf("Measured by `make bench-load` (bench/load): %d concurrent clients on loopback, %s per scenario, a %d-byte JPEG (%dx%d), server and clients in one process on %d CPUs (GOMAXPROCS=%d), SQLite registry (WAL); every label is recorded before its response (%d registry rows written).\n\n",
		*clients, *dur, len(img), imgW, imgH, runtime.NumCPU(), runtime.GOMAXPROCS(0), rows)
	var load [3]float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscanf(string(b), "%g %g %g", &load[0], &load[1], &load[2])
	}
	fmt.Printf("Machine load average at the end: %.1f %.1f %.1f. CPU ms/req is the process's CPU time (server and clients) per request; %d/(CPU s/req) is the rate %d idle CPUs would sustain.\n\n", load[0], load[1], load[2], runtime.NumCPU(), runtime.NumCPU())
	fmt.Println("| scenario | clients | requests/s | p50 ms | p99 ms | errors | ratio to baseline | CPU ms/req | CPU ratio to baseline | req/s on idle CPUs (est.) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Printf("| %s | %d | %.0f | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %.0f |\n", r.name, r.clients, rps(r), ms(r.p50), ms(r.p99), r.errs,
			rps(r)/rps(results[0]), cpuPer(r), cpuPer(r)/cpuPer(results[0]), float64(runtime.NumCPU())*1000/cpuPer(r))
	}
	bad := false
	for _, r := range results {
		bad = bad || r.errs > 0
	}
	if bad {
		fmt.Fprintln(os.Stderr, "load: errors occurred")
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var imgW, imgH int

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	return ln
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPer is the CPU milliseconds spent per successful request.
func cpuPer(r result) float64 { return ms(r.cpu) / float64(max(r.n, 1)) }

func rps(r result) float64       { return float64(r.n) / r.elapsed.Seconds() }
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run drives url with clients goroutines for dur, each posting body in a
// loop, and returns the counts and latency percentiles.
func run(client *http.Client, name, url, key string, body []byte, clients int, dur time.Duration) result {
	var mu sync.Mutex
	var lat []time.Duration
	res := result{name: name, clients: clients}
	start := time.Now()
	stop := start.Add(dur)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs := 0
			first := ""
			for time.Now().Before(stop) {
				t0 := time.Now()
				err := post(client, url, key, body)
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.errs += errs
			if res.firstErr == "" {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return res
}

func post(client *http.Client, url, key string, body []byte) error {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "image/jpeg")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// testJPEG returns a photo JPEG of about size bytes: the Kodak corpus image
// when present (a real photo's entropy), else deterministic noise, encoded at
// the quality that comes closest.
func testJPEG(size int) []byte {
	var src image.Image
	if f, err := os.Open(filepath.Join("..", "shared", "corpus", "images", "kodim01.png")); err == nil {
		src, _, err = image.Decode(f)
		f.Close()
		if err != nil {
			src = nil
		}
	}
	if src == nil {
		r := rand.New(rand.NewPCG(1, 2))
		img := image.NewGray(image.Rect(0, 0, 768, 512))
		for i := range img.Pix {
			img.Pix[i] = uint8(128 + r.IntN(64) - 32 + (i%768)/8)
		}
		src = img
	}
	imgW, imgH = src.Bounds().Dx(), src.Bounds().Dy()
	var best []byte
	for q := 100; q >= 30; q -= 2 {
		var b bytes.Buffer
		jpeg.Encode(&b, src, &jpeg.Options{Quality: q})
		if best == nil || abs(b.Len()-size) < abs(len(best)-size) {
			best = b.Bytes()
		}
		if b.Len() < size {
			break
		}
	}
	return best
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

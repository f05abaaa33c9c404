// Command explicit measures the cost of explicit labels, as ratios against
// baselines run in the same process:
//
//   - image: decode + DrawImage + encode of the 3.4 MP corpus photo, against
//     plain decode + encode of the same image (target: at most 1.2x);
//   - audio: AddPrompt (mixed and inserted, rhythm and voice) on the 30 s
//     44.1 kHz stereo corpus track, in multiples of real time;
//   - detection: FindOverlay, FindPrompt and FindText times.
//
// Usage: go run ./bench/explicit [-corpus ../shared/corpus] [-n 5]
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/aigclabel/aigclabel/labeler/explicit"
	"github.com/aigclabel/aigclabel/labeler/format"
)

func main() {
	corpus := flag.String("corpus", "../shared/corpus", "shared corpus folder")
	n := flag.Int("n", 5, "repetitions (the median is reported)")
	flag.Parse()

	raw, err := os.ReadFile(filepath.Join(*corpus, "images", "icinfo_flower_foveon.png"))
	if err != nil {
		log.Fatal(err)
	}
	decode := func() image.Image {
		img, err := explicit.DecodeOriented(bytes.NewReader(raw))
		if err != nil {
			log.Fatal(err)
		}
		return img
	}
	encode := func(img image.Image) {
		if err := png.Encode(&bytes.Buffer{}, img); err != nil {
			log.Fatal(err)
		}
	}
	// Wall and CPU time (user+system of this process): the shared VM these
	// runs on is often loaded, and CPU time is the steadier of the two.
	var base, labeled, draw, baseCPU, labeledCPU []time.Duration
	for range *n {
		runtime.GC()
		t0, c0 := time.Now(), cpu()
		encode(decode())
		base, baseCPU = append(base, time.Since(t0)), append(baseCPU, cpu()-c0)

		runtime.GC()
		t0, c0 = time.Now(), cpu()
		img := decode()
		t1 := time.Now()
		out, _, err := explicit.DrawImage(img, explicit.ImageOptions{})
		if err != nil {
			log.Fatal(err)
		}
		draw = append(draw, time.Since(t1))
		encode(out)
		labeled, labeledCPU = append(labeled, time.Since(t0)), append(labeledCPU, cpu()-c0)
	}
	img := decode()
	b := img.Bounds()
	fmt.Printf("image %dx%d (%.1f MP) PNG, median of %d:\n", b.Dx(), b.Dy(), float64(b.Dx()*b.Dy())/1e6, *n)
	fmt.Printf("  decode+encode            %8.1f ms wall %8.1f ms CPU\n", ms(median(base)), ms(median(baseCPU)))
	fmt.Printf("  decode+DrawImage+encode  %8.1f ms wall %8.1f ms CPU  ratio %.3fx wall, %.3fx CPU (target <= 1.2x)\n",
		ms(median(labeled)), ms(median(labeledCPU)),
		float64(median(labeled))/float64(median(base)), float64(median(labeledCPU))/float64(median(baseCPU)))
	fmt.Printf("  DrawImage alone          %8.1f ms  (1 + DrawImage/baseline = %.3fx: the ratio without run-to-run noise)\n",
		ms(median(draw)), 1+float64(median(draw))/float64(median(base)))
	labeledImg, _, _ := explicit.DrawImage(img, explicit.ImageOptions{})
	fmt.Printf("  FindOverlay (labeled)    %8.1f ms\n", ms(timeIt(*n, func() { explicit.FindOverlay(labeledImg) })))

	samples, rate := readWAV(filepath.Join(*corpus, "audio", "music_c2pa_mp3src_44k_stereo_30s.wav"))
	dur := float64(len(samples[0])) / float64(rate)
	fmt.Printf("audio %.1f s, %d Hz, %d channels, median of %d:\n", dur, rate, len(samples), *n)
	for _, o := range []explicit.AudioOptions{
		{At: "start"}, {At: "every:10"}, {At: "start", Insert: true}, {Prompt: explicit.Both, At: "both"},
	} {
		d := timeIt(*n, func() {
			if _, _, err := explicit.AddPrompt(samples, rate, o); err != nil {
				log.Fatal(err)
			}
		})
		fmt.Printf("  AddPrompt %-30s %7.1f ms  %6.0fx realtime\n", fmt.Sprintf("%+v", o), ms(d), dur/d.Seconds())
	}
	withPrompt, _, _ := explicit.AddPrompt(samples, rate, explicit.AudioOptions{At: "both"})
	d := timeIt(*n, func() { explicit.FindPrompt(withPrompt, rate) })
	fmt.Printf("  FindPrompt                               %7.1f ms  %6.0fx realtime\n", ms(d), dur/d.Seconds())

	text, err := os.ReadFile(filepath.Join(*corpus, "text", "en_alice29.txt"))
	if err != nil {
		log.Fatal(err)
	}
	lt, _ := explicit.LabelText(string(text), format.Text, explicit.TextOptions{At: "both"})
	d = timeIt(*n, func() { explicit.FindText(lt) })
	fmt.Printf("text %d bytes: FindText %.2f ms (%.0f MB/s)\n", len(lt), ms(d), float64(len(lt))/d.Seconds()/1e6)
}

// cpu returns the process's user+system CPU time so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func timeIt(n int, f func()) time.Duration {
	var d []time.Duration
	for range n {
		t := time.Now()
		f()
		d = append(d, time.Since(t))
	}
	return median(d)
}

// readWAV reads 16-bit PCM WAV into planar float32.
func readWAV(path string) ([][]float32, int) {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var ch, rate int
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		n = min(n, len(b)-p)
		switch id {
		case "fmt ":
			ch, rate = int(binary.LittleEndian.Uint16(b[p+2:])), int(binary.LittleEndian.Uint32(b[p+4:]))
		case "data":
			frames := n / 2 / ch
			out := make([][]float32, ch)
			for c := range out {
				out[c] = make([]float32, frames)
				for i := range frames {
					out[c][i] = float32(int16(binary.LittleEndian.Uint16(b[p+2*(i*ch+c):]))) / 32768
				}
			}
			return out, rate
		}
		p += n + n&1
	}
	log.Fatal("no data chunk")
	return nil, 0
}

package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aigclabel/aigclabel/labeler/format/wav"
	"github.com/aigclabel/aigclabel/labeler/watermark/audiowm"
	"github.com/aigclabel/aigclabel/labeler/watermark/payload"
)

func init() { register("audio", runAudio) }

// audioFPHours is the length of unmarked audio the false-positive run
// searches (the target is 10 hours; -quick uses half an hour).
var audioFPHours = flag.Float64("audio-fp-hours", 10, "hours of unmarked audio for the audio false-positive run")

// audioParts selects the parts of the audio report.
var audioParts = flag.String("audio-parts", "speed,strength,attacks,fp", "comma-separated parts of the audio report: speed, strength, attacks, fp")

// audioSpectrograms, when set, is the directory where the runner writes
// spectrograms (sox) of two corpus clips before and after marking, and of
// the difference.
var audioSpectrograms = flag.String("audio-spectrograms", "", "directory for before/after spectrogram PNGs of two clips (needs sox)")

// audioClips and audioAttackFilter restrict the run to the clips and
// attacks whose names contain one of their comma-separated substrings, for
// quick iterations on the failing cases ("" keeps all).
var (
	audioClips        = flag.String("audio-clips", "", "comma-separated substrings: only the clips whose names contain one")
	audioAttackFilter = flag.String("audio-attacks", "", "comma-separated substrings: only the attacks whose names contain one (\"excerpt\" selects the 5-second excerpts)")
)

// matches reports whether filter is empty or name contains one of its
// comma-separated substrings.
func matches(filter, name string) bool {
	if filter == "" {
		return true
	}
	for _, f := range strings.Split(filter, ",") {
		if f = strings.TrimSpace(f); f != "" && strings.Contains(name, f) {
			return true
		}
	}
	return false
}

// audioKey is the bench's watermark key (not a secret); -audio-key
// replaces it, to check that results do not hinge on one keyed layout.
var audioKey = []byte("aigclabel bench audio watermark key")

var audioKeyFlag = flag.String("audio-key", "", "watermark key for the audio runs (default: the bench key)")

// clip is a planar PCM signal.
type clip struct {
	name string
	rate int
	s    [][]float32
}

func (c clip) seconds() float64 { return float64(len(c.s[0])) / float64(c.rate) }

// audioAttack transforms a signal; tool names the external program it
// needs ("" for pure Go).
type audioAttack struct {
	name string
	tool string
	fn   func(c clip) (clip, error)
}

// writeWAV writes c as 16-bit PCM WAV (TPDF-dithered would be kinder; the
// plain rounding is itself a small attack).
func writeWAV(path string, c clip) error {
	n, ch := len(c.s[0]), len(c.s)
	b := make([]byte, 44+2*n*ch)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n*ch))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(ch))
	binary.LittleEndian.PutUint32(b[24:], uint32(c.rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(c.rate*2*ch))
	binary.LittleEndian.PutUint16(b[32:], uint16(2*ch))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n*ch))
	p := 44
	for i := 0; i < n; i++ {
		for k := 0; k < ch; k++ {
			v := math.Round(float64(c.s[k][i]) * 32768)
			v = max(-32768, min(32767, v))
			binary.LittleEndian.PutUint16(b[p:], uint16(int16(v)))
			p += 2
		}
	}
	return os.WriteFile(path, b, 0o644)
}

func readWAV(path, name string) (clip, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return clip{}, err
	}
	p, err := wav.DecodePCM(b)
	if err != nil {
		return clip{}, err
	}
	return clip{name: name, rate: p.Rate, s: p.Samples}, nil
}

// external runs the commands (with IN, MID and OUT replaced by temporary
// file names) on c and reads OUT back.
func external(cmds ...[]string) func(c clip) (clip, error) {
	return func(c clip) (clip, error) {
		dir, err := os.MkdirTemp("", "audiowm-attack")
		if err != nil {
			return clip{}, err
		}
		defer os.RemoveAll(dir)
		names := map[string]string{"IN": filepath.Join(dir, "in.wav"), "MID": filepath.Join(dir, "mid"), "OUT": filepath.Join(dir, "out.wav")}
		if err := writeWAV(names["IN"], c); err != nil {
			return clip{}, err
		}
		for _, cmd := range cmds {
			args := make([]string, len(cmd))
			for i, a := range cmd {
				for k, v := range names {
					a = strings.ReplaceAll(a, k+"_", v)
				}
				args[i] = strings.ReplaceAll(a, "RATE", fmt.Sprint(c.rate))
			}
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				return clip{}, fmt.Errorf("%s: %v: %s", args[0], err, lastLine(string(out)))
			}
		}
		return readWAV(names["OUT"], c.name)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func mapSamples(c clip, f func(ch, i int, v float32) float32) clip {
	out := clip{name: c.name, rate: c.rate, s: make([][]float32, len(c.s))}
	for k, s := range c.s {
		out.s[k] = make([]float32, len(s))
		for i, v := range s {
			out.s[k][i] = f(k, i, v)
		}
	}
	return out
}

func gain(g float32) func(c clip) (clip, error) {
	return func(c clip) (clip, error) {
		return mapSamples(c, func(_, _ int, v float32) float32 { return max(-1, min(0.99997, v*g)) }), nil
	}
}

// whiteNoise adds Gaussian white noise snr dB below the signal.
func whiteNoise(snr float64, seed uint64) func(c clip) (clip, error) {
	return func(c clip) (clip, error) {
		var p float64
		n := 0
		for _, s := range c.s {
			for _, v := range s {
				p += float64(v) * float64(v)
				n++
			}
		}
		sd := math.Sqrt(p / float64(n) / math.Pow(10, snr/10))
		r := rand.New(rand.NewPCG(seed, 3))
		return mapSamples(c, func(_, _ int, v float32) float32 { return v + float32(r.NormFloat64()*sd) }), nil
	}
}

// cut keeps the frames from start seconds for length seconds (<= 0: to the end).
func cut(start, length float64) func(c clip) (clip, error) {
	return func(c clip) (clip, error) {
		a := int(start * float64(c.rate))
		z := len(c.s[0])
		if length > 0 {
			z = min(z, a+int(length*float64(c.rate)))
		}
		out := clip{name: c.name, rate: c.rate, s: make([][]float32, len(c.s))}
		for k, s := range c.s {
			out.s[k] = s[a:z]
		}
		return out, nil
	}
}

func audioAttacks() []audioAttack {
	return []audioAttack{
		{"none", "", func(c clip) (clip, error) { return c, nil }},
		{"MP3 128 kbit/s (lame)", "lame", external([]string{"lame", "--quiet", "-b", "128", "IN_", "MID_"}, []string{"lame", "--quiet", "--decode", "MID_", "OUT_"})},
		{"MP3 64 kbit/s (lame)", "lame", external([]string{"lame", "--quiet", "-b", "64", "IN_", "MID_"}, []string{"lame", "--quiet", "--decode", "MID_", "OUT_"})},
		{"AAC 128 kbit/s (ffmpeg)", "ffmpeg", external([]string{"ffmpeg", "-v", "error", "-y", "-i", "IN_", "-c:a", "aac", "-b:a", "128k", "-f", "mp4", "MID_"}, []string{"ffmpeg", "-v", "error", "-y", "-i", "MID_", "-c:a", "pcm_s16le", "OUT_"})},
		{"resample to 16 kHz and back (sox)", "sox", external([]string{"sox", "IN_", "-t", "wav", "MID_", "rate", "16000"}, []string{"sox", "-t", "wav", "MID_", "OUT_", "rate", "RATE"})},
		{"volume x0.5", "", gain(0.5)},
		{"volume x2 + limiter (ffmpeg alimiter)", "ffmpeg", external([]string{"ffmpeg", "-v", "error", "-y", "-i", "IN_", "-af", "volume=2,alimiter=limit=0.97", "-c:a", "pcm_s16le", "OUT_"})},
		{"low-pass 4 kHz (sox)", "sox", external([]string{"sox", "IN_", "OUT_", "lowpass", "4000"})},
		{"white noise, 30 dB SNR", "", whiteNoise(30, 1)},
		{"cut the first 1.3 s", "", cut(1.3, 0)},
		{"tempo +2%, pitch kept (ffmpeg atempo)", "ffmpeg", external([]string{"ffmpeg", "-v", "error", "-y", "-i", "IN_", "-af", "atempo=1.02", "-c:a", "pcm_s16le", "OUT_"})},
		{"tempo -2%, pitch kept (ffmpeg atempo)", "ffmpeg", external([]string{"ffmpeg", "-v", "error", "-y", "-i", "IN_", "-af", "atempo=0.98", "-c:a", "pcm_s16le", "OUT_"})},
		{"speed +2% (sox speed)", "sox", external([]string{"sox", "IN_", "OUT_", "speed", "1.02", "rate", "RATE"})},
		{"speed -2% (sox speed)", "sox", external([]string{"sox", "IN_", "OUT_", "speed", "0.98", "rate", "RATE"})},
	}
}

func loadClips(dir string) ([]clip, error) {
	var cs []clip
	for _, n := range []string{"audio/speech_jfk_16k_mono.wav", "audio/music_c2pa_flac_44k_stereo.wav", "audio/music_c2pa_mp3src_44k_stereo_30s.wav", "c2pa/sample1.wav"} {
		if !matches(*audioClips, filepath.Base(n)) {
			continue
		}
		c, err := readWAV(filepath.Join(dir, n), filepath.Base(n))
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func copyClip(c clip) clip {
	return mapSamples(c, func(_, _ int, v float32) float32 { return v })
}

func snrDB(a, b clip) float64 {
	var p, d float64
	for k := range a.s {
		for i, v := range a.s[k] {
			p += float64(v) * float64(v)
			e := float64(b.s[k][i]) - float64(v)
			d += e * e
		}
	}
	return 10 * math.Log10(p/d)
}

func audioBitAccuracy(c clip, id uint64) float64 {
	soft := audiowm.SoftBits(c.s, c.rate, audioKey)
	if soft == nil {
		return 0.5
	}
	return 1 - float64(payload.Errors(soft, payload.Encode(id)))/float64(payload.Bits)
}

func runAudio(cfg *config) error {
	out := cfg.Out
	if *audioKeyFlag != "" {
		audioKey = []byte(*audioKeyFlag)
	}
	clips, err := loadClips(cfg.CorpusDir)
	if err != nil {
		return err
	}
	var skipped []string
	have := map[string]bool{"": true}
	for _, t := range []string{"lame", "ffmpeg", "sox"} {
		_, err := exec.LookPath(t)
		have[t] = err == nil
		if !have[t] {
			skipped = append(skipped, t)
		}
	}
	fmt.Fprintf(out, "## Audio watermark\n\nMeasured by `go run ./bench/robustness -media audio` over %d corpus clips; payload 64 bits; default strength (SNR floor %.1f dB).\n\n", len(clips), audiowm.DefaultSNR)
	for _, t := range skipped {
		fmt.Fprintf(out, "NOTE: %s not found: the attacks that need it are skipped.\n\n", t)
	}

	// Embed and detect sequentially on one core, for the CPU-time figures.
	type marked struct {
		clip
		orig     clip
		id       uint64
		snr      float64
		emb, det time.Duration
		found    bool
		err      error
	}
	ms := make([]marked, len(clips))
	old := runtime.GOMAXPROCS(1)
	for i, c := range clips {
		m := copyClip(c)
		id := rand.New(rand.NewPCG(uint64(i), 11)).Uint64()
		runtime.GC()
		t0 := cpuTime()
		err := audiowm.Embed(m.s, m.rate, id, audioKey, audiowm.Options{})
		emb := cpuTime() - t0
		mk := marked{clip: m, orig: c, id: id, emb: emb, err: err}
		if err == nil {
			mk.snr = snrDB(c, m)
			runtime.GC()
			t0 = cpuTime()
			r, _ := audiowm.Detect(m.s, m.rate, audioKey)
			mk.det = cpuTime() - t0
			mk.found = r.Found && r.Payload == id
		}
		ms[i] = mk
	}
	runtime.GOMAXPROCS(old)
	parts := map[string]bool{}
	for _, p := range strings.Split(*audioParts, ",") {
		parts[strings.TrimSpace(p)] = true
	}
	if parts["speed"] {
		fmt.Fprintln(out, "### Quality and speed per clip (CPU time, one core)\n\n| clip | rate, channels, length | SNR dB | embed x realtime | detect x realtime | decoded unattacked |\n|---|---|---|---|---|---|")
		for _, m := range ms {
			if m.err != nil {
				fmt.Fprintf(out, "| %s | %d Hz, %d ch, %.1f s | - | - | - | not embedded: %v |\n", m.name, m.rate, len(m.s), m.seconds(), m.err)
				continue
			}
			fmt.Fprintf(out, "| %s | %d Hz, %d ch, %.1f s | %.2f | %.0f | %.0f | %v |\n", m.name, m.rate, len(m.s), m.seconds(), m.snr, m.seconds()/m.emb.Seconds(), m.seconds()/m.det.Seconds(), m.found)
		}
		fmt.Fprintln(out)
	}

	// Strength sweep: how much of the code survives, unattacked, when the
	// mark is made weaker than the default.
	if parts["strength"] {
		fmt.Fprintln(out, "### Strength (SNR floor) against decoding, unattacked\n\nThe floor caps the dearest units' moves where the mark costs more (and scales the mark down if that falls short); the quantisation steps are fixed.\n\n| SNR floor dB | exact decode | mean raw bit accuracy |\n|---|---|---|")
		for _, floor := range []float64{32, 34, 36, 38, 40} {
			okN, n := 0, 0
			var acc float64
			for i, c := range clips {
				m := copyClip(c)
				id := rand.New(rand.NewPCG(uint64(i), 13)).Uint64()
				if audiowm.Embed(m.s, m.rate, id, audioKey, audiowm.Options{SNR: floor}) != nil {
					continue
				}
				n++
				if r, _ := audiowm.Detect(m.s, m.rate, audioKey); r.Found && r.Payload == id {
					okN++
				}
				acc += audioBitAccuracy(m, id)
			}
			fmt.Fprintf(out, "| %.0f | %d/%d | %.1f%% |\n", floor, okN, n, 100*acc/float64(max(n, 1)))
		}
		fmt.Fprintln(out)
	}

	if *audioSpectrograms != "" {
		if err := spectrograms(*audioSpectrograms, ms[0].orig, ms[0].clip, ms[1].orig, ms[1].clip); err != nil {
			return err
		}
		fmt.Fprintf(out, "Spectrograms (sox) before and after marking, and of the difference, are in %s.\n\n", *audioSpectrograms)
	}

	if parts["attacks"] {
		// Robustness, in parallel.
		attacks := audioAttacks()
		type job struct {
			name string
			in   func() (clip, error)
			m    *marked
		}
		type res struct {
			ok, wrong bool
			acc       float64
			err       error
			name      string
		}
		rows := make([][]res, len(attacks)+1)
		var jobsList [][]job
		for _, a := range attacks {
			var js []job
			if !have[a.tool] || !matches(*audioAttackFilter, a.name) {
				jobsList = append(jobsList, nil)
				continue
			}
			for i := range ms {
				m := &ms[i]
				if m.err != nil {
					continue
				}
				fn := a.fn
				js = append(js, job{m.name, func() (clip, error) { return fn(m.clip) }, m})
			}
			jobsList = append(jobsList, js)
		}
		// 5-second excerpts at random positions.
		excerpts := 6
		if cfg.Quick {
			excerpts = 2
		}
		var ex []job
		r := rand.New(rand.NewPCG(5, 5))
		if !matches(*audioAttackFilter, "any 5-second excerpt") {
			excerpts = 0
		}
		for i := range ms {
			m := &ms[i]
			if m.err != nil {
				continue
			}
			for e := 0; e < excerpts; e++ {
				start := r.Float64() * (m.seconds() - 5)
				ex = append(ex, job{fmt.Sprintf("%s@%.1fs", m.name, start), func() (clip, error) { return cut(start, 5)(m.clip) }, m})
			}
		}
		jobsList = append(jobsList, ex)
		var wg sync.WaitGroup
		type idx struct{ a, j int }
		ch := make(chan idx)
		for ai := range jobsList {
			rows[ai] = make([]res, len(jobsList[ai]))
		}
		for w := 0; w < runtime.GOMAXPROCS(0); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for x := range ch {
					j := jobsList[x.a][x.j]
					in, err := j.in()
					if err != nil {
						rows[x.a][x.j] = res{err: err, name: j.name}
						continue
					}
					got, err := audiowm.Detect(in.s, in.rate, audioKey)
					if err != nil {
						rows[x.a][x.j] = res{err: err, name: j.name}
						continue
					}
					rows[x.a][x.j] = res{ok: got.Found && got.Payload == j.m.id, wrong: got.Found && got.Payload != j.m.id, acc: audioBitAccuracy(in, j.m.id), name: j.name}
				}
			}()
		}
		for ai := range jobsList {
			for ji := range jobsList[ai] {
				ch <- idx{ai, ji}
			}
		}
		close(ch)
		wg.Wait()
		fmt.Fprintln(out, "### Robustness (exact 64-bit payload recovery)\n\n| attack | exact decode | mean raw bit accuracy | failures |\n|---|---|---|---|")
		for ai := range jobsList {
			name := "any 5-second excerpt (random positions)"
			if ai < len(attacks) {
				name = attacks[ai].name
				if !have[attacks[ai].tool] {
					fmt.Fprintf(out, "| %s | skipped: %s not installed | | |\n", name, attacks[ai].tool)
					continue
				}
			}
			if len(rows[ai]) == 0 {
				continue // filtered out
			}
			okN, wrong := 0, 0
			var acc float64
			var fails []string
			for _, x := range rows[ai] {
				if x.err != nil {
					fails = append(fails, x.name+" ("+x.err.Error()+")")
					continue
				}
				acc += x.acc
				if x.ok {
					okN++
				} else {
					fails = append(fails, fmt.Sprintf("%s (%.0f%%)", x.name, 100*x.acc))
				}
				if x.wrong {
					wrong++
				}
			}
			n := len(rows[ai])
			f := strings.Join(fails, ", ")
			if wrong > 0 {
				f += fmt.Sprintf(" — %d WRONG PAYLOADS", wrong)
			}
			fmt.Fprintf(out, "| %s | %d/%d (%.0f%%) | %.1f%% | %s |\n", name, okN, n, 100*float64(okN)/float64(max(n, 1)), 100*acc/float64(max(n, 1)), f)
		}
		fmt.Fprintln(out)

	}

	if !parts["fp"] {
		return nil
	}
	// False positives on unmarked audio.
	hours := *audioFPHours
	if cfg.Quick {
		hours = 0.5
	}
	fp, secs, dur := audioFalsePositives(clips, hours)
	fmt.Fprintf(out, "### False positives\n\n%.1f hours of unmarked audio (corpus clips under volume, noise, cutting and excerpting, and synthetic white and pink noise, tones, chirps, clicks and silence at 8, 16 and 44.1 kHz), detector with the bench key: **%d false detections** (%.0f s on %d cores).\n", secs/3600, fp, dur.Seconds(), runtime.GOMAXPROCS(0))
	// Windows of 10 s every 5 s: 12 per minute, each with up to
	// MaxCandidates decodes of searched alignments and one of the
	// untouched alignment, plus one decode of the windows' sum.
	perMin := 60.0/5*(audiowm.MaxCandidates+1) + 1
	fmt.Fprintf(out, "Analytic bound at the default threshold (%d of %d code bits in error, CRC-24): %.2g per decode; at most %d decodes per 10-s window (%d searched alignments and the untouched one), one window per 5 s, plus one decode of the windows' sum, so %.0f decodes and %.2g per minute of audio (target <= 1e-6).\n\n", payload.MaxBitErrors, payload.Bits, payload.FalsePositive(payload.MaxBitErrors), audiowm.MaxCandidates+1, audiowm.MaxCandidates, perMin, perMin*payload.FalsePositive(payload.MaxBitErrors))
	return nil
}

// audioFalsePositives runs Detect over about hours of unmarked audio.
func audioFalsePositives(clips []clip, hours float64) (int, float64, time.Duration) {
	start := time.Now()
	var mu sync.Mutex
	found := 0
	total := 0.0
	searched, nextReport := 0.0, 1800.0
	budget := hours * 3600
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				r := rand.New(rand.NewPCG(uint64(t), 77))
				var c clip
				if t%2 == 0 {
					c = syntheticAudio(r)
				} else {
					src := clips[r.IntN(len(clips))]
					l := 3 + r.Float64()*(src.seconds()-3)
					c, _ = cut(r.Float64()*(src.seconds()-l), l)(src)
					switch r.IntN(3) {
					case 0:
						c, _ = gain(float32(0.2 + r.Float64()))(c)
					case 1:
						c, _ = whiteNoise(10+r.Float64()*30, r.Uint64())(c)
					}
				}
				res, _ := audiowm.Detect(c.s, c.rate, audioKey)
				mu.Lock()
				if res.Found {
					found++
				}
				// Progress on stderr, so that a run cut short still tells
				// how much was searched.
				searched += c.seconds()
				if searched >= nextReport {
					fmt.Fprintf(os.Stderr, "audio fp: %.2f h searched, %d detections, %v\n", searched/3600, found, time.Since(start).Round(time.Second))
					nextReport += 1800
				}
				mu.Unlock()
			}
		}()
	}
	for t := 0; total < budget; t++ {
		// Lengths are drawn again in the worker from the same seed; here we
		// only need the expected total, so draw it the same way.
		r := rand.New(rand.NewPCG(uint64(t), 77))
		if t%2 == 0 {
			total += syntheticSeconds(r)
		} else {
			src := clips[r.IntN(len(clips))]
			total += 3 + r.Float64()*(src.seconds()-3)
		}
		jobs <- t
	}
	close(jobs)
	wg.Wait()
	return found, total, time.Since(start)
}

var synthRates = []int{8000, 16000, 44100}

// syntheticSeconds returns the length syntheticAudio draws first from r.
func syntheticSeconds(r *rand.Rand) float64 { return 30 + 30*r.Float64() }

// syntheticAudio makes 30 to 60 s of unmarked mono audio: white or pink
// noise, a tone mix, a chirp, clicks, silence or dithered silence.
func syntheticAudio(r *rand.Rand) clip {
	secs := syntheticSeconds(r)
	rate := synthRates[r.IntN(len(synthRates))]
	n := int(secs * float64(rate))
	s := make([]float32, n)
	amp := 0.01 + 0.5*r.Float64()
	switch r.IntN(6) {
	case 0: // white
		for i := range s {
			s[i] = float32(amp * 0.3 * r.NormFloat64())
		}
	case 1: // pink-ish (Voss-McCartney, 8 rows)
		var rows [8]float64
		for i := range s {
			for k := range rows {
				if i%(1<<k) == 0 {
					rows[k] = r.NormFloat64()
				}
			}
			var v float64
			for _, x := range rows {
				v += x
			}
			s[i] = float32(amp * 0.1 * v)
		}
	case 2: // tones
		var f [4]float64
		for k := range f {
			f[k] = 100 + 3900*r.Float64()
		}
		for i := range s {
			t := float64(i) / float64(rate)
			var v float64
			for _, x := range f {
				v += math.Sin(2 * math.Pi * x * t)
			}
			s[i] = float32(amp * 0.25 * v)
		}
	case 3: // chirp
		f0, f1 := 50+r.Float64()*500, 1000+r.Float64()*3000
		for i := range s {
			t := float64(i) / float64(rate)
			s[i] = float32(amp * math.Sin(2*math.Pi*(f0*t+(f1-f0)*t*t/(2*secs))))
		}
	case 4: // clicks
		for i := 0; i < n; i += rate/4 + r.IntN(rate) {
			s[i] = float32(amp)
		}
	case 5: // silence, dithered half the time
		if r.IntN(2) == 0 {
			for i := range s {
				s[i] = float32((r.Float64() - r.Float64()) / 32768)
			}
		}
	}
	return clip{name: "synthetic", rate: rate, s: [][]float32{s}}
}

// spectrograms writes sox spectrograms of each (original, marked) pair and
// of their difference, amplified by 20 dB so it shows on the same scale.
func spectrograms(dir string, pairs ...clip) error {
	tmp, err := os.MkdirTemp("", "audiowm-spec")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for i := 0; i+1 < len(pairs); i += 2 {
		orig, m := pairs[i], pairs[i+1]
		base := strings.TrimSuffix(orig.name, ".wav")
		diff := mapSamples(m, func(ch, j int, v float32) float32 { return (v - orig.s[ch][j]) * 10 })
		for _, x := range []struct {
			suffix, title string
			c             clip
		}{
			{"before", orig.name + ": original", orig},
			{"after", orig.name + ": marked (default strength)", m},
			{"difference", orig.name + ": marked - original, +20 dB", diff},
		} {
			w := filepath.Join(tmp, x.suffix+".wav")
			if err := writeWAV(w, x.c); err != nil {
				return err
			}
			png := filepath.Join(dir, "audiowm-"+base+"-"+x.suffix+".png")
			cmd := exec.Command("sox", w, "-n", "remix", "-", "rate", "16k", "spectrogram", "-x", "900", "-y", "257", "-z", "90", "-t", x.title, "-o", png)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("sox spectrogram: %v: %s", err, out)
			}
		}
	}
	return nil
}

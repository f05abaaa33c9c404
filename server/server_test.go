package server

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aigclabel/aigclabel/detect"
	"github.com/aigclabel/aigclabel/labeler/sign"
	"github.com/aigclabel/aigclabel/server/store"
	"github.com/aigclabel/aigclabel/server/store/storetest"
)

// producerCode is a code-shaped ContentProducer (27 characters).
const producerCode = "91110000MA00TEST0000000001X"
const platformCode = "91110000MA00PLAT0000000002Y"

// env is a real server on a loopback port with one key of each role.
type env struct {
	t        *testing.T
	base     string
	srv      *Server
	st       *store.Store
	producer string // secrets
	platform string
	admin    string
}

func start(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	return startOn(t, filepath.Join(t.TempDir(), "reg.db"), mod)
}

// startOn starts a server on the registry dsn, adding a key of each role.
func startOn(t *testing.T, dsn string, mod func(*Config)) *env {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, RateLimit: -1}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		recordStatuses(srv)
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		st.Close()
	})
	e := &env{t: t, base: "http://" + ln.Addr().String(), srv: srv, st: st}
	add := func(role, code string) string {
		_, secret, err := st.AddKey(context.Background(), role, code, role)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	e.producer, e.platform, e.admin = add(store.RoleProducer, producerCode), add(store.RolePlatform, platformCode), add(store.RoleAdmin, "")
	return e
}

// do sends a request and returns the response with its body read.
func (e *env) do(method, path, key string, body io.Reader, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// wantError checks an error response: status, JSON {error, code} and code.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e Error
	if resp.StatusCode != status || json.Unmarshal(body, &e) != nil || e.Code != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d with code %q", resp.StatusCode, body, status, code)
	}
}

func testImage(seed int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			img.Set(x, y, color.NRGBA{uint8(x*2 + seed), uint8(y*3 + seed*7), uint8((x + y + seed) * 5), 255})
		}
	}
	return img
}

func testJPEG(t testing.TB, seed int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(seed), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testPNG(t testing.TB, seed int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(seed)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// samePixels checks that labeling changed no pixel, decoding both with the
// standard library's decoders.
func samePixels(t *testing.T, a, b []byte) {
	t.Helper()
	ia, _, err1 := image.Decode(bytes.NewReader(a))
	ib, _, err2 := image.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		t.Fatalf("decoding: %v / %v", err1, err2)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("bounds %v vs %v", ia.Bounds(), ib.Bounds())
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				t.Fatalf("pixel %d,%d changed", x, y)
			}
		}
	}
}

func TestLabelDetectVerifyLookup(t *testing.T) {
	e := start(t, nil)
	for _, tc := range []struct {
		name string
		in   []byte
		ct   string
	}{{"jpeg", testJPEG(t, 1), "image/jpeg"}, {"png", testPNG(t, 2), "image/png"}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := e.do("POST", "/api/v1/label?label=1", e.producer, bytes.NewReader(tc.in))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ct {
				t.Fatalf("label: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
			}
			samePixels(t, tc.in, out)
			pid := resp.Header.Get("AIGC-Produce-ID")
			hash := resp.Header.Get("AIGC-Content-Hash")
			var res struct {
				AIGC struct{ ContentProducer, ProduceID string }
			}
			if err := json.Unmarshal([]byte(resp.Header.Get("AIGC-Result")), &res); err != nil || res.AIGC.ProduceID != pid || res.AIGC.ContentProducer != producerCode || len(hash) != 64 {
				t.Fatalf("result header %q, pid %q, hash %q", resp.Header.Get("AIGC-Result"), pid, hash)
			}

			// Detect reads the record back from the returned bytes.
			resp, body := e.do("POST", "/api/v1/detect", "", bytes.NewReader(out))
			var rep detect.Report
			if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || rep.Verdict != detect.Confirmed || rep.AIGC.ProduceID != pid || rep.ContentHash != hash {
				t.Fatalf("detect: %d %s", resp.StatusCode, body)
			}
			// Verify adds the registry: registered, same content.
			resp, body = e.do("POST", "/api/v1/verify", "", bytes.NewReader(out))
			var v Verification
			if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil || !v.Registry.Registered || !v.Registry.ContentMatches || v.Verdict != detect.Confirmed {
				t.Fatalf("verify: %d %s", resp.StatusCode, body)
			}
			// The registry holds the event with who, what and how.
			resp, body = e.do("GET", "/api/v1/records/"+pid, "", nil)
			var rec struct {
				Events []store.Event
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &rec) != nil || len(rec.Events) != 1 {
				t.Fatalf("record: %d %s", resp.StatusCode, body)
			}
			ev := rec.Events[0]
			if ev.Producer != producerCode || ev.Format != tc.name || ev.HashAfter != hash || ev.HashBefore != hash || ev.Time.IsZero() {
				t.Fatalf("event %+v", ev)
			}
			// Who labeled is for admins only.
			if ev.Client != "" || ev.KeyID != "" {
				t.Fatalf("public record shows the labeler: %+v", ev)
			}
			_, body = e.do("GET", "/api/v1/records/"+pid, e.admin, nil)
			json.Unmarshal(body, &rec)
			if ev := rec.Events[0]; ev.Client != "127.0.0.1" || ev.KeyID == "" {
				t.Fatalf("admin record lacks the labeler: %+v", ev)
			}
			// A stripped copy (the unlabeled input has the same content) is
			// found by its content hash.
			resp, body = e.do("POST", "/api/v1/lookup", "", bytes.NewReader(tc.in))
			var ms struct{ Matches []Match }
			if resp.StatusCode != 200 || json.Unmarshal(body, &ms) != nil || len(ms.Matches) != 1 || ms.Matches[0].By != "contentHash" || ms.Matches[0].Event.ProduceID != pid {
				t.Fatalf("lookup of the stripped copy: %d %s", resp.StatusCode, body)
			}
			resp, body = e.do("GET", "/api/v1/lookup?hash="+hash, "", nil)
			if resp.StatusCode != 200 || !strings.Contains(string(body), pid) {
				t.Fatalf("lookup by hash: %d %s", resp.StatusCode, body)
			}
			resp, body = e.do("GET", "/api/v1/matches/byBinding?alg="+AlgContentHash+"&value="+hash, "", nil)
			if resp.StatusCode != 200 || string(body) != `{"matches":[{"manifestId":"`+pid+`","similarityScore":100}]}`+"\n" {
				t.Fatalf("byBinding: %d %s", resp.StatusCode, body)
			}
			resp, body = e.do("POST", "/api/v1/matches/byContent", "", bytes.NewReader(out))
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"manifestId":"`+pid+`"`) {
				t.Fatalf("byContent: %d %s", resp.StatusCode, body)
			}
		})
	}
	resp, body := e.do("GET", "/api/v1/records/NOPE", "", nil)
	wantError(t, resp, body, 404, "not_found")
	resp, body = e.do("GET", "/api/v1/lookup?watermark=zz", "", nil)
	wantError(t, resp, body, 400, "invalid_option")
	resp, body = e.do("GET", "/api/v1/lookup?watermark=00000000000000ff", "", nil)
	if resp.StatusCode != 200 || string(body) != `{"matches":[]}`+"\n" {
		t.Fatalf("lookup of an unknown watermark: %d %s", resp.StatusCode, body)
	}
}

func TestMultipartInOut(t *testing.T) {
	e := start(t, nil)
	in := testJPEG(t, 3)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write(in)
	mw.WriteField("options", `{"produce-id":"MYID0001","label":"2"}`)
	mw.Close()
	resp, out := e.do("POST", "/api/v1/label", e.producer, &body, "Content-Type", mw.FormDataContentType(), "Accept", "multipart/mixed")
	mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != 200 || mt != "multipart/mixed" {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
	}
	mr := multipart.NewReader(bytes.NewReader(out), params["boundary"])
	p, _ := mr.NextPart()
	// The result part is `label --json`'s: the output's detect report and what was written.
	var res detect.LabelReport
	if err := json.NewDecoder(p).Decode(&res); err != nil || res.AIGC == nil || res.AIGC.ProduceID != "MYID0001" || res.AIGC.Label != "2" ||
		res.Written.ProduceID != "MYID0001" || res.Verdict != detect.Confirmed || res.Output != "photo.jpg" || len(res.ContentHash) != 64 {
		t.Fatalf("result part: %+v %v", res, err)
	}
	p, _ = mr.NextPart()
	file, _ := io.ReadAll(p)
	if p.FileName() != "photo.jpg" || p.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("file part %q %q", p.FileName(), p.Header.Get("Content-Type"))
	}
	samePixels(t, in, file)
	// A second file in one request is refused.
	body.Reset()
	mw = multipart.NewWriter(&body)
	for _, n := range []string{"a.jpg", "b.jpg"} {
		fw, _ := mw.CreateFormFile("file", n)
		fw.Write(in)
	}
	mw.Close()
	resp, out = e.do("POST", "/api/v1/label", e.producer, &body, "Content-Type", mw.FormDataContentType())
	wantError(t, resp, out, 400, "too_many_files")
}

func TestAuth(t *testing.T) {
	e := start(t, func(c *Config) {})
	e.srv.keys.ttl = 0 // see revocations at once
	jpg := testJPEG(t, 4)
	cases := []struct {
		name, method, path, key string
		status                  int
		code                    string
	}{
		{"no key", "POST", "/api/v1/label", "", 401, "unauthorized"},
		{"unknown key", "POST", "/api/v1/label", "aigck_00_nope", 401, "unauthorized"},
		{"unknown key on a public endpoint", "POST", "/api/v1/detect", "aigck_00_nope", 401, "unauthorized"},
		{"platform labels", "POST", "/api/v1/label", e.platform, 403, "forbidden"},
		{"producer propagates", "POST", "/api/v1/propagate", e.producer, 403, "forbidden"},
		{"producer with another code", "POST", "/api/v1/label?producer=91110000MA00OTHER000000003Z", e.producer, 403, "producer_mismatch"},
		{"producer exports", "GET", "/api/v1/export", e.producer, 403, "forbidden"},
		{"platform lists keys", "GET", "/api/v1/admin/keys", e.platform, 403, "forbidden"},
		{"anonymous batch", "POST", "/api/v1/batch", "", 401, "unauthorized"},
		{"unknown option", "POST", "/api/v1/label?colour=red", e.producer, 400, "invalid_option"},
		{"admin without producer", "POST", "/api/v1/label", e.admin, 400, "invalid_option"},
		{"bad explicit position", "POST", "/api/v1/label?explicit=1&position=nowhere", e.producer, 422, "label_failed"},
		{"bad Label value", "POST", "/api/v1/label?label=7", e.producer, 400, "invalid_record"},
		{"unknown endpoint", "GET", "/api/v1/nothing", "", 404, "not_found"},
	}
	for _, c := range cases {
		resp, body := e.do(c.method, c.path, c.key, bytes.NewReader(jpg))
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.status)
			continue
		}
		wantError(t, resp, body, c.status, c.code)
	}
	// Admin creates a key over the API, it works, admin revokes it, it stops.
	resp, body := e.do("POST", "/api/v1/admin/keys", e.admin, strings.NewReader(`{"role":"producer","producer":"`+producerCode+`","name":"api"}`))
	var created struct {
		Key    store.Key
		Secret string
	}
	if resp.StatusCode != 201 || json.Unmarshal(body, &created) != nil || created.Secret == "" {
		t.Fatalf("admin key add: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/v1/label", created.Secret, bytes.NewReader(jpg)); resp.StatusCode != 200 {
		t.Fatalf("new key: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("DELETE", "/api/v1/admin/keys/"+created.Key.ID, e.admin, nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/v1/label", created.Secret, bytes.NewReader(jpg))
	wantError(t, resp, body, 401, "unauthorized")
	resp, body = e.do("GET", "/api/v1/admin/keys", e.admin, nil)
	if resp.StatusCode != 200 || strings.Count(string(body), `"role"`) != 4 {
		t.Fatalf("key list: %d %s", resp.StatusCode, body)
	}
	// Export (admin) holds the one labeling event, in both formats.
	resp, body = e.do("GET", "/api/v1/export?format=jsonl", e.admin, nil)
	if resp.StatusCode != 200 || strings.Count(string(body), "\n") != 1 || !strings.Contains(string(body), producerCode) {
		t.Fatalf("export jsonl: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("GET", "/api/v1/export?format=csv", e.admin, nil)
	if resp.StatusCode != 200 || strings.Count(string(body), "\n") != 2 || !strings.HasPrefix(string(body), "id,time,") {
		t.Fatalf("export csv: %d %s", resp.StatusCode, body)
	}
}

func TestLimitsAndMalformed(t *testing.T) {
	e := start(t, func(c *Config) {
		c.MaxBody = 256 << 10
		c.MaxPixels = 4_000_000
		c.MaxDuration = time.Minute
	})
	big := bytes.Repeat([]byte{0xff}, 300<<10)
	resp, body := e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(big))
	wantError(t, resp, body, 413, "too_large")
	// Without a Content-Length (chunked), the cap still holds.
	resp, body = e.do("POST", "/api/v1/detect", "", io.MultiReader(bytes.NewReader(big)))
	wantError(t, resp, body, 413, "too_large")

	resp, body = e.do("POST", "/api/v1/detect", "", strings.NewReader("\x00\x01\x02 not a known format \xff\xfe"))
	wantError(t, resp, body, 415, "unsupported_format")
	resp, body = e.do("POST", "/api/v1/label", e.producer, nil)
	wantError(t, resp, body, 400, "empty_body")
	jpg := testJPEG(t, 5)
	// Cut inside the header segments: a segment length points past the end.
	resp, body = e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(jpg[:30]))
	if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(string(body), `"code"`) {
		t.Fatalf("truncated JPEG: %d %.200s, want a 4xx JSON error", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/v1/label", e.producer, strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nno closing boundary"), "Content-Type", "multipart/form-data; boundary=x")
	wantError(t, resp, body, 400, "bad_multipart")

	// Decompression bombs: headers declaring 10^10 pixels and 3 hours of
	// audio in a few kilobytes are refused before any decoding.
	resp, body = e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(pngBomb(100000, 100000)))
	wantError(t, resp, body, 413, "too_many_pixels")
	resp, body = e.do("POST", "/api/v1/detect", "", bytes.NewReader(pngBomb(100000, 100000)))
	wantError(t, resp, body, 413, "too_many_pixels")
	resp, body = e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(wavBomb(3*3600)))
	wantError(t, resp, body, 413, "too_long")
}

// pngBomb is a PNG signature and an IHDR chunk (valid CRC) declaring w x h.
func pngBomb(w, h uint32) []byte {
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 2 // 8-bit RGB
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return append(b, make([]byte, 64)...)
}

// wavBomb is a WAV header (16-bit stereo 44.1 kHz) declaring sec seconds of
// samples, followed by a few bytes of them.
func wavBomb(sec uint32) []byte {
	data := sec * 44100 * 4
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, 36+data)
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint32(b, 44100)
	b = binary.LittleEndian.AppendUint32(b, 44100*4)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, data)
	return append(b, make([]byte, 4096)...)
}

func zipOf(t *testing.T, entries map[string][]byte, method uint16) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestZipLimits(t *testing.T) {
	e := start(t, func(c *Config) {
		c.MaxZipBytes = 8 << 20
		c.MaxZipEntries = 5
		c.BatchWorkers = -1
	})
	// A zip bomb: 64 MiB of zeros deflate to about 64 KiB.
	bomb := zipOf(t, map[string][]byte{"zeros.jpg": make([]byte, 64<<20)}, zip.Deflate)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	resp, body := e.do("POST", "/api/v1/batch", e.producer, bytes.NewReader(bomb), "Content-Type", "application/zip")
	wantError(t, resp, body, 413, "zip_too_large")
	many := map[string][]byte{}
	for i := range 6 {
		many[fmt.Sprintf("f%d.jpg", i)] = []byte("x")
	}
	resp, body = e.do("POST", "/api/v1/batch", e.producer, bytes.NewReader(zipOf(t, many, zip.Store)))
	wantError(t, resp, body, 413, "zip_too_large")
	for _, name := range []string{"../evil.jpg", "a/../../evil.jpg", "/etc/evil.jpg", `..\evil.jpg`, "C:/evil.jpg"} {
		z := zipOf(t, map[string][]byte{"ok.jpg": testJPEG(t, 6), name: testJPEG(t, 7)}, zip.Store)
		resp, body = e.do("POST", "/api/v1/batch", e.producer, bytes.NewReader(z))
		wantError(t, resp, body, 400, "zip_unsafe_path")
	}
	resp, body = e.do("POST", "/api/v1/batch", e.producer, strings.NewReader("PK\x03\x04 broken"))
	wantError(t, resp, body, 400, "bad_zip")
	// Nothing was queued by any refused request.
	if n, _ := e.st.QueueLength(context.Background()); n != 0 {
		t.Fatalf("%d files queued by refused batches", n)
	}
}

func TestBatch(t *testing.T) {
	e := start(t, nil)
	z := zipOf(t, map[string][]byte{
		"dir/a.jpg": testJPEG(t, 10),
		"b.png":     testPNG(t, 11),
		"bad.jpg":   []byte("this is not a JPEG at all"),
	}, zip.Deflate)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "set.zip")
	fw.Write(z)
	fw, _ = mw.CreateFormFile("file", "c.jpg")
	fw.Write(testJPEG(t, 12))
	mw.Close()
	resp, out := e.do("POST", "/api/v1/batch?label=1", e.producer, &body, "Content-Type", mw.FormDataContentType())
	var job JobView
	if resp.StatusCode != 202 || json.Unmarshal(out, &job) != nil || job.Total != 4 || job.ID == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	// Another producer's key does not see the job.
	_, other, _ := e.st.AddKey(context.Background(), store.RoleProducer, producerCode, "other")
	resp, out = e.do("GET", "/api/v1/batch/"+job.ID, other, nil)
	wantError(t, resp, out, 404, "not_found")

	// Follow the job's Server-Sent Events to the end.
	req, _ := http.NewRequest("GET", e.base+"/api/v1/batch/"+job.ID+"/events", nil)
	req.Header.Set("X-API-Key", e.producer)
	sse, err := http.DefaultClient.Do(req)
	if err != nil || sse.StatusCode != 200 || sse.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", err, sse)
	}
	events := map[string]int{}
	sc := bufio.NewScanner(sse.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events[ev]++
		}
	}
	sse.Body.Close()
	if events["file"] != 4 || events["done"] != 1 || events["progress"] < 1 {
		t.Fatalf("events %v", events)
	}
	resp, out = e.do("GET", "/api/v1/batch/"+job.ID, e.producer, nil)
	if err := json.Unmarshal(out, &job); err != nil || job.State != store.Done || job.Done != 3 || job.Failed != 1 {
		t.Fatalf("status: %s", out)
	}
	for _, f := range job.Files {
		if (f.Name == "bad.jpg") != (f.State == store.Failed) {
			t.Fatalf("file %+v", f)
		}
		if f.State == store.Failed && f.Code == "" {
			t.Fatalf("failed file without a code: %+v", f)
		}
		var rep detect.LabelReport
		if f.State == store.Done && (json.Unmarshal(f.Result, &rep) != nil || rep.Verdict != detect.Confirmed || rep.Output != f.Name) {
			t.Fatalf("file result is not label --json's report: %s", f.Result)
		}
	}
	resp, out = e.do("GET", "/api/v1/batch/"+job.ID+"/result", e.producer, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("result: %d %s", resp.StatusCode, out)
	}
	zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	pids := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		if f.Name == "report.json" {
			continue
		}
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rep, err := detect.Inspect(context.Background(), data, detect.Options{MetadataOnly: true})
		if err != nil || rep.Verdict != detect.Confirmed {
			t.Fatalf("%s: %v %+v", f.Name, err, rep)
		}
		pids[rep.AIGC.ProduceID] = true
	}
	if !names["dir/a.jpg"] || !names["b.png"] || !names["c.jpg"] || !names["report.json"] || len(zr.File) != 4 || len(pids) != 3 {
		t.Fatalf("zip holds %v, %d ProduceIDs", names, len(pids))
	}
	evs, _ := e.st.EventsByJob(context.Background(), job.ID)
	if len(evs) != 3 {
		t.Fatalf("%d registry rows for the job, want 3", len(evs))
	}
	for _, ev := range evs {
		if !pids[ev.ProduceID] {
			t.Fatalf("registry row %s not in the outputs", ev.ProduceID)
		}
	}
	// produce-id makes no sense for many files.
	resp, out = e.do("POST", "/api/v1/batch?produce-id=X", e.producer, bytes.NewReader(testJPEG(t, 1)))
	wantError(t, resp, out, 400, "invalid_option")
}

func TestPropagate(t *testing.T) {
	e := start(t, nil)
	resp, labeled := e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(testPNG(t, 20)))
	if resp.StatusCode != 200 {
		t.Fatalf("label: %d %s", resp.StatusCode, labeled)
	}
	pid := resp.Header.Get("AIGC-Produce-ID")
	resp, out := e.do("POST", "/api/v1/propagate", e.platform, bytes.NewReader(labeled))
	if resp.StatusCode != 200 {
		t.Fatalf("propagate: %d %s", resp.StatusCode, out)
	}
	rep, err := detect.Inspect(context.Background(), out, detect.Options{MetadataOnly: true})
	if err != nil || rep.AIGC.ContentPropagator != platformCode || rep.AIGC.ProduceID != pid || rep.AIGC.ContentProducer != producerCode || rep.AIGC.PropagateID == "" {
		t.Fatalf("propagated record %+v %v", rep.AIGC, err)
	}
	evs, _ := e.st.EventsByProduceID(context.Background(), pid)
	if len(evs) != 2 || evs[1].Kind != store.KindPropagate || evs[1].Propagator != platformCode {
		t.Fatalf("events %+v", evs)
	}
	// An unlabeled file with no verdict has nothing to propagate.
	resp, out = e.do("POST", "/api/v1/propagate", e.platform, bytes.NewReader(testPNG(t, 21)))
	wantError(t, resp, out, 422, "nothing_to_propagate")
	// Declared by the uploader: labeled "possible" (2).
	resp, out = e.do("POST", "/api/v1/propagate?declared=1", e.platform, bytes.NewReader(testPNG(t, 21)))
	if resp.StatusCode != 200 {
		t.Fatalf("declared: %d %s", resp.StatusCode, out)
	}
	if rep, _ := detect.Inspect(context.Background(), out, detect.Options{MetadataOnly: true}); rep.AIGC == nil || rep.AIGC.Label != "2" {
		t.Fatalf("declared propagation: %+v", rep.AIGC)
	}
}

func TestTextFingerprintLookup(t *testing.T) {
	e := start(t, nil)
	text := strings.Repeat("Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do. ", 3) +
		"Once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it."
	md := "<!DOCTYPE html>\n<html><head><title>Chapter</title></head><body><p>" + text + "</p></body></html>\n"
	resp, out := e.do("POST", "/api/v1/label", e.producer, strings.NewReader(md))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("labeling HTML: %d %s", resp.StatusCode, out)
	}
	pid := resp.Header.Get("AIGC-Produce-ID")
	// The labeled file itself and a lightly edited copy without the
	// metadata are both found.
	edited := strings.Replace(md, "very tired", "quite tired", 1)
	excerpt := "Once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations in it."
	for _, q := range []string{string(out), edited, excerpt} {
		resp, body := e.do("POST", "/api/v1/lookup", "", strings.NewReader(q))
		if resp.StatusCode != 200 || !strings.Contains(string(body), pid) {
			t.Fatalf("lookup: %d %s", resp.StatusCode, body)
		}
	}
	resp, body := e.do("POST", "/api/v1/lookup", "", strings.NewReader("# Other\n\nA completely different text about the registry of labeling events and servers.\n"))
	if resp.StatusCode != 200 || strings.Contains(string(body), pid) {
		t.Fatalf("unrelated text matched: %s", body)
	}
}

func TestRateLimit(t *testing.T) {
	e := start(t, func(c *Config) { c.RateLimit = 2 })
	limited := 0
	for range 20 {
		resp, _ := e.do("GET", "/api/v1/keys", "", nil)
		if resp.StatusCode == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("20 anonymous requests at once were not rate-limited")
	}
	for range 20 {
		if resp, body := e.do("GET", "/api/v1/keys", e.platform, nil); resp.StatusCode != 200 {
			t.Fatalf("a request with a key was limited: %d %s", resp.StatusCode, body)
		}
	}
}

func TestHealthMetricsWeb(t *testing.T) {
	e := start(t, nil)
	resp, body := e.do("GET", "/healthz", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(testJPEG(t, 30)))
	e.do("POST", "/api/v1/label", "", nil)
	resp, body = e.do("GET", "/metrics", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	checkExposition(t, string(body))
	for _, want := range []string{
		`aigclabel_http_requests_total{method="POST",route="/api/v1/label",code="200"} 1`,
		`aigclabel_http_requests_total{method="POST",route="/api/v1/label",code="401"} 1`,
		`aigclabel_labels_total{format="jpeg"} 1`,
		`aigclabel_http_request_duration_seconds_count{route="/api/v1/label"} 2`,
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	resp, body = e.do("GET", "/", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(body)), "<html") {
		t.Fatalf("web page: %d", resp.StatusCode)
	}
	resp, body = e.do("GET", "/api/v1/keys", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"keys"`) {
		t.Fatalf("keys: %d %s", resp.StatusCode, body)
	}
}

// checkExposition checks every line against the Prometheus text format:
// comments, or name{labels} value with each histogram's buckets cumulative.
func checkExposition(t *testing.T, s string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '}'); i > 0 {
			name, rest, ok = line[:i+1], strings.TrimPrefix(line[i+1:], " "), true
		}
		var v float64
		if !ok || name == "" || strings.ContainsAny(rest, " \t") {
			t.Fatalf("bad exposition line %q", line)
		}
		if _, err := fmt.Sscanf(rest, "%g", &v); err != nil {
			t.Fatalf("bad value in %q", line)
		}
	}
}

// TestOpenAPIMatchesRoutes checks the document against the code: every
// /api/v1 route is documented with its method and every documented
// operation exists. TestMain checks the statuses the tests saw.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := start(t, nil)
	resp, body := e.do("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct{ Responses map[string]any }
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %d", resp.StatusCode)
	}
	routes := map[string]bool{}
	for _, r := range e.srv.e.Routes() {
		p, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || p == "/*" || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		// echo's :param is OpenAPI's {param}.
		parts := strings.Split(p, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, ":") {
				parts[i] = "{" + s[1:] + "}"
			}
		}
		key := strings.ToLower(r.Method) + " " + strings.Join(parts, "/")
		routes[key] = true
		ops, ok := doc.Paths[strings.Join(parts, "/")]
		if _, has := ops[strings.ToLower(r.Method)]; !ok || !has {
			t.Errorf("route %s is not documented", key)
		}
	}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			if !routes[m+" "+p] {
				t.Errorf("documented %s %s has no route", m, p)
			}
			_ = op
		}
	}
}

// TestTwoServersSharePostgres runs two servers on one PostgreSQL registry:
// a batch submitted to the one without batch workers is done by the other,
// and what one labels the other finds.
func TestTwoServersSharePostgres(t *testing.T) {
	dsn := storetest.TempPostgres(t, storetest.Postgres(t))
	a := startOn(t, dsn, func(c *Config) { c.BatchWorkers = -1 })
	b := startOn(t, dsn, nil)

	resp, out := a.do("POST", "/api/v1/label", a.producer, bytes.NewReader(testJPEG(t, 40)))
	if resp.StatusCode != 200 {
		t.Fatalf("label on A: %d %s", resp.StatusCode, out)
	}
	pid := resp.Header.Get("AIGC-Produce-ID")
	if resp, body := b.do("GET", "/api/v1/records/"+pid, "", nil); resp.StatusCode != 200 {
		t.Fatalf("record on B: %d %s", resp.StatusCode, body)
	}
	// B's key works on A: keys live in the shared registry.
	if resp, body := a.do("POST", "/api/v1/label", b.producer, bytes.NewReader(testPNG(t, 41))); resp.StatusCode != 200 {
		t.Fatalf("B's key on A: %d %s", resp.StatusCode, body)
	}

	const n = 12
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := range n {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("f%02d.jpg", i))
		fw.Write(testJPEG(t, 50+i))
	}
	mw.Close()
	resp, out = a.do("POST", "/api/v1/batch", a.producer, &body, "Content-Type", mw.FormDataContentType())
	var job JobView
	if resp.StatusCode != 202 || json.Unmarshal(out, &job) != nil {
		t.Fatalf("batch on A: %d %s", resp.StatusCode, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, out = a.do("GET", "/api/v1/batch/"+job.ID, a.producer, nil)
		json.Unmarshal(out, &job)
		if job.State == store.Done || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if job.Done != n {
		t.Fatalf("job on A done by B: %s", out)
	}
	evs, err := a.st.EventsByJob(context.Background(), job.ID)
	if err != nil || len(evs) != n {
		t.Fatalf("%d registry rows for %d files (%v)", len(evs), n, err)
	}
}

// TestSealedLabels runs a server with a sealing key: labels carry a seal,
// /keys publishes the key, and /verify finds the seal valid.
func TestSealedLabels(t *testing.T) {
	priv, err := sign.GenerateKey(sign.Ed25519, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := sign.NewSealer(priv, "", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, func(c *Config) { c.Sealer = sealer })
	resp, out := e.do("POST", "/api/v1/label", e.producer, bytes.NewReader(testPNG(t, 60)))
	if resp.StatusCode != 200 {
		t.Fatalf("label: %d %s", resp.StatusCode, out)
	}
	_, body := e.do("GET", "/api/v1/keys", "", nil)
	ks, err := sign.ParseKeySet(body)
	if err != nil || len(ks.Keys) != 1 || ks.Keys[0].KeyID != sealer.KeyID() || !ks.Keys[0].Public.Equal(sealer.Public()) {
		t.Fatalf("key set %s: %v", body, err)
	}
	_, body = e.do("POST", "/api/v1/verify", "", bytes.NewReader(out))
	var v Verification
	if err := json.Unmarshal(body, &v); err != nil || v.AIGC == nil || v.AIGC.ReservedCode1 == "" || v.Seal == nil || v.Seal.Producer.Status != sign.StatusValid {
		t.Fatalf("verify: %s", body)
	}
}

// TestShutdownCheckpointsBatch stops a server while a slow batch file (an
// invisible watermark on a large image) is running, with almost no grace:
// the file is either finished (output and registry row) or back in the
// queue untouched, never left running, failed, or recorded without output.
func TestShutdownCheckpointsBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("watermarks a large image")
	}
	dsn := filepath.Join(t.TempDir(), "reg.db")
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := New(Config{Store: st, RateLimit: -1, ShutdownGrace: 10 * time.Millisecond, BatchWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	_, key, _ := st.AddKey(context.Background(), store.RoleProducer, producerCode, "")

	big := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range big.Pix {
		big.Pix[i] = uint8(i*7 + i/4800)
	}
	var b bytes.Buffer
	png.Encode(&b, big)
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/batch?watermark=1", &b)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var job JobView
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, _, err := st.Job(context.Background(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Running == 1 || j.Done == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	j, files, err := st.Job(context.Background(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := st.EventsByJob(context.Background(), job.ID)
	switch files[0].State {
	case store.Done:
		if len(evs) != 1 {
			t.Fatalf("finished file with %d registry rows", len(evs))
		}
	case store.Queued:
		if len(evs) != 0 {
			t.Fatalf("checkpointed file with %d registry rows", len(evs))
		}
		// Requeued untouched: the next worker can take it.
		cl, err := st.Claim(context.Background(), "next", time.Minute)
		if err != nil || cl.Attempts != 1 || len(cl.Input) == 0 {
			t.Fatalf("requeued file: %+v %v", cl, err)
		}
	default:
		t.Fatalf("after shutdown the file is %s (%+v)", files[0].State, j)
	}
	t.Logf("file %s at shutdown", files[0].State)
}

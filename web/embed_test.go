package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func get(h http.Handler, path string, hdr ...string) *http.Response {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func TestEncodingNegotiation(t *testing.T) {
	wasm := []byte("\x00asm\x01\x00\x00\x00 module body")
	h := NewHandler(fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html><title>x</title>")},
		"aigclabel.wasm":    {Data: wasm},
		"aigclabel.wasm.gz": {Data: gz(t, wasm)},
		"aigclabel.wasm.br": {Data: []byte("brotli bytes")},
	})
	for _, tc := range []struct {
		accept, wantEnc string
	}{
		{"", ""},
		{"gzip", "gzip"},
		{"gzip, deflate, br", "br"},
		{"br;q=0, gzip;q=0.5", "gzip"},
		{"*", "br"},
		{"*;q=0, identity", ""},
		{"BR", "br"},
	} {
		resp := get(h, "/aigclabel.wasm", "Accept-Encoding", tc.accept)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("Accept-Encoding %q: status %d", tc.accept, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.wantEnc {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.wantEnc)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" {
			t.Errorf("Content-Type %q, want application/wasm", ct)
		}
		if v := resp.Header.Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("Vary %q", v)
		}
		switch tc.wantEnc {
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			if !bytes.Equal(plain, wasm) {
				t.Errorf("gzip body does not decode to the module")
			}
		case "":
			if !bytes.Equal(body, wasm) {
				t.Errorf("identity body differs")
			}
		}
	}
}

func TestCachingHeaders(t *testing.T) {
	h := NewHandler(fstest.MapFS{"index.html": {Data: []byte("<!doctype html>hello")}, "app.js": {Data: []byte("1")}})
	resp := get(h, "/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "'wasm-unsafe-eval'") {
		t.Errorf("CSP %q does not allow compiling WebAssembly", csp)
	}
	if r := get(h, "/index.html", "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: status %d, want 304", r.StatusCode)
	}
	if r := get(h, "/app.js", "If-None-Match", etag); r.StatusCode != 200 {
		t.Errorf("another file's ETag matched: status %d", r.StatusCode)
	}
	if ct := get(h, "/app.js").Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("app.js Content-Type %q", ct)
	}
}

func TestMissingModule(t *testing.T) {
	h := NewHandler(fstest.MapFS{"index.html": {Data: []byte("x")}})
	resp := get(h, "/aigclabel.wasm")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.Contains(string(body), "make wasm") {
		t.Errorf("missing module: %d %q", resp.StatusCode, body)
	}
	if r := get(h, "/../../etc/passwd"); r.StatusCode != 404 {
		t.Errorf("path escape: %d", r.StatusCode)
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
}

// TestEmbedded checks the real embedded page: every file the page and the
// service worker load is there (the WASM build outputs only after make wasm).
func TestEmbedded(t *testing.T) {
	h := Handler()
	sub, _ := fs.Sub(static, "static")
	for _, name := range []string{"index.html", "app.js", "i18n.js", "zip.js", "worker.js", "sw.js", "style.css", "icon.svg", "manifest.webmanifest"} {
		if r := get(h, "/"+name); r.StatusCode != 200 {
			t.Errorf("%s: status %d", name, r.StatusCode)
		}
	}
	if _, err := fs.Stat(sub, "aigclabel.wasm"); err == nil {
		resp := get(h, "/aigclabel.wasm", "Accept-Encoding", "gzip, br")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/wasm" {
			t.Errorf("aigclabel.wasm: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	} else {
		t.Log("aigclabel.wasm not built (run make wasm): only the page itself was checked")
	}
}

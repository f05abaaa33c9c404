// Package web is aigclabel's browser page: static files embedded into the
// server binary, plus the browser WASM module that `make wasm` writes into
// static/ beside them (aigclabel.wasm, its .gz and .br forms, wasm_exec.js).
// Those build outputs are not committed; without them the page still loads and
// says the module is missing.
//
// Handler serves the files with the right MIME types (application/wasm, so
// browsers can compile the module while it downloads), picks a precompressed
// form by Accept-Encoding (br, then gzip), and sends ETags with "no-cache" so
// browsers revalidate cheaply and never mix a new page with an old module.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Handler returns the handler for the page and its files, to be mounted at
// "/". It answers GET and HEAD only.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	return NewHandler(sub)
}

// NewHandler serves the files of fsys as Handler does. Files are read and
// hashed once, here; fsys must not change afterwards.
func NewHandler(fsys fs.FS) http.Handler {
	h := &handler{files: map[string]*file{}}
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		name, enc := p, ""
		switch {
		case strings.HasSuffix(p, ".br"):
			name, enc = strings.TrimSuffix(p, ".br"), "br"
		case strings.HasSuffix(p, ".gz"):
			name, enc = strings.TrimSuffix(p, ".gz"), "gzip"
		}
		f := h.files[name]
		if f == nil {
			f = &file{}
			h.files[name] = f
		}
		sum := sha256.Sum256(b)
		v := &variant{data: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		switch enc {
		case "br":
			f.br = v
		case "gzip":
			f.gz = v
		default:
			f.plain = v
		}
		return nil
	})
	return h
}

// A file is one served path and its stored encodings (any may be nil).
type file struct {
	plain, gz, br *variant
}

type variant struct {
	data []byte
	etag string
}

type handler struct {
	files map[string]*file
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	f := h.files[name]
	if f == nil {
		if name == "aigclabel.wasm" || name == "wasm_exec.js" {
			http.Error(w, name+" is not built into this server: run `make wasm`, then rebuild", http.StatusNotFound)
			return
		}
		http.NotFound(w, r)
		return
	}
	v, enc := f.pick(r.Header.Get("Accept-Encoding"))
	if v == nil {
		http.Error(w, "no acceptable encoding of "+name, http.StatusNotAcceptable)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType(name))
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", v.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	if f.gz != nil || f.br != nil {
		hd.Add("Vary", "Accept-Encoding")
	}
	if enc != "" {
		hd.Set("Content-Encoding", enc)
	}
	if strings.HasSuffix(name, ".html") {
		// The module needs 'wasm-unsafe-eval'; nothing else is loaded from
		// elsewhere, and blob: URLs carry the previews.
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "+
			"img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "+
			"connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'")
		hd.Set("Referrer-Policy", "no-referrer")
	}
	// Embedded files have no modification time: the ETag validates.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(v.data))
}

// pick chooses the stored encoding: brotli, then gzip, each only if the
// client accepts it (q > 0), else identity. Identity is served even when a
// client refuses it, as most servers do, rather than failing with 406.
func (f *file) pick(acceptEncoding string) (*variant, string) {
	acc := parseAcceptEncoding(acceptEncoding)
	switch {
	case f.br != nil && acc("br"):
		return f.br, "br"
	case f.gz != nil && acc("gzip"):
		return f.gz, "gzip"
	}
	return f.plain, ""
}

// parseAcceptEncoding returns whether a coding is acceptable under RFC 9110
// 12.5.3: listed with q > 0, or covered by "*" with q > 0; identity is
// acceptable unless refused.
func parseAcceptEncoding(h string) func(string) bool {
	q := map[string]float64{}
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		val := 1.0
		for _, p := range strings.Split(params, ";") {
			k, s, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
					val = f
				}
			}
		}
		q[name] = val
	}
	return func(coding string) bool {
		if v, ok := q[coding]; ok {
			return v > 0
		}
		if v, ok := q["*"]; ok {
			return v > 0
		}
		return coding == "identity"
	}
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".wasm":
		return "application/wasm"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

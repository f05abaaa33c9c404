package server

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig for the pixel limit
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/labstack/echo/v4"
	_ "golang.org/x/image/webp"
)

// upload is what a request carries: files and option values.
type upload struct {
	files []namedFile
	vals  url.Values
}

type namedFile struct {
	name string
	data []byte
}

// readUpload reads a request: the raw body as one file, or multipart/form-data
// whose file parts are files, whose "options" part is a JSON object of
// options and whose other fields are options. Query parameters are options
// too; body options override them. Bodies are already capped by limitBody.
func readUpload(c echo.Context) (*upload, error) {
	r := c.Request()
	u := &upload{vals: url.Values{}}
	for k, v := range c.QueryParams() {
		u.vals[k] = append([]string(nil), v...)
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		b, err := readBody(r)
		if err != nil {
			return nil, err
		}
		if len(b) > 0 {
			u.files = append(u.files, namedFile{name: "", data: b})
		}
		return u, nil
	}
	if params["boundary"] == "" {
		return nil, apiErr(http.StatusBadRequest, "bad_multipart", "multipart body without a boundary")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, "bad_multipart", "reading the multipart body: %v", err)
	}
	bodyVals := url.Values{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := err.(*http.MaxBytesError); ok {
				return nil, err
			}
			return nil, apiErr(http.StatusBadRequest, "bad_multipart", "reading the multipart body: %v", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			if _, ok := err.(*http.MaxBytesError); ok {
				return nil, err
			}
			return nil, apiErr(http.StatusBadRequest, "bad_multipart", "reading part %q: %v", p.FormName(), err)
		}
		switch {
		case p.FileName() != "" || p.FormName() == "file":
			u.files = append(u.files, namedFile{name: p.FileName(), data: b})
		case p.FormName() == "options":
			if err := jsonOptions(b, bodyVals); err != nil {
				return nil, err
			}
		case p.FormName() != "":
			bodyVals.Add(p.FormName(), string(b))
		}
	}
	for k, v := range bodyVals {
		u.vals[k] = v
	}
	return u, nil
}

// readBody reads a raw body into one buffer sized by Content-Length when
// declared (limitBody already refused declared sizes over the limit), which
// spares io.ReadAll's repeated growing and copying of large files.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 {
		return io.ReadAll(r.Body)
	}
	b := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, b); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil, apiErr(http.StatusBadRequest, "bad_request", "the body ended before its declared Content-Length")
		}
		return nil, err
	}
	return b, nil
}

// jsonOptions adds the members of a JSON object of options to vals. Values
// may be strings, numbers or booleans, as on the command line.
func jsonOptions(b []byte, vals url.Values) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return apiErr(http.StatusBadRequest, "invalid_option", "the options part is not a JSON object: %v", err)
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			vals.Set(k, v)
		case bool:
			vals.Set(k, strconv.FormatBool(v))
		case float64:
			vals.Set(k, strconv.FormatFloat(v, 'f', -1, 64))
		default:
			return apiErr(http.StatusBadRequest, "invalid_option", "option %q: want a string, number or boolean", k)
		}
	}
	return nil
}

// one returns the single file of an upload.
func (u *upload) one() (namedFile, error) {
	switch len(u.files) {
	case 0:
		return namedFile{}, apiErr(http.StatusBadRequest, "empty_body", "no file in the request (send it as the body or as a multipart file part)")
	case 1:
		return u.files[0], nil
	}
	return namedFile{}, apiErr(http.StatusBadRequest, "too_many_files", "%d files in one request; send one, or use /api/v1/batch", len(u.files))
}

// take removes the named options from vals and returns them.
func take(vals url.Values, names ...string) url.Values {
	out := url.Values{}
	for _, n := range names {
		if v, ok := vals[n]; ok {
			out[n] = v
			delete(vals, n)
		}
	}
	return out
}

// checkSize refuses media whose header declares more pixels or a longer
// duration than allowed, before anything decodes them: a small file that
// decodes to gigabytes (a decompression bomb) is refused here.
func (s *Server) checkSize(b []byte) error {
	kind := format.Sniff(b)
	switch {
	case kind == format.JPEG || kind == format.PNG || kind == format.WebP:
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil // not readable here: the carrier reports the damage precisely
		}
		if px := int64(cfg.Width) * int64(cfg.Height); px > s.cfg.MaxPixels {
			return apiErr(http.StatusRequestEntityTooLarge, "too_many_pixels", "%s of %dx%d = %d pixels exceeds the limit of %d", kind, cfg.Width, cfg.Height, px, s.cfg.MaxPixels)
		}
	case kind == format.WAV:
		if d, ok := wavDuration(b); ok && d > s.cfg.MaxDuration {
			return apiErr(http.StatusRequestEntityTooLarge, "too_long", "WAV of %s exceeds the limit of %s", d.Round(time.Second), s.cfg.MaxDuration)
		}
	}
	return nil
}

// wavDuration reads the duration a WAV header declares: the data chunk's
// size over the fmt chunk's byte rate. The declared size is what a decoder
// would try to allocate, so it is what is checked, not the bytes present.
func wavDuration(b []byte) (time.Duration, bool) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, false
	}
	var byteRate, dataSize uint32
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), binary.LittleEndian.Uint32(b[off+4:off+8])
		body := off + 8
		switch id {
		case "fmt ":
			if body+12 <= len(b) {
				byteRate = binary.LittleEndian.Uint32(b[body+8 : body+12])
			}
		case "data":
			dataSize = size
		}
		if dataSize != 0 && byteRate != 0 {
			break
		}
		next := int64(body) + int64(size) + int64(size&1)
		if next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	if byteRate == 0 {
		return 0, false
	}
	return time.Duration(float64(dataSize) / float64(byteRate) * float64(time.Second)), true
}

// isZip reports whether b starts like a zip archive.
func isZip(b []byte) bool {
	return len(b) >= 4 && string(b[:4]) == "PK\x03\x04"
}

// unzip expands a batch zip within the limits: entry count, total
// uncompressed size counted on the bytes actually inflated (declared sizes
// can lie), and names that stay inside the job (no absolute paths, no ..,
// no backslashes: zip slip).
func (s *Server) unzip(b []byte) ([]namedFile, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // the reader is usable; safeName below names the offending entry
	}
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, "bad_zip", "reading the zip: %v", err)
	}
	if len(zr.File) > s.cfg.MaxZipEntries {
		return nil, apiErr(http.StatusRequestEntityTooLarge, "zip_too_large", "zip of %d entries exceeds the limit of %d", len(zr.File), s.cfg.MaxZipEntries)
	}
	var files []namedFile
	budget := s.cfg.MaxZipBytes
	for _, f := range zr.File {
		name, err := safeName(f.Name)
		if err != nil {
			return nil, err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if f.UncompressedSize64 > uint64(budget) {
			return nil, apiErr(http.StatusRequestEntityTooLarge, "zip_too_large", "zip inflates to more than the limit of %d bytes", s.cfg.MaxZipBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "bad_zip", "zip entry %q: %v", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, budget+1))
		rc.Close()
		if int64(len(data)) > budget {
			return nil, apiErr(http.StatusRequestEntityTooLarge, "zip_too_large", "zip inflates to more than the limit of %d bytes", s.cfg.MaxZipBytes)
		}
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "bad_zip", "zip entry %q: %v", f.Name, err)
		}
		budget -= int64(len(data))
		files = append(files, namedFile{name: name, data: data})
	}
	return files, nil
}

// safeName checks a file name from a zip or an upload: a relative,
// slash-separated path that stays inside the job's folder.
func safeName(name string) (string, error) {
	bad := name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") ||
		(len(name) >= 2 && name[1] == ':')
	for _, part := range strings.Split(name, "/") {
		bad = bad || part == ".."
	}
	if bad {
		return "", apiErr(http.StatusBadRequest, "zip_unsafe_path", "file name %q would escape the job (absolute path, .., backslash or drive letter)", name)
	}
	return path.Clean(name), nil
}

// uniqueNames gives every file a safe, distinct output name; unnamed files
// (raw bodies) get file-N.
func uniqueNames(files []namedFile) ([]namedFile, error) {
	seen := map[string]bool{}
	for i := range files {
		n := files[i].name
		if n == "" {
			n = fmt.Sprintf("file-%d", i+1)
		}
		n, err := safeName(n)
		if err != nil {
			return nil, err
		}
		if n == "report.json" || seen[n] {
			n = fmt.Sprintf("%d-%s", i+1, path.Base(n))
			if d := path.Dir(files[i].name); d != "." && d != "" {
				n = d + "/" + n
			}
		}
		seen[n] = true
		files[i].name = n
	}
	return files, nil
}

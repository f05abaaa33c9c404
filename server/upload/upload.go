// Package upload checks what clients send before anything decodes it:
// image pixel counts and audio durations read from headers (decompression
// bombs), and batch zips (entry count, inflated size counted on the bytes
// actually inflated, names that stay inside the job). It has no server or
// registry dependency, so its parsers fuzz quickly.
package upload

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig for the pixel limit
	_ "image/png"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aigclabel/aigclabel/labeler/format"
	_ "golang.org/x/image/webp"
)

// Error is a refused upload: the HTTP status to answer and a stable code.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Limits bounds uploads.
type Limits struct {
	MaxPixels     int64         // largest image, in pixels
	MaxDuration   time.Duration // longest audio
	MaxZipEntries int           // most entries in a zip
	MaxZipBytes   int64         // largest total inflated size of a zip
}

// File is a named upload.
type File struct {
	Name string
	Data []byte
}

// Check refuses media whose header declares more pixels or a longer
// duration than allowed, before anything decodes them: a small file that
// decodes to gigabytes (a decompression bomb) is refused here.
func (l Limits) Check(b []byte) error {
	kind := format.Sniff(b)
	switch {
	case kind == format.JPEG || kind == format.PNG || kind == format.WebP:
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil // not readable here: the carrier reports the damage precisely
		}
		if px := int64(cfg.Width) * int64(cfg.Height); px > l.MaxPixels {
			return errorf(http.StatusRequestEntityTooLarge, "too_many_pixels", "%s of %dx%d = %d pixels exceeds the limit of %d", kind, cfg.Width, cfg.Height, px, l.MaxPixels)
		}
	case kind == format.WAV:
		if d, ok := WAVDuration(b); ok && d > l.MaxDuration {
			return errorf(http.StatusRequestEntityTooLarge, "too_long", "WAV of %s exceeds the limit of %s", d.Round(time.Second), l.MaxDuration)
		}
	}
	return nil
}

// WAVDuration reads the duration a WAV header declares: the data chunk's
// size over the fmt chunk's byte rate. The declared size is what a decoder
// would try to allocate, so it is what is checked, not the bytes present.
func WAVDuration(b []byte) (time.Duration, bool) {
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

// IsZip reports whether b starts like a zip archive.
func IsZip(b []byte) bool {
	return len(b) >= 4 && string(b[:4]) == "PK\x03\x04"
}

// Unzip expands a batch zip within the limits: entry count, total
// uncompressed size counted on the bytes actually inflated (declared sizes
// can lie), and names that stay inside the job (no absolute paths, no ..,
// no backslashes: zip slip).
func (l Limits) Unzip(b []byte) ([]File, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // the reader is usable; safeName below names the offending entry
	}
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "bad_zip", "reading the zip: %v", err)
	}
	if len(zr.File) > l.MaxZipEntries {
		return nil, errorf(http.StatusRequestEntityTooLarge, "zip_too_large", "zip of %d entries exceeds the limit of %d", len(zr.File), l.MaxZipEntries)
	}
	var files []File
	budget := l.MaxZipBytes
	for _, f := range zr.File {
		name, err := SafeName(f.Name)
		if err != nil {
			return nil, err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if f.UncompressedSize64 > uint64(budget) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "zip_too_large", "zip inflates to more than the limit of %d bytes", l.MaxZipBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "bad_zip", "zip entry %q: %v", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, budget+1))
		rc.Close()
		if int64(len(data)) > budget {
			return nil, errorf(http.StatusRequestEntityTooLarge, "zip_too_large", "zip inflates to more than the limit of %d bytes", l.MaxZipBytes)
		}
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "bad_zip", "zip entry %q: %v", f.Name, err)
		}
		budget -= int64(len(data))
		files = append(files, File{Name: name, Data: data})
	}
	return files, nil
}

// SafeName checks a file name from a zip or an upload: a relative,
// slash-separated path that stays inside the job's folder.
func SafeName(name string) (string, error) {
	bad := name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") ||
		(len(name) >= 2 && name[1] == ':')
	for _, part := range strings.Split(name, "/") {
		bad = bad || part == ".."
	}
	if bad {
		return "", errorf(http.StatusBadRequest, "zip_unsafe_path", "file name %q would escape the job (absolute path, .., backslash or drive letter)", name)
	}
	return path.Clean(name), nil
}

// UniqueNames gives every file a safe, distinct output name; unnamed files
// (raw bodies) get file-N.
func UniqueNames(files []File) ([]File, error) {
	seen := map[string]bool{}
	for i := range files {
		n := files[i].Name
		if n == "" {
			n = fmt.Sprintf("file-%d", i+1)
		}
		n, err := SafeName(n)
		if err != nil {
			return nil, err
		}
		if n == "report.json" || seen[n] {
			n = fmt.Sprintf("%d-%s", i+1, path.Base(n))
			if d := path.Dir(files[i].Name); d != "." && d != "" {
				n = d + "/" + n
			}
		}
		seen[n] = true
		files[i].Name = n
	}
	return files, nil
}

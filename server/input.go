package server

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/aigclabel/aigclabel/server/upload"
	"github.com/labstack/echo/v4"
)

// payload is what a request carries: files and option values.
type payload struct {
	files []upload.File
	vals  url.Values
}

// readUpload reads a request: the raw body as one file, or multipart/form-data
// whose file parts are files, whose "options" part is a JSON object of
// options and whose other fields are options. Query parameters are options
// too; body options override them. Bodies are already capped by limitBody.
func readUpload(c echo.Context) (*payload, error) {
	r := c.Request()
	u := &payload{vals: url.Values{}}
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
			u.files = append(u.files, upload.File{Data: b})
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
			u.files = append(u.files, upload.File{Name: p.FileName(), Data: b})
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
func (u *payload) one() (upload.File, error) {
	switch len(u.files) {
	case 0:
		return upload.File{}, apiErr(http.StatusBadRequest, "empty_body", "no file in the request (send it as the body or as a multipart file part)")
	case 1:
		return u.files[0], nil
	}
	return upload.File{}, apiErr(http.StatusBadRequest, "too_many_files", "%d files in one request; send one, or use /api/v1/batch", len(u.files))
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

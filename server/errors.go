package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aigclabel/aigclabel/labeler"
	"github.com/aigclabel/aigclabel/labeler/aigc"
	"github.com/aigclabel/aigclabel/labeler/format"
	"github.com/aigclabel/aigclabel/server/upload"
	"github.com/labstack/echo/v4"
)

// Error is the body of every error response: a human message and a stable
// machine code (documented in the OpenAPI document).
type Error struct {
	Message string `json:"error"`
	Code    string `json:"code"`
	status  int
	cause   error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.cause }

// apiErr builds an Error with an HTTP status.
func apiErr(status int, code, format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...), Code: code, status: status}
}

// classify maps an error from the core, the store or echo to its response.
func classify(err error) *Error {
	var e *Error
	var ue2 *upload.Error
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	var ue *format.UnsupportedError
	var fe *format.FormatError
	var ve aigc.ValidationError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &ue2):
		return &Error{Message: ue2.Msg, Code: ue2.Code, status: ue2.Status, cause: err}
	case errors.As(err, &mbe):
		return &Error{Message: fmt.Sprintf("request body larger than the limit of %d bytes", mbe.Limit), Code: "too_large", status: http.StatusRequestEntityTooLarge, cause: err}
	case errors.As(err, &he):
		return fromHTTPError(he)
	case errors.As(err, &ue):
		return &Error{Message: err.Error(), Code: "unsupported_format", status: http.StatusUnsupportedMediaType, cause: err}
	case errors.As(err, &fe):
		return &Error{Message: err.Error(), Code: "malformed", status: http.StatusUnprocessableEntity, cause: err}
	case errors.As(err, &ve), errors.Is(err, labeler.ErrNoProducer):
		return &Error{Message: err.Error(), Code: "invalid_record", status: http.StatusBadRequest, cause: err}
	case errors.Is(err, labeler.ErrNothingToPropagate):
		return &Error{Message: err.Error(), Code: "nothing_to_propagate", status: http.StatusUnprocessableEntity, cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Message: "the request took longer than the server's time limit", Code: "timeout", status: http.StatusGatewayTimeout, cause: err}
	case errors.Is(err, context.Canceled):
		return &Error{Message: "the request was canceled", Code: "canceled", status: 499, cause: err}
	}
	return &Error{Message: "internal error", Code: "internal", status: http.StatusInternalServerError, cause: err}
}

// coreErr classifies an error from the labeler or detect: the core is pure
// (no disk, network or registry), so an error it returns that is not one of
// the typed ones is about the input or its options (an unknown explicit
// label position, an image too flat to watermark), not a server fault:
// 422 with the core's message.
func coreErr(code string, err error) error {
	if err == nil || classify(err).status != http.StatusInternalServerError {
		return err
	}
	return &Error{Message: err.Error(), Code: code, status: http.StatusUnprocessableEntity, cause: err}
}

func fromHTTPError(he *echo.HTTPError) *Error {
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok && m != "" {
		msg = m
	}
	code := map[int]string{
		http.StatusNotFound:              "not_found",
		http.StatusMethodNotAllowed:      "method_not_allowed",
		http.StatusRequestEntityTooLarge: "too_large",
		http.StatusTooManyRequests:       "rate_limited",
		http.StatusUnauthorized:          "unauthorized",
		http.StatusForbidden:             "forbidden",
	}[he.Code]
	if code == "" {
		code = "bad_request"
		if he.Code >= 500 {
			code = "internal"
		}
	}
	return &Error{Message: msg, Code: code, status: he.Code, cause: he}
}

// errorHandler writes every error as JSON {error, code} and logs server faults.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := classify(err)
	if e.status >= 500 && e.status != http.StatusServiceUnavailable && e.status != http.StatusGatewayTimeout {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(e.status)
		return
	}
	c.JSON(e.status, e)
}

package server

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the OpenAPI 3 description of /api/v1. openapi_test.go checks
// it against the routes registered here and the statuses the handlers send.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openapi(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, openAPIDoc)
}

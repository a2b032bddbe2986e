package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed static
var embedded embed.FS

// staticFiles are the pages, script and style, embedded so the service works offline in
// a government network.
var staticFiles, _ = fs.Sub(embedded, "static")

// pageHeaders: our own scripts only, so text a citizen typed can never run.
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func (s *Server) page(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := fs.ReadFile(staticFiles, name)
		if err != nil {
			return err
		}
		pageHeaders(c.Response().Header())
		return c.HTMLBlob(http.StatusOK, b)
	}
}

package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/tally-sv/tally/web/components"
)

// render writes a page through a buffer, so a failure half-way never sends
// half a page with a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// page is the layout information for the current request.
func (s *Server) page(r *http.Request, title string) components.Page {
	return components.Page{Title: title}
}

package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestUIHandler(t *testing.T) {
	files := fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>Crosslink</title>")},
		"assets/index-1.js":  {Data: []byte("console.log(1)")},
		"favicon.svg":        {Data: []byte("<svg/>")},
		"assets/sub/x.css":   {Data: []byte("a{}")},
		"static/README.md":   {Data: []byte("not served as a page")},
		"assets/index-2.css": {Data: []byte("b{}")},
	}
	h := uiHandler(files)
	cases := []struct {
		method, path string
		code         int
		body, cache  string
	}{
		{"GET", "/", 200, "<title>Crosslink</title>", "no-cache"},
		{"GET", "/index.html", 200, "<title>Crosslink</title>", "no-cache"},
		{"GET", "/cases/123", 200, "<title>Crosslink</title>", "no-cache"}, // the UI's own routes survive a reload
		{"GET", "/assets/index-1.js", 200, "console.log(1)", "immutable"},
		{"HEAD", "/assets/index-2.css", 200, "", "immutable"},
		{"GET", "/favicon.svg", 200, "<svg/>", ""},
		{"GET", "/assets/missing.js", 404, "", ""},
		{"GET", "/missing.png", 404, "", ""},
		{"GET", "/../../etc/passwd", 200, "<title>Crosslink</title>", "no-cache"}, // cleaned to /etc/passwd: not a file
		{"POST", "/", 405, "", ""},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != c.code || !strings.Contains(string(body), c.body) || !strings.Contains(rec.Header().Get("Cache-Control"), c.cache) {
			t.Errorf("%s %s: %d %q cache %q; want %d %q %q", c.method, c.path, rec.Code, body, rec.Header().Get("Cache-Control"), c.code, c.body, c.cache)
		}
	}

	// Without a built UI: 503 and how to build it.
	rec := httptest.NewRecorder()
	uiHandler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "npm run build") {
		t.Errorf("no UI: %d %q", rec.Code, rec.Body.String())
	}
}

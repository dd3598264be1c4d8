// Package ui holds the investigator's web UI (TypeScript and React, built with Vite into
// static/app) and embeds the built files into the crosslink binary, which serves them at /.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed all:static
var static embed.FS

// Dist is the built UI (index.html and assets/), or nil when the binary was built before the
// UI (`cd ui && npm ci && npm run build`, which `make run` and `make build` do).
func Dist() fs.FS {
	sub, err := fs.Sub(static, "static/app")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}

// Package webclient embeds the enquirer's web client as built by
// `make build` (webclient/dist/): index.html, bundles with content-hash
// names and SHA256SUMS. A fresh clone without node has only dist/.gitkeep;
// mailboxd then answers the page with 503 until the client is built.
package webclient

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the built files, rooted at dist/.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("webclient: " + err.Error()) // "dist" is a valid path
	}
	return sub
}

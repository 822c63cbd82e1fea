// Package desk embeds the counsellor desk's user interface as built by
// `make build` (webclient/desk/dist/: index.html, a script and a style
// sheet with content-hash names, SHA256SUMS), which counsel serves on
// 127.0.0.1 (see lotse/counsel). The page decrypts nothing itself; it gets
// plaintext only from the local counsel process. The sources are in src/.
//
// A fresh clone without node has only dist/.gitkeep: `go build ./...`
// works, and the desk then answers every page with 503 until it is built.
package desk

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed all:dist
var dist embed.FS

// Static is the UI's file tree: index.html at its root once built.
func Static() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("desk: " + err.Error()) // "dist" is a valid path
	}
	return sub
}

// Built reports whether the UI was built into this binary.
func Built() bool {
	_, err := fs.Stat(Static(), "index.html")
	return err == nil
}

// Handler serves the UI's files, or 503 with the next step when the UI
// was not built.
func Handler() http.Handler {
	if !Built() {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("counsellor desk not built — run make build\n"))
		})
	}
	return http.FileServerFS(Static())
}

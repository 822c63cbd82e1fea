// Package desk embeds the counsellor desk's user interface: plain HTML,
// CSS and JavaScript modules without a build step, which counsel serves
// on 127.0.0.1 (see lotse/counsel). The page decrypts nothing itself; it
// gets plaintext only from the local counsel process.
package desk

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var files embed.FS

// Static is the UI's file tree: index.html at its root.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("desk: " + err.Error())
	}
	return sub
}

// Handler serves the UI's files.
func Handler() http.Handler { return http.FileServerFS(Static()) }

package counsel

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayers keeps the package's three layers apart (see doc.go): only
// cli*.go talks to a terminal or parses flags, only desk*.go speaks to a
// browser, and no file reaches past api/client into the server's
// packages. It reads the import lists only.
func TestLayers(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	everywhere := []string{"github.com/gofiber/fiber/v2", "go.etcd.io/bbolt", "lotse/mailbox", "lotse/api"}
	terminal := []string{"flag", "os/exec", "os/signal", "text/tabwriter", "golang.org/x/term", "bufio"}
	browser := []string{"lotse/webclient/desk", "mime"}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		forbidden := everywhere
		switch {
		case strings.HasPrefix(name, "cli"):
			forbidden = append(forbidden, browser...)
		case strings.HasPrefix(name, "desk"):
			forbidden = append(forbidden, terminal...)
		default:
			forbidden = append(forbidden, append(terminal, browser...)...)
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"os.Stdout", "os.Stderr", "os.Stdin", "fmt.Print"} {
				if strings.Contains(string(src), w) {
					t.Errorf("%s: the domain uses %s; printing belongs to cli*.go", name, w)
				}
			}
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if path == bad {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}
}

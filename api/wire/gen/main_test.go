package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const committed = "../../../webclient/src/wire.ts"

// TestWireTSIsFresh regenerates wire.ts in memory: the committed file must
// be exactly what package wire declares today.
func TestWireTSIsFresh(t *testing.T) {
	got, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("webclient/src/wire.ts is stale: run go generate ./api/wire")
	}
}

// TestGenerateShapes checks the mapping rules on a package of their own,
// so that a wrong rule cannot hide behind a regenerated file.
func TestGenerateShapes(t *testing.T) {
	dir := t.TempDir()
	src := `package wire

// Bytes is base64.
//
// Go details.
type Bytes []byte

// Thing is a test type.
type Thing struct {
	Name  string   ` + "`json:\"name\"`" + ` // its name
	N     uint64   ` + "`json:\"n\"`" + `
	On    bool     ` + "`json:\"on,omitempty\"`" + `
	Who   *string  ` + "`json:\"who\"`" + `
	Raw   []byte   ` + "`json:\"raw\"`" + `
	B     Bytes    ` + "`json:\"b\"`" + `
	List  []*Other ` + "`json:\"list\"`" + `
	Skip  string   ` + "`json:\"-\"`" + `
	inner bool
}

type Other struct {
	Thing
	X int ` + "`json:\"x\"`" + `
}

// GoOnly has no JSON form.
type GoOnly struct{ A string }

type hidden struct{ A string ` + "`json:\"a\"`" + ` }
`
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"/** Bytes is base64. */\nexport type Bytes = string;\n",
		"/** Thing is a test type. */\nexport interface Thing {\n" +
			"  name: string; // its name\n" +
			"  n: number;\n" +
			"  on?: boolean;\n" +
			"  who: string | null;\n" +
			"  raw: Bytes;\n" +
			"  b: Bytes;\n" +
			"  list: (Other | null)[];\n" +
			"}\n",
		"export interface Other extends Thing {\n  x: number;\n}\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, got)
		}
	}
	for _, bad := range []string{"Go details", "GoOnly", "hidden", "skip", "inner"} {
		if strings.Contains(string(got), bad) {
			t.Errorf("output has %q:\n%s", bad, got)
		}
	}

	// What it cannot map is an error, not a guess.
	for _, typ := range []string{"map[string]int", "[4]byte", "json.RawMessage", "any"} {
		src := "package wire\n\ntype T struct {\n\tF " + typ + " `json:\"f\"`\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := generate(dir); err == nil {
			t.Errorf("%s: no error", typ)
		}
	}
}

// TestGoGenerate runs the command as go generate does and checks that it
// writes what generate returns.
func TestGoGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	out := filepath.Join(t.TempDir(), "wire.ts")
	cmd := exec.Command("go", "run", ".", "-dir", "..", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the command wrote something else than generate returns")
	}
}

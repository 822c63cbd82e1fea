package tsgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pkg writes src as the only file of a package in a new directory.
func pkg(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func contains(t *testing.T, got []byte, wants, bads []string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, got)
		}
	}
	for _, bad := range bads {
		if strings.Contains(string(got), bad) {
			t.Errorf("output has %q:\n%s", bad, got)
		}
	}
}

// TestGenerateShapes checks the mapping rules on a package of their own,
// so that a wrong rule cannot hide behind a regenerated file.
func TestGenerateShapes(t *testing.T) {
	dir := pkg(t, `package wire

// Bytes is base64.
//
// Go details.
type Bytes []byte

// Thing is a test type.
type Thing struct {
	Name  string            `+"`json:\"name\"`"+` // its name
	N     uint64            `+"`json:\"n\"`"+`
	On    bool              `+"`json:\"on,omitempty\"`"+`
	Z     int               `+"`json:\"z,omitzero\"`"+`
	Who   *string           `+"`json:\"who\"`"+`
	Raw   []byte            `+"`json:\"raw\"`"+`
	B     Bytes             `+"`json:\"b\"`"+`
	List  []*Other          `+"`json:\"list\"`"+`
	Map   map[string]Bytes  `+"`json:\"map\"`"+`
	Skip  string            `+"`json:\"-\"`"+`
	inner bool
}

type Other struct {
	Thing
	X int `+"`json:\"x\"`"+`
}

// GoOnly has no JSON form.
type GoOnly struct{ A string }

type hidden struct{ A string `+"`json:\"a\"`"+` }
`)
	got, err := Generate(dir, Config{Package: "wire", Header: "// head\n", Bytes: "Bytes"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "// head\n\n") {
		t.Errorf("output does not start with the header:\n%s", got)
	}
	contains(t, got, []string{
		"/** Bytes is base64. */\nexport type Bytes = string;\n",
		"/** Thing is a test type. */\nexport interface Thing {\n" +
			"  name: string; // its name\n" +
			"  n: number;\n" +
			"  on?: boolean;\n" +
			"  z?: number;\n" +
			"  who: string | null;\n" +
			"  raw: Bytes;\n" +
			"  b: Bytes;\n" +
			"  list: (Other | null)[];\n" +
			"  map: Record<string, Bytes>;\n" +
			"}\n",
		"export interface Other extends Thing {\n  x: number;\n}\n",
	}, []string{"Go details", "GoOnly", "hidden", "skip", "inner"})
	if _, err := Generate(dir, Config{Package: "other"}); err == nil {
		t.Error("another package's name: no error")
	}

	// What it cannot map is an error, not a guess.
	for _, typ := range []string{"map[int]string", "[4]byte", "json.RawMessage", "any", "hidden", "GoOnly", "Missing", "struct{ A int }"} {
		src := "package wire\n\ntype T struct {\n\tF " + typ + " `json:\"f\"`\n}\n\ntype hidden struct{ A string `json:\"a\"` }\n\ntype GoOnly struct{ A string }\n"
		if _, err := Generate(pkg(t, src), Config{Package: "wire", Bytes: "Bytes"}); err == nil {
			t.Errorf("%s: no error", typ)
		}
	}
	for name, src := range map[string]string{
		",string":        "type T struct {\n\tF int `json:\"f,string\"`\n}\n",
		"two names":      "type T struct {\n\tF, G int `json:\"f\"`\n}\n",
		"tagged embed":   "type U struct{ A int `json:\"a\"` }\n\ntype T struct {\n\tU `json:\"u\"`\n}\n",
		"named string":   "type T string\n",
		"[]byte no type": "type T struct {\n\tF []byte `json:\"f\"`\n}\n",
	} {
		if _, err := Generate(pkg(t, "package wire\n\n"+src), Config{Package: "wire"}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestGenerateList checks a package whose list names the types: their
// order, capitalised names, other packages' types, and the list as the
// bound of what may be referenced.
func TestGenerateList(t *testing.T) {
	src := `package counsel

import "lotse/api/client"

// Exported is written.
type Exported struct {
	Case  client.Case ` + "`json:\"case\"`" + `
	Inner innerView   ` + "`json:\"inner\"`" + `
}

// innerView is what the page sees of it.
type innerView struct {
	client.Action
	// Names: who, by name.
	Names map[string]string ` + "`json:\"names,omitempty\"`" + `
}

// notListed is not in the list.
type notListed struct {
	A int ` + "`json:\"a\"`" + `
}
`
	dir := pkg(t, src)
	c := Config{Package: "counsel", Packages: map[string]string{"client": "wire"}, Types: []string{"innerView", "Exported"}}
	got, err := Generate(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	inner := "/** InnerView is what the page sees of it. */\nexport interface InnerView extends wire.Action {\n" +
		"  /** Names: who, by name. */\n" +
		"  names?: Record<string, string>;\n" +
		"}\n"
	exported := "/** Exported is written. */\nexport interface Exported {\n" +
		"  case: wire.Case;\n" +
		"  inner: InnerView;\n" +
		"}\n"
	contains(t, got, []string{inner, exported}, []string{"notListed", "NotListed", "innerView"})
	if i, e := strings.Index(string(got), "InnerView {"), strings.Index(string(got), "Exported {"); i > e {
		t.Errorf("not in the list's order:\n%s", got)
	}

	for name, c := range map[string]Config{
		"a referenced type not listed": {Package: "counsel", Packages: map[string]string{"client": "wire"}, Types: []string{"Exported"}},
		"a package without namespace":  {Package: "counsel", Types: []string{"innerView"}},
		"a type not declared":          {Package: "counsel", Packages: map[string]string{"client": "wire"}, Types: []string{"Missing"}},
		"a type listed twice":          {Package: "counsel", Packages: map[string]string{"client": "wire"}, Types: []string{"notListed", "notListed"}},
	} {
		if _, err := Generate(dir, c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	clash := pkg(t, "package counsel\n\ntype a struct{ A int `json:\"a\"` }\n\ntype A struct{ A int `json:\"a\"` }\n")
	if _, err := Generate(clash, Config{Package: "counsel", Types: []string{"a", "A"}}); err == nil {
		t.Error("two types of one TypeScript name: no error")
	}
}

// Package tsgen writes TypeScript declarations of Go types as
// encoding/json writes them, so that a JSON body is declared once, in Go,
// and the browser's types follow from it: api/wire/gen writes
// webclient/src/wire.ts, counsel/deskgen webclient/desk/src/deskwire.ts.
//
// It reads the package's source with go/ast rather than its values with
// reflect, so that the doc comments travel too. Only the shapes these
// packages use are supported; anything else is an error, not a guess.
package tsgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Config says what to declare and how to name what lies outside the package.
type Config struct {
	// Package is the name of the Go package the directory must hold.
	Package string
	// Header starts the file: the "Code generated" line, what the file
	// is, and any import its types need.
	Header string
	// Types are the types to declare, in this order, each under its Go
	// name with a capital first letter. Empty: every exported type that
	// has a JSON form, in the order of the sorted files.
	Types []string
	// Bytes is the TypeScript type of a []byte, which encoding/json writes
	// as a standard base64 string.
	Bytes string
	// Packages maps an imported Go package's name to the TypeScript
	// namespace of its types: with "client": "wire", client.Case is
	// wire.Case. A package not named here is an error.
	Packages map[string]string
}

// decl is one type declaration of the package with its doc comment.
type decl struct {
	spec *ast.TypeSpec
	doc  *ast.CommentGroup
}

// Generate renders the types c names of the package in dir as TypeScript.
func Generate(dir string, c Config) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	slices.Sort(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	fset := token.NewFileSet()
	var all []decl
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if f.Name.Name != c.Package {
			return nil, fmt.Errorf("%s: package %s, want %s", name, f.Name.Name, c.Package)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				all = append(all, decl{ts, doc})
			}
		}
	}

	// The types to write, and the TypeScript name of each.
	var out []decl
	names := map[string]string{}
	if len(c.Types) == 0 {
		for _, d := range all {
			if d.spec.Name.IsExported() && !goOnly(d.spec) {
				out = append(out, d)
			}
		}
	} else {
		byName := map[string]decl{}
		for _, d := range all {
			byName[d.spec.Name.Name] = d
		}
		for _, name := range c.Types {
			d, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("type %s: not declared in package %s", name, c.Package)
			}
			if goOnly(d.spec) {
				return nil, fmt.Errorf("%s: type %s: no JSON field", fset.Position(d.spec.Pos()), name)
			}
			out = append(out, d)
		}
	}
	taken := map[string]string{}
	for _, d := range out {
		goName := d.spec.Name.Name
		if _, dup := names[goName]; dup {
			return nil, fmt.Errorf("type %s: listed twice", goName)
		}
		ts := tsName(goName)
		if other, dup := taken[ts]; dup {
			return nil, fmt.Errorf("types %s and %s: both are %s in TypeScript", other, goName, ts)
		}
		names[goName], taken[ts] = ts, goName
	}

	g := &gen{c: c, names: names}
	var buf bytes.Buffer
	buf.WriteString(c.Header)
	for _, d := range out {
		if err := g.writeType(&buf, d); err != nil {
			return nil, fmt.Errorf("%s: type %s: %v", fset.Position(d.spec.Pos()), d.spec.Name.Name, err)
		}
	}
	return buf.Bytes(), nil
}

// Write generates and writes the file out, for a generator's main.
func Write(dir, out string, c Config) error {
	b, err := Generate(dir, c)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// Fresh reports whether the committed file is exactly what Generate
// writes today: nil, or an error that says it is stale (or why it could
// not tell). The generators' tests call it.
func Fresh(dir, committed string, c Config) error {
	got, err := Generate(dir, c)
	if err != nil {
		return err
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s is stale", filepath.Base(committed))
	}
	return nil
}

// tsName is a Go type's name in TypeScript: with a capital first letter,
// so that an unexported deskState is DeskState.
func tsName(goName string) string {
	r, n := utf8.DecodeRuneInString(goName)
	return string(unicode.ToUpper(r)) + goName[n:]
}

type gen struct {
	c     Config
	names map[string]string // Go name → TypeScript name of the types written
}

func (g *gen) writeType(buf *bytes.Buffer, d decl) error {
	name := g.names[d.spec.Name.Name]
	switch t := d.spec.Type.(type) {
	case *ast.ArrayType:
		// type Bytes []byte
		if id, ok := t.Elt.(*ast.Ident); ok && t.Len == nil && id.Name == "byte" {
			buf.WriteString("\n")
			writeDoc(buf, "", d.doc, d.spec.Name.Name, name)
			fmt.Fprintf(buf, "export type %s = string;\n", name)
			return nil
		}
	case *ast.StructType:
		var extends []string
		var body bytes.Buffer
		for _, f := range t.Fields.List {
			if len(f.Names) == 0 {
				if f.Tag != nil {
					return fmt.Errorf("embedded %s: a tag on an embedded field is not supported", exprString(f.Type))
				}
				base, err := g.named(f.Type)
				if err != nil {
					return fmt.Errorf("embedded %s: %v", exprString(f.Type), err)
				}
				extends = append(extends, base)
				continue
			}
			jf, ok, err := jsonField(f)
			if err != nil {
				return fmt.Errorf("field %s: %v", f.Names[0].Name, err)
			}
			if !ok || !f.Names[0].IsExported() {
				continue
			}
			if len(f.Names) > 1 {
				return fmt.Errorf("fields %s: one JSON name for several fields", f.Names[0].Name)
			}
			typ, err := g.tsType(f.Type)
			if err != nil {
				return fmt.Errorf("field %s: %v", f.Names[0].Name, err)
			}
			writeDoc(&body, "  ", f.Doc, "", "")
			opt := ""
			if jf.optional {
				opt = "?"
			}
			fmt.Fprintf(&body, "  %s%s: %s;", jf.name, opt, typ)
			if f.Comment != nil {
				fmt.Fprintf(&body, " // %s", strings.TrimSpace(f.Comment.Text()))
			}
			body.WriteString("\n")
		}
		buf.WriteString("\n")
		writeDoc(buf, "", d.doc, d.spec.Name.Name, name)
		fmt.Fprintf(buf, "export interface %s ", name)
		if len(extends) > 0 {
			fmt.Fprintf(buf, "extends %s ", strings.Join(extends, ", "))
		}
		buf.WriteString("{\n")
		buf.Write(body.Bytes())
		buf.WriteString("}\n")
		return nil
	}
	return fmt.Errorf("unsupported type %s", exprString(d.spec.Type))
}

// goOnly reports whether a declaration is a struct without a JSON field
// (wire.FieldError), which has no JSON form to declare.
func goOnly(ts *ast.TypeSpec) bool {
	t, ok := ts.Type.(*ast.StructType)
	if !ok {
		return false
	}
	for _, f := range t.Fields.List {
		if _, ok, err := jsonField(f); ok || err != nil {
			return false
		}
	}
	return true
}

type field struct {
	name     string
	optional bool // omitempty or omitzero: left out when empty
}

// jsonField reads a field's json tag; ok is false without a name or for
// "-". An option that changes the encoding (",string") is an error.
func jsonField(f *ast.Field) (jf field, ok bool, err error) {
	if f.Tag == nil {
		return field{}, false, nil
	}
	tag, err := strconv.Unquote(f.Tag.Value)
	if err != nil {
		return field{}, false, err
	}
	v, found := reflect.StructTag(tag).Lookup("json")
	if !found {
		return field{}, false, nil
	}
	name, opts, _ := strings.Cut(v, ",")
	if name == "" || name == "-" {
		return field{}, false, nil
	}
	for _, o := range strings.Split(opts, ",") {
		switch o { // ",string" would write a number as a string
		case "", "omitempty", "omitzero":
		default:
			return field{}, false, fmt.Errorf("unsupported json option %q", o)
		}
	}
	o := strings.Split(opts, ",")
	return field{name, slices.Contains(o, "omitempty") || slices.Contains(o, "omitzero")}, true, nil
}

// named is the TypeScript name of a named type: one of those written, or
// one of a package that c.Packages maps.
func (g *gen) named(e ast.Expr) (string, error) {
	switch t := e.(type) {
	case *ast.Ident:
		if ts, ok := g.names[t.Name]; ok {
			return ts, nil
		}
		if len(g.c.Types) > 0 {
			return "", fmt.Errorf("type %s is not in the list", t.Name)
		}
		return "", fmt.Errorf("type %s is not declared here with a JSON form", t.Name)
	case *ast.SelectorExpr:
		pkg, ok := t.X.(*ast.Ident)
		if !ok {
			break
		}
		ns, ok := g.c.Packages[pkg.Name]
		if !ok {
			return "", fmt.Errorf("package %s has no TypeScript namespace", pkg.Name)
		}
		return ns + "." + t.Sel.Name, nil
	}
	return "", fmt.Errorf("unsupported type %s", exprString(e))
}

// tsType maps a field's Go type to TypeScript, as encoding/json writes it.
func (g *gen) tsType(e ast.Expr) (string, error) {
	switch t := e.(type) {
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string", nil
		case "bool":
			return "boolean", nil
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
			return "number", nil
		case "any", "error", "rune", "byte", "uintptr", "complex64", "complex128":
			return "", fmt.Errorf("unsupported type %s", t.Name)
		}
		return g.named(t)
	case *ast.SelectorExpr:
		return g.named(t)
	case *ast.StarExpr:
		inner, err := g.tsType(t.X)
		if err != nil {
			return "", err
		}
		return inner + " | null", nil
	case *ast.ArrayType:
		if t.Len != nil {
			break
		}
		if id, ok := t.Elt.(*ast.Ident); ok && id.Name == "byte" {
			if g.c.Bytes == "" {
				return "", fmt.Errorf("[]byte without a TypeScript type for it")
			}
			return g.c.Bytes, nil
		}
		inner, err := g.tsType(t.Elt)
		if err != nil {
			return "", err
		}
		if strings.Contains(inner, " ") {
			inner = "(" + inner + ")"
		}
		return inner + "[]", nil
	case *ast.MapType:
		// encoding/json writes a map with string keys as an object.
		if k, ok := t.Key.(*ast.Ident); !ok || k.Name != "string" {
			break
		}
		inner, err := g.tsType(t.Value)
		if err != nil {
			return "", err
		}
		return "Record<string, " + inner + ">", nil
	}
	return "", fmt.Errorf("unsupported type %s", exprString(e))
}

// writeDoc writes the first paragraph of a Go doc comment as JSDoc; the
// rest is about the Go type's methods. A comment that starts with the Go
// name (goName) starts with the TypeScript name instead.
func writeDoc(buf *bytes.Buffer, indent string, doc *ast.CommentGroup, goName, name string) {
	if doc == nil {
		return
	}
	text, _, _ := strings.Cut(strings.TrimSpace(doc.Text()), "\n\n")
	if goName != "" && goName != name {
		if rest, ok := strings.CutPrefix(text, goName); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\n') {
			text = name + rest
		}
	}
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(buf, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(buf, "%s/**\n", indent)
	for _, l := range lines {
		fmt.Fprintf(buf, "%s * %s\n", indent, l)
	}
	fmt.Fprintf(buf, "%s */\n", indent)
}

func exprString(e ast.Expr) string {
	var b bytes.Buffer
	if err := format.Node(&b, token.NewFileSet(), e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return b.String()
}

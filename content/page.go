package content

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// page is one Markdown file, parsed and rendered to HTML.
type page struct {
	file, lang, slug string

	title       string
	short       string // the title in the navigation, if shorter
	description string
	nav         int    // position in the navigation; 0: not listed there
	footer      bool   // linked from the footer
	audience    string // one of audiences, or ""
	body        template.HTML
}

// audiences a page can be for; the label keys are in strings.json.
var audiences = []string{"affected", "relatives", "professionals"}

// markdown is CommonMark without raw HTML (goldmark's default: raw HTML
// is omitted, dangerous link schemes are dropped) and with heading ids, so
// that questions in a FAQ can be linked. Do not add html.WithUnsafe or an
// extension that passes HTML through.
var markdown = goldmark.New(goldmark.WithParserOptions(parser.WithAutoHeadingID()))

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// parsePage reads the front matter, fills in the placeholders and renders
// the Markdown. Front matter is a block between two lines "---" of
// "key: value" lines:
//
//	---
//	title: Für Angehörige und Freunde
//	nav: 20
//	audience: relatives
//	---
func parsePage(b []byte, vars map[string]string) (*page, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("not valid UTF-8")
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	first, rest, _ := strings.Cut(s, "\n")
	if strings.TrimSpace(first) != "---" {
		return nil, fmt.Errorf("front matter: the file must start with a line \"---\"")
	}
	p := &page{}
	seen := map[string]bool{}
	line := 1
	closed := false
	for rest != "" {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		line++
		if strings.TrimSpace(l) == "---" {
			closed = true
			break
		}
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		key, value, ok := strings.Cut(l, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, fmt.Errorf("front matter line %d: want \"key: value\"", line)
		}
		if seen[key] {
			return nil, fmt.Errorf("front matter line %d: %q appears twice", line, key)
		}
		seen[key] = true
		value, err := fill(value, vars)
		if err != nil {
			return nil, fmt.Errorf("front matter line %d: %v", line, err)
		}
		switch key {
		case "title":
			if value == "" || len(value) > 150 {
				return nil, fmt.Errorf("front matter line %d: title: want 1 to 150 bytes of text", line)
			}
			p.title = value
		case "short":
			if value == "" || len(value) > 60 {
				return nil, fmt.Errorf("front matter line %d: short: want 1 to 60 bytes of text", line)
			}
			p.short = value
		case "description":
			if len(value) > 300 {
				return nil, fmt.Errorf("front matter line %d: description: longer than 300 bytes", line)
			}
			p.description = value
		case "nav":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > 999 {
				return nil, fmt.Errorf("front matter line %d: nav: want a whole number from 0 to 999, got %q", line, value)
			}
			p.nav = n
		case "footer":
			switch value {
			case "true":
				p.footer = true
			case "false":
			default:
				return nil, fmt.Errorf("front matter line %d: footer: want true or false, got %q", line, value)
			}
		case "audience":
			if !slices.Contains(audiences, value) {
				return nil, fmt.Errorf("front matter line %d: audience: want one of %s, got %q", line, strings.Join(audiences, ", "), value)
			}
			p.audience = value
		default:
			return nil, fmt.Errorf("front matter line %d: unknown key %q (known: title, short, description, nav, footer, audience)", line, key)
		}
	}
	if !closed {
		return nil, fmt.Errorf("front matter: no closing line \"---\"")
	}
	if p.title == "" {
		return nil, fmt.Errorf("front matter: title is missing")
	}
	body, err := fill(rest, vars)
	if err != nil {
		return nil, err
	}
	html, err := renderMarkdown([]byte(body), line)
	if err != nil {
		return nil, err
	}
	p.body = html
	return p, nil
}

// fill replaces {{name}} placeholders; an unknown name is an error.
func fill(s string, vars map[string]string) (string, error) {
	var err error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholderRE.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok && err == nil {
			err = fmt.Errorf("unknown placeholder {{%s}}", name)
		}
		return v
	})
	return out, err
}

// renderMarkdown checks and renders a page body. It refuses raw HTML,
// images and links other than relative ones, https:, mailto: and tel:, so
// that an operator learns of a mistake at start rather than from a page
// with a hole in it. offset is the number of lines before the body, for
// messages.
func renderMarkdown(src []byte, offset int) (template.HTML, error) {
	doc := markdown.Parser().Parse(text.NewReader(src))
	lineOf := func(n ast.Node) int {
		for ; n != nil; n = n.Parent() {
			if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
				return offset + 1 + bytes.Count(src[:n.Lines().At(0).Start], []byte("\n"))
			}
		}
		return offset + 1
	}
	var err error
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			err = fmt.Errorf("line %d: raw HTML is not allowed, use Markdown", lineOf(n))
		case *ast.Image:
			err = fmt.Errorf("line %d: images are not supported", lineOf(n))
		case *ast.Link:
			if e := checkLink(string(n.Destination)); e != nil {
				err = fmt.Errorf("line %d: link %q: %v", lineOf(n), n.Destination, e)
			}
		case *ast.AutoLink:
			if e := checkLink(string(n.URL(src))); e != nil && n.AutoLinkType == ast.AutoLinkURL {
				err = fmt.Errorf("line %d: link %q: %v", lineOf(n), n.URL(src), e)
			}
		}
		if err != nil {
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, src, doc); err != nil {
		return "", fmt.Errorf("render: %v", err)
	}
	// goldmark escapes text and attribute values and, without WithUnsafe,
	// writes no raw HTML: its output is safe to embed.
	return template.HTML(buf.String()), nil
}

func checkLink(dest string) error {
	u, err := url.Parse(dest)
	if err != nil {
		return fmt.Errorf("not a valid address")
	}
	switch u.Scheme {
	case "":
		if u.Host != "" {
			return fmt.Errorf("write https:// before the address")
		}
		return nil
	case "https":
		if u.Host == "" {
			return fmt.Errorf("no host")
		}
		return nil
	case "mailto", "tel":
		return nil
	case "http":
		return fmt.Errorf("use https:// (plain http can be read and changed on the way)")
	}
	return fmt.Errorf("only https:, mailto:, tel: and links to other pages are allowed")
}

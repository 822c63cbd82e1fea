package content

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strings"
)

//go:embed layout.html
var layoutSource string

var layout = template.Must(template.New("layout").Parse(layoutSource))

// pageData is what the layout shows.
type pageData struct {
	strs map[string]string

	Lang        string // the language of the interface
	RTL         bool   // Lang is written right to left
	ContentLang string // the language of the text (differs on fallback)
	ContentRTL  bool   // ContentLang is written right to left
	Title       string
	Description string
	Audience    string
	Body        template.HTML
	Fallback    bool
	Nav         []link
	Footer      []link
	Switch      []langLink
	Directory   *dirData
	ExitURL     string
	Home        string
	AppPath     string
	AssetPath   string
}

type link struct {
	Href, Title string
	Current     bool
}

type langLink struct {
	Lang, Name, Href string
	RTL, Current     bool
}

// T is the interface text key; a missing key fails the rendering, and so
// Load.
func (d *pageData) T(key string) (string, error) { return t(d.strs, key) }

func t(strs map[string]string, key string) (string, error) {
	v, ok := strs[key]
	if !ok {
		return "", fmt.Errorf("missing text %q", key)
	}
	return v, nil
}

// render renders every page in every language, with fallbacks, and the
// 404 pages.
func (s *Site) render(src *sources) error {
	s.pages = map[string]map[string][]byte{}
	s.notFound = map[string][]byte{}
	s.centresPage = map[string]*pageData{}
	for _, lang := range s.codes() {
		s.pages[lang] = map[string][]byte{}
		for slug := range src.slugs() {
			p := src.page(lang, slug)
			d := s.newPageData(src, lang, slug)
			d.ContentLang, d.Title, d.Description, d.Body = p.lang, p.title, p.description, p.body
			d.ContentRTL = s.rtl(p.lang)
			// The note is in lang's own words; a language without its own
			// strings reads the English page without one.
			d.Fallback = p.lang != lang && src.ownStrings[lang]["fallback_note"]
			if p.audience != "" {
				a, err := t(d.strs, "audience_"+p.audience)
				if err != nil {
					return fmt.Errorf("content: %s: %v", p.file, err)
				}
				d.Audience = a
			}
			if slug == centresSlug {
				d.Directory = s.newDirData(d.strs, labelNames{lang, s.labels[lang]})
				s.centresPage[lang] = d
				// Rendered once with every "write to this centre here", so
				// that one shown on a request cannot fail (PageWith).
				every := map[string]string{}
				for _, org := range s.centreOrgs {
					every[org] = AppPath
				}
				if _, err := execute(d.withWrite(every)); err != nil {
					return fmt.Errorf("content: %s (%s): %v", p.file, lang, err)
				}
			}
			b, err := execute(d)
			if err != nil {
				return fmt.Errorf("content: %s (%s): %v", p.file, lang, err)
			}
			s.pages[lang][slug] = b
		}
		d := s.newPageData(src, lang, "")
		d.ContentLang, d.ContentRTL = lang, d.RTL
		var body bytes.Buffer
		if err := layout.ExecuteTemplate(&body, "notfound", d); err != nil {
			return fmt.Errorf("content: not-found page (%s): %v", lang, err)
		}
		d.Body = template.HTML(body.String()) // html/template output
		var err error
		if d.Title, err = t(d.strs, "notfound_title"); err != nil {
			return fmt.Errorf("content: not-found page (%s): %v", lang, err)
		}
		if s.notFound[lang], err = execute(d); err != nil {
			return fmt.Errorf("content: not-found page (%s): %v", lang, err)
		}
	}
	return nil
}

// withWrite is d with the referral directory's addresses to write to
// organisations (dirData.write); d itself is left as it is.
func (d *pageData) withWrite(write map[string]string) *pageData {
	c, dir := *d, *d.Directory
	dir.write = write
	c.Directory = &dir
	return &c
}

func execute(d *pageData) ([]byte, error) {
	var buf bytes.Buffer
	if err := layout.ExecuteTemplate(&buf, "page", d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func pageHref(lang, slug string) string {
	if slug == indexSlug {
		return BasePath + lang + "/"
	}
	return BasePath + lang + "/" + slug
}

func (s *Site) newPageData(src *sources, lang, slug string) *pageData {
	d := &pageData{
		strs:      s.strings[lang],
		Lang:      lang,
		RTL:       s.rtl(lang),
		ExitURL:   s.opts.ExitURL,
		Home:      pageHref(lang, indexSlug),
		AppPath:   AppPath,
		AssetPath: AssetPath,
	}
	for _, l := range s.codes() {
		target := slug
		if target == "" {
			target = indexSlug
		}
		d.Switch = append(d.Switch, langLink{Lang: l, Name: s.strings[l]["lang_name"], Href: pageHref(l, target), RTL: s.rtl(l), Current: l == lang})
	}
	// Navigation and footer list every page, each in lang or in the
	// language that stands in for it.
	var nav, foot []*page
	for sl := range src.slugs() {
		nav = append(nav, src.page(lang, sl))
	}
	slices.SortFunc(nav, func(a, b *page) int {
		if a.nav != b.nav {
			return a.nav - b.nav
		}
		return strings.Compare(a.slug, b.slug)
	})
	for _, p := range nav {
		if p.footer {
			foot = append(foot, p)
		}
		if p.nav > 0 {
			d.Nav = append(d.Nav, link{Href: pageHref(lang, p.slug), Title: p.navTitle(), Current: p.slug == slug})
		}
	}
	for _, p := range foot {
		d.Footer = append(d.Footer, link{Href: pageHref(lang, p.slug), Title: p.navTitle(), Current: p.slug == slug})
	}
	return d
}

func (p *page) navTitle() string {
	if p.short != "" {
		return p.short
	}
	return p.title
}

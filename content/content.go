// Package content is the information side of the service: the pages that
// tell affected persons, relatives and professionals what the service is,
// whether it is for them and how safe it is, and the referral directory of
// specialised counselling centres.
//
// Pages are Markdown files with a small front matter, in the languages of
// ServiceLanguages (German is the source; a language without a page shows
// the English one).
// The defaults are embedded; an operator's content directory replaces or
// adds pages, interface strings and the directory without a rebuild.
// Everything is read, validated and rendered once, in Load: a page that
// would not render stops the server at start, never an enquirer's request.
// Markdown is rendered by goldmark (CommonMark) with raw HTML off, and the
// layout by html/template, so no text from a file reaches the page
// unescaped.
//
// The package knows nothing of HTTP; api/ serves what it renders.
package content

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// DefaultExitURL is where the quick exit leads unless configured: a page
// that is common and harmless to have visited. It is the web client's
// default too (api.DefaultExitURL); mailboxd passes both the same
// LOTSE_EXIT_URL.
const DefaultExitURL = "https://www.wikipedia.org/"

// Paths the rendered pages link to. api/ serves them there.
const (
	BasePath  = "/info/"        // a page is BasePath + lang + "/" + slug
	AssetPath = "/info/assets/" // the stylesheet and the script
	AppPath   = "/"             // the web client: "write to us"
)

// Options are the settings the pages show.
type Options struct {
	// RetentionDays is how long a mailbox is kept after its last activity
	// (LOTSE_RETENTION_DAYS); the data page states it. Required.
	RetentionDays int
	// ExitURL is the target of the quick exit (LOTSE_EXIT_URL, absolute
	// https); "" takes DefaultExitURL.
	ExitURL string
	// ServiceName is the name in every header and title, in all languages
	// (LOTSE_SERVICE_NAME); "" keeps service_name from strings.json. It is
	// the operator's choice how much it says: a title stays in the
	// history and the tab switcher, so the defaults name no topic.
	ServiceName string
}

// maxServiceName bounds the name in runes: it must fit a phone's header.
const maxServiceName = 64

// CheckServiceName accepts 1 to 64 runes of printable text without bidi
// controls, which could make a title read differently from what it is.
func CheckServiceName(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("content: service name: empty")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxServiceName {
		return fmt.Errorf("content: service name: want at most %d characters of UTF-8", maxServiceName)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) {
			return fmt.Errorf("content: service name: character %U not allowed", r)
		}
	}
	return nil
}

// WebClient is the operator's texts for the web client in lang
// (LOTSE_CONTENT_DIR/<lang>/webclient.json); ok is false where there are none.
func (s *Site) WebClient(lang string) (t WebClientTexts, ok bool) {
	t, ok = s.webClient[lang]
	return t, ok
}

// ErrNotFound is returned by Render for an unknown language or page.
var ErrNotFound = errors.New("content: page not found")

// Site is a loaded and rendered set of pages and the referral directory.
// It is immutable and safe for concurrent use.
type Site struct {
	opts     Options
	strings  map[string]map[string]string // lang → key → text
	pages    map[string]map[string][]byte // lang → slug → rendered page
	notFound map[string][]byte            // lang → rendered 404 page
	centres  []Centre
	// centresJSON is centres as JSON, for CentresJSON.
	centresJSON []byte
	// exampleCentres: the directory is the built-in example, not the
	// operator's.
	exampleCentres bool
	assets         map[string]Asset
	webClient      map[string]WebClientTexts
	// langs are ServiceLanguages and those the operator added; labels
	// the directory's labels of each added language.
	langs  []ServiceLanguage
	labels map[string]map[string]string
	// centreOrgs are the organisations the directory's entries name
	// (Centre.Org), sorted; centrePage the data of the directory's page
	// by language, and written its renderings for PageWith.
	centreOrgs  []string
	centresPage map[string]*pageData
	written     writtenPages
}

// Languages are the languages the site speaks: ServiceLanguages, then those
// the operator's content directory adds, in the order of the language switch.
func (s *Site) Languages() []ServiceLanguage { return slices.Clone(s.langs) }

// Added tells whether lang is a language the operator added: its web
// client catalogue is the operator's alone, with no built one beneath.
func (s *Site) Added(lang string) bool {
	return !slices.Contains(Languages, lang) && slices.Contains(s.codes(), lang)
}

func (s *Site) codes() []string {
	out := make([]string, len(s.langs))
	for i, l := range s.langs {
		out[i] = l.Code
	}
	return out
}

func (s *Site) rtl(lang string) bool { return findLanguage(s.langs, lang).RTL }

// Asset is a static file the pages load.
type Asset struct {
	Body        []byte
	ContentType string
}

// Load reads the embedded defaults and, if dir is not "", the operator's
// content directory on top of them, validates everything and renders every
// page in every language. An error names the file, and for the directory the
// entry and field.
func Load(dir string, opts Options) (*Site, error) {
	if opts.RetentionDays < 1 {
		return nil, fmt.Errorf("content: retention of %d days: want at least 1", opts.RetentionDays)
	}
	if opts.ExitURL == "" {
		opts.ExitURL = DefaultExitURL
	}
	if err := checkExitURL(opts.ExitURL); err != nil {
		return nil, err
	}
	if opts.ServiceName != "" {
		if err := CheckServiceName(opts.ServiceName); err != nil {
			return nil, err
		}
	}
	src, err := readSources(dir, opts)
	if err != nil {
		return nil, err
	}
	if opts.ServiceName != "" {
		for _, lang := range src.codes() {
			src.strings[lang]["service_name"] = opts.ServiceName
		}
	}
	s := &Site{opts: opts, strings: src.strings, centres: src.centres, exampleCentres: src.exampleCentres, assets: builtinAssets(), webClient: src.webClient,
		langs: src.langs, labels: src.labels, centreOrgs: centreOrgs(src.centres)}
	if err := s.render(src); err != nil {
		return nil, err
	}
	if s.centresJSON, err = marshalCentres(s.centres); err != nil {
		return nil, err
	}
	return s, nil
}

func checkExitURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" || len(s) > 2048 {
		return fmt.Errorf("content: quick exit address %q: want an absolute https address", s)
	}
	return nil
}

// Render writes the page slug in lang ("" is the start page). It returns
// ErrNotFound, and writes nothing, for an unknown language or page.
func (s *Site) Render(w io.Writer, lang, slug string) error {
	b, ok := s.Page(lang, slug)
	if !ok {
		return ErrNotFound
	}
	_, err := w.Write(b)
	return err
}

// Page is the rendered page slug in lang ("" is the start page).
func (s *Site) Page(lang, slug string) ([]byte, bool) {
	if slug == "" {
		slug = indexSlug
	}
	b, ok := s.pages[lang][slug]
	return b, ok
}

// PageWith is Page, where the referral directory offers "write to this
// centre here" (dir_write_here) for each entry that names an organisation
// (Centre.Org) for which writeTo gives the address of its web client; ""
// gives none. The address is the caller's: this package knows nothing of
// which organisations exist. Each set of addresses is rendered once.
func (s *Site) PageWith(lang, slug string, writeTo func(org string) string) ([]byte, bool) {
	d := s.centresPage[lang]
	if slug != centresSlug || d == nil || len(s.centreOrgs) == 0 {
		return s.Page(lang, slug)
	}
	write := map[string]string{}
	key := lang
	for _, org := range s.centreOrgs {
		if href := writeTo(org); href != "" {
			write[org] = href
			key += "\x00" + org + "\x00" + href
		}
	}
	if len(write) == 0 {
		return s.Page(lang, slug)
	}
	return s.written.get(key, func() []byte {
		b, err := execute(d.withWrite(write))
		if err != nil {
			// Load rendered the page with every entry's address.
			panic(fmt.Sprintf("content: the directory (%s) does not render: %v", lang, err))
		}
		return b
	}), true
}

// centreOrgs are the organisations the entries cs name, sorted, each
// once.
func centreOrgs(cs []Centre) []string {
	var out []string
	for _, c := range cs {
		if c.Org != "" && !slices.Contains(out, c.Org) {
			out = append(out, c.Org)
		}
	}
	slices.Sort(out)
	return out
}

// CentreOrgs are the organisations the referral directory's entries name
// (Centre.Org), sorted, each once.
func (s *Site) CentreOrgs() []string { return slices.Clone(s.centreOrgs) }

// writtenPages keeps the directory's pages as PageWith rendered them, a
// few at a time: their addresses change only when organisations do.
type writtenPages struct {
	mu    sync.Mutex
	pages map[string][]byte
}

// maxWrittenPages bounds writtenPages: a set of addresses per language,
// and a few while organisations change.
const maxWrittenPages = 64

func (w *writtenPages) get(key string, render func() []byte) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if b, ok := w.pages[key]; ok {
		return b
	}
	if w.pages == nil || len(w.pages) >= maxWrittenPages {
		w.pages = map[string][]byte{}
	}
	b := render()
	w.pages[key] = b
	return b
}

// AppTextKeys are the strings the web client's page at AppPath carries:
// its name, availability, and what it says without JavaScript.
var AppTextKeys = []string{
	"service_name", "office_hours", "answer_time",
	"app_noscript_title", "app_noscript", "app_noscript_tor", "app_noscript_more",
	"app_noscript_info", "app_noscript_safety", "app_noscript_centres",
}

// Text is the interface string key in lang (strings.json, with the
// operator's on top), or "" for an unknown language or key. The web
// client's page takes its service name, office hours and answer time from
// here.
func (s *Site) Text(lang, key string) string {
	return s.strings[lang][key]
}

// NotFound is the rendered "page not found" page in lang (the default
// language for an unknown one).
func (s *Site) NotFound(lang string) []byte {
	if b, ok := s.notFound[lang]; ok {
		return b
	}
	return s.notFound[Languages[0]]
}

// Slugs lists the pages of lang, start page first, the rest sorted.
func (s *Site) Slugs(lang string) []string {
	var out []string
	for slug := range s.pages[lang] {
		if slug != indexSlug {
			out = append(out, slug)
		}
	}
	slices.Sort(out)
	return append([]string{indexSlug}, out...)
}

// Asset returns the file name ("pages.css", "pages.js") the pages load
// from AssetPath.
func (s *Site) Asset(name string) (Asset, bool) {
	a, ok := s.assets[name]
	return a, ok
}

// Centres is the referral directory in the order of its file.
func (s *Site) Centres() []Centre {
	out := make([]Centre, len(s.centres))
	for i, c := range s.centres {
		out[i] = c.clone()
	}
	return out
}

// Language picks the page language for an Accept-Language header: the
// first of Languages the header names, else the default.
func Language(acceptLanguage string) string { return pickLanguage(Languages, acceptLanguage) }

// Language picks the page language for an Accept-Language header among the
// site's languages, the added ones too.
func (s *Site) Language(acceptLanguage string) string { return pickLanguage(s.codes(), acceptLanguage) }

func pickLanguage(langs []string, acceptLanguage string) string {
	best, bestQ := Languages[0], -1.0
	if len(acceptLanguage) > 512 {
		acceptLanguage = acceptLanguage[:512]
	}
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !slices.Contains(langs, base) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				q = 0
			}
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	if bestQ <= 0 {
		return Languages[0]
	}
	return best
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\uFEFF")) }

package api

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"lotse/content"
	"lotse/internal/catalogue"
	"lotse/mailbox"
)

// The web client's page and its assets (webclient/dist, embedded by
// mailboxd). The app is one URL, "/"; its bundles have content-hash names
// and are cached for good; everything else is no-store. Every web response
// gets the page CSP (the worker runs under its script's own CSP), the API
// keeps default-src 'none'; setSecurityHeaders is the one place that sets
// them.

// PageCSP is the Content-Security-Policy of the web client (issue 3).
const PageCSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
	"style-src 'self'; img-src 'self'; font-src 'self'; form-action 'none'; frame-ancestors 'none'; " +
	"base-uri 'none'; require-trusted-types-for 'script'"

// DefaultExitURL is where the quick exit goes unless configured; the built
// index.html carries it, and the server puts the configured one in its place.
const DefaultExitURL = "https://www.wikipedia.org/"

const exitLink = `id="exit" class="exit" href="` + DefaultExitURL + `"`

// ctxWeb marks a response as the web client's: "page" or "asset".
const ctxWeb = "lotse.web"

// hashedName is a bundle name with esbuild's content hash: cacheable for good.
var hashedName = regexp.MustCompile(`^[a-z]+-[A-Z0-9]{8}\.(js|css)$`)

type webFile struct {
	body, gz    []byte
	contentType string
	etag        string
	immutable   bool
}

type webFiles struct {
	files map[string]*webFile // by URL path; "/" is index.html
	// page renders index.html with name in place of the service name
	// (withSite), "" the service's own; nil without a page.
	page func(name string) ([]byte, error)
	// named are the pages page rendered for organisations (orgPage).
	namedMu sync.Mutex
	named   map[string]*webFile
}

// maxWebFile bounds what is read from the embedded file system.
const maxWebFile = 4 << 20

// ValidateExitURL accepts an absolute https URL with a host and no
// credentials, at most 2048 bytes.
func ValidateExitURL(s string) error {
	if len(s) > 2048 {
		return errors.New("longer than 2048 bytes")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return errors.New("not an absolute https URL")
	}
	return nil
}

// loadWeb reads the built client from fsys. A missing index.html is not an
// error: the page routes then answer 503 (a clone built without node).
// With site, the page gets the operator's texts (withSite).
func loadWeb(fsys fs.FS, exitURL string, site *content.Site) (*webFiles, error) {
	w := &webFiles{files: map[string]*webFile{}}
	if fsys == nil {
		return w, nil
	}
	index, err := fs.ReadFile(fsys, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		return w, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api: web client: %v", err)
	}
	if exitURL == "" {
		exitURL = DefaultExitURL
	}
	if err := ValidateExitURL(exitURL); err != nil {
		return nil, fmt.Errorf("api: exit URL: %v", err)
	}
	if bytes.Count(index, []byte(exitLink)) != 1 {
		return nil, errors.New("api: web client: index.html has no exit link to configure")
	}
	index = bytes.Replace(index, []byte(exitLink), []byte(`id="exit" class="exit" href="`+html.EscapeString(exitURL)+`"`), 1)
	sums, err := fs.ReadFile(fsys, "SHA256SUMS")
	if err != nil {
		return nil, fmt.Errorf("api: web client: %v", err)
	}
	w.add("/SHA256SUMS", sums, "text/plain; charset=utf-8", false)
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || name == "index.html" {
			continue
		}
		if name != path.Base(name) || !fs.ValidPath(name) {
			return nil, fmt.Errorf("api: web client: SHA256SUMS names %q", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("api: web client: %v", err)
		}
		if len(b) > maxWebFile {
			return nil, fmt.Errorf("api: web client: %s is larger than %d bytes", name, maxWebFile)
		}
		if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
			return nil, fmt.Errorf("api: web client: %s does not match SHA256SUMS", name)
		}
		w.add("/"+name, b, contentType(name), hashedName.MatchString(name))
	}
	var catalogues string
	if site != nil {
		if catalogues, err = w.operatorCatalogues(site); err != nil {
			return nil, err
		}
	}
	w.page = func(name string) ([]byte, error) {
		if site == nil {
			return index, nil
		}
		page, err := withSite(index, site, name)
		if err != nil {
			return nil, err
		}
		return withCatalogues(page, catalogues)
	}
	page, err := w.page("")
	if err != nil {
		return nil, err
	}
	w.add("/", page, "text/html; charset=utf-8", false)
	return w, nil
}

// maxCatalogue is the largest catalogue the web client loads
// (webclient/src/i18n.ts, maxCatalogue).
const maxCatalogue = 64 << 10

// catalogueName is a built catalogue's URL path: lang-<lang>-<the first 8
// hex digits of its SHA-256, upper case>.json (webclient/build.mjs).
var catalogueName = regexp.MustCompile(`^/lang-([a-z]{2,3})-[A-Z0-9]{8}\.json$`)

// operatorCatalogues merges the operator's web client texts
// (LOTSE_CONTENT_DIR/<lang>/webclient.json) into the built catalogue of
// their language and serves the result under a name of its own hash, which
// the page names on #service as data-catalogue-<lang> (the attributes it
// returns, for withCatalogues): the bundle's own
// list of catalogues cannot change without changing the bundle and its
// published hash. German and English, though in the bundle, get such a
// file too; the app loads it over the bundled texts. A key the built
// catalogue lacks or a text whose {placeholders} differ from the built
// one's is refused, naming file and key. A language the operator adds
// (content/added.go) has no built catalogue: its file must hold every key
// of the English one.
func (w *webFiles) operatorCatalogues(site *content.Site) (string, error) {
	built := map[string]string{}
	for p := range w.files {
		if m := catalogueName.FindStringSubmatch(p); m != nil {
			built[m[1]] = p
		}
	}
	var attrs strings.Builder
	for _, l := range site.Languages() {
		lang := l.Code
		over, ok := site.WebClient(lang)
		if !ok {
			continue
		}
		// An added language has no built catalogue: it must give every
		// key of the English one, with the English placeholders.
		base, added := lang, site.Added(lang)
		if added {
			base = "en"
		}
		if built[base] == "" {
			return "", fmt.Errorf("content: %s: the web client has no built catalogue for %s; run make build", over.File, base)
		}
		var texts map[string]string
		if err := json.Unmarshal(w.files[built[base]].body, &texts); err != nil {
			return "", fmt.Errorf("api: web client: %s: %v", built[base], err)
		}
		if added {
			var missing []string
			for k := range texts {
				if _, ok := over.Texts[k]; !ok {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				slices.Sort(missing)
				return "", fmt.Errorf("content: %s: missing key %q (%d of %d missing); an added language needs every key of webclient/src/lang/en.json",
					over.File, missing[0], len(missing), len(texts))
			}
		}
		keys := make([]string, 0, len(over.Texts))
		for k := range over.Texts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			was, known := texts[k]
			if !known {
				return "", fmt.Errorf("content: %s: unknown key %q; the keys are those of webclient/src/lang/%s.json", over.File, k, base)
			}
			if a, b := catalogue.Placeholders(over.Texts[k]), catalogue.Placeholders(was); !slices.Equal(a, b) {
				return "", fmt.Errorf("content: %s: key %q: placeholders {%s} differ from the built text's {%s}",
					over.File, k, strings.Join(a, "} {"), strings.Join(b, "} {"))
			}
			texts[k] = over.Texts[k]
		}
		body, err := json.Marshal(texts)
		if err != nil {
			return "", fmt.Errorf("api: web client: %v", err)
		}
		if len(body) > maxCatalogue {
			return "", fmt.Errorf("content: %s: with these texts the catalogue is %d bytes; the web client loads at most %d", over.File, len(body), maxCatalogue)
		}
		sum := sha256.Sum256(body)
		name := fmt.Sprintf("/lang-%s-%s.json", lang, strings.ToUpper(hex.EncodeToString(sum[:4])))
		w.add(name, body, contentType(name), false)
		fmt.Fprintf(&attrs, ` data-catalogue-%s="%s"`, lang, name)
	}
	return attrs.String(), nil
}

// withCatalogues names the operator's catalogues (operatorCatalogues) on
// the page's #service.
func withCatalogues(index []byte, attrs string) ([]byte, error) {
	if attrs == "" {
		return index, nil
	}
	start := bytes.Index(index, []byte(`<div id="service" hidden`))
	end := -1
	if start >= 0 {
		end = bytes.Index(index[start:], []byte(`></div>`))
	}
	if end < 0 {
		return nil, errors.New("api: web client: index.html has no #service to name the operator's catalogues in")
	}
	end += start
	return append(append(append([]byte{}, index[:end]...), attrs...), index[end:]...), nil
}

// The marks in index.html that withSite fills.
var (
	titleMark    = regexp.MustCompile(`<title>[^<]*</title>`)
	brandMark    = []byte(`<p class="brand" id="brand"></p>`)
	serviceMark  = []byte(`<div id="service" hidden></div>`)
	noscriptMark = regexp.MustCompile(`(?s)<noscript>.*</noscript>`)
)

// withSite writes the operator's texts into the page, so that the header
// and title are neutral before any script runs, the script finds the
// service name, office hours and answer time by language (data-name-de,
// data-hours-en, …), and a browser without JavaScript learns what is needed
// and where to go instead. A name other than "" stands in every language
// where the service name would (an organisation's page, PROTOCOL.md §8).
// Every text is escaped. A page with none of the marks (a test's
// stand-in) is left as it is; one with some is broken.
func withSite(index []byte, site *content.Site, name string) ([]byte, error) {
	marks := 0
	for _, ok := range []bool{titleMark.Match(index), bytes.Count(index, brandMark) == 1, bytes.Count(index, serviceMark) == 1,
		len(noscriptMark.FindAllIndex(index, -1)) == 1} {
		if ok {
			marks++
		}
	}
	switch marks {
	case 0:
		return index, nil
	case 4:
	default:
		return nil, errors.New("api: web client: index.html lacks some of the marks for the service texts")
	}
	first := content.Languages[0]
	langs := site.Languages()
	esc := func(lang, key string) string {
		if key == "service_name" && name != "" {
			return html.EscapeString(name)
		}
		return html.EscapeString(site.Text(lang, key))
	}
	brand := esc(first, "service_name")
	index = titleMark.ReplaceAllLiteral(index, []byte("<title>"+brand+"</title>"))
	index = bytes.Replace(index, brandMark, []byte(`<p class="brand" id="brand">`+brand+`</p>`), 1)

	var data, noscript strings.Builder
	data.WriteString(`<div id="service" hidden`)
	if added := addedLanguages(site, langs); added != "" {
		fmt.Fprintf(&data, ` data-languages="%s"`, html.EscapeString(added))
	}
	noscript.WriteString(`<noscript><div class="noscript">`)
	for _, l := range langs {
		lang := l.Code
		for _, a := range [][2]string{{"name", "service_name"}, {"hours", "office_hours"}, {"answer", "answer_time"}} {
			fmt.Fprintf(&data, ` data-%s-%s="%s"`, a[0], lang, esc(lang, a[1]))
		}
		base := content.BasePath + lang + "/"
		fmt.Fprintf(&noscript, `<section lang="%s"><h1>%s</h1><p>%s</p><p>%s</p><p>%s %s</p><p>%s</p><ul>`+
			`<li><a href="%s">%s</a></li><li><a href="%ssafety">%s</a></li><li><a href="%scentres">%s</a></li></ul></section>`,
			lang, esc(lang, "app_noscript_title"), esc(lang, "app_noscript"), esc(lang, "app_noscript_tor"),
			esc(lang, "office_hours"), esc(lang, "answer_time"), esc(lang, "app_noscript_more"),
			base, esc(lang, "app_noscript_info"), base, esc(lang, "app_noscript_safety"), base, esc(lang, "app_noscript_centres"))
	}
	data.WriteString(`></div>`)
	noscript.WriteString(`</div></noscript>`)
	index = bytes.Replace(index, serviceMark, []byte(data.String()), 1)
	index = noscriptMark.ReplaceAllLiteral(index, []byte(noscript.String()))
	return index, nil
}

// addedLanguages is the page's list of the languages the operator added,
// as JSON [{"code", "name", "rtl"}] for webclient/src/i18n.ts; "" if none.
// The bundle lists the built-in ones; this list cannot be in it without
// changing its published hash.
func addedLanguages(site *content.Site, langs []content.ServiceLanguage) string {
	type entry struct {
		Code string `json:"code"`
		Name string `json:"name"`
		RTL  bool   `json:"rtl"`
	}
	var out []entry
	for _, l := range langs {
		if site.Added(l.Code) {
			out = append(out, entry{l.Code, l.Name, l.RTL})
		}
	}
	if len(out) == 0 {
		return ""
	}
	b, _ := json.Marshal(out) // strings and bools: cannot fail
	return string(b)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	}
	return "text/plain; charset=utf-8"
}

func (w *webFiles) add(urlPath string, body []byte, ctype string, immutable bool) {
	w.files[urlPath] = newWebFile(body, ctype, immutable)
}

func newWebFile(body []byte, ctype string, immutable bool) *webFile {
	f := &webFile{body: body, contentType: ctype, immutable: immutable}
	h := sha256.Sum256(body)
	f.etag = `"` + hex.EncodeToString(h[:12]) + `"`
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() < len(body) {
		f.gz = buf.Bytes()
	}
	return f
}

// maxNamedPages bounds the organisations' pages kept: one each, and
// some while organisations come and go.
const maxNamedPages = 2 * mailbox.MaxOrgs

// orgPage is the page for an organisation named name: the service's page
// with that name in its place (withSite); nil without a page.
func (w *webFiles) orgPage(name string) (*webFile, error) {
	if w.page == nil {
		return nil, nil
	}
	w.namedMu.Lock()
	defer w.namedMu.Unlock()
	if f := w.named[name]; f != nil {
		return f, nil
	}
	body, err := w.page(name)
	if err != nil {
		return nil, err
	}
	if w.named == nil || len(w.named) >= maxNamedPages {
		w.named = map[string]*webFile{}
	}
	f := newWebFile(body, "text/html; charset=utf-8", false)
	w.named[name] = f
	return f, nil
}

// serveWeb answers GET and HEAD of the page and its assets.
func (s *Server) serveWeb(c *fiber.Ctx) error { return s.sendWeb(c, c.Path()) }

// sendWeb answers with the web client's file at URL path p ("/" the page).
func (s *Server) sendWeb(c *fiber.Ctx, p string) error {
	return s.sendWebFile(c, p, s.web.files[p])
}

// sendWebFile answers with f, the web client's file at URL path p.
func (s *Server) sendWebFile(c *fiber.Ctx, p string, f *webFile) error {
	if f == nil {
		if p == "/" {
			c.Context().SetUserValue(ctxWeb, "page")
			c.Status(fiber.StatusServiceUnavailable)
			c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
			return c.SendString("Web-Client nicht gebaut – bitte „make build“ ausführen.\n" +
				"web client not built — run make build\n")
		}
		return errNotFound
	}
	// A 404 keeps the API's headers; what is served gets the page's.
	c.Context().SetUserValue(ctxWeb, "page")
	if f.immutable {
		c.Context().SetUserValue(ctxWeb, "asset")
	}
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if f.immutable && c.Get(fiber.HeaderIfNoneMatch) == f.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	body := f.body
	if f.gz != nil && acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		body = f.gz
	}
	c.Status(fiber.StatusOK)
	return c.Send(body)
}

func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") || strings.Contains(params, "q=0.")
		}
	}
	return false
}

// webHeaders is the web part of setSecurityHeaders.
func webHeaders(ctx *fasthttp.RequestCtx, h *fasthttp.ResponseHeader) bool {
	kind, _ := ctx.UserValue(ctxWeb).(string)
	switch kind {
	case "page":
		h.Set("Content-Security-Policy", PageCSP)
		h.Set("Cache-Control", "no-store")
	case "asset":
		// Content-hash names would allow immutable caching, but a cached
		// bundle on a phone that someone else checks shows that the site
		// was used. Safety wins over ~60 KB per visit: nothing is stored.
		h.Set("Content-Security-Policy", PageCSP)
		h.Set("Cache-Control", "no-store")
	default:
		return false
	}
	return true
}

package content

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"lotse/internal/bounded"
)

//go:embed defaults
var defaultsFS embed.FS

// Bounds on what a content directory may hold.
const (
	maxPageFile    = 256 << 10
	maxStringsFile = 64 << 10
	maxCentresFile = 4 << 20
	maxPages       = 100 // per language
	maxStringLen   = 1000
)

const (
	indexSlug   = "index"   // the start page, served at BasePath + lang + "/"
	centresSlug = "centres" // the referral directory page
	stringsFile = "strings.json"
	centresFile = "centres.json"
	// webClientFile overrides texts of the web client; api checks its keys
	// against the built catalogues, which content does not know.
	webClientFile = "webclient.json"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// sources is what Load read, before rendering.
type sources struct {
	// strings are every language's interface strings, complete: a key a
	// language lacks holds the text of the language that stands in for it.
	strings map[string]map[string]string
	// ownStrings are the keys each language's own files set.
	ownStrings map[string]map[string]bool
	pages      map[string]map[string]*page // lang → slug
	centres    []Centre
	opts       Options
	// exampleCentres: centres.json is the built-in example.
	exampleCentres bool
	webClient      map[string]WebClientTexts // lang → the operator's web client texts
	// langs are ServiceLanguages and the languages the operator adds.
	langs []ServiceLanguage
	// labels are the directory's labels of each added language.
	labels map[string]map[string]string
}

// all are src.langs; ServiceLanguages for sources made without them.
func (src *sources) all() []ServiceLanguage {
	if src.langs == nil {
		return ServiceLanguages
	}
	return src.langs
}

// codes are the codes of all.
func (src *sources) codes() []string {
	out := make([]string, len(src.all()))
	for i, l := range src.all() {
		out[i] = l.Code
	}
	return out
}

// origin is one layer of content: the embedded defaults or the operator's
// directory. name prefixes file names in errors.
type origin struct {
	fsys fs.FS
	name string
}

func (o origin) file(p string) string { return path.Join(o.name, p) }

func readSources(dir string, opts Options) (*sources, error) {
	sub, err := fs.Sub(defaultsFS, "defaults")
	if err != nil {
		return nil, fmt.Errorf("content: %v", err)
	}
	layers := []origin{{sub, "(built in)"}}
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("content: content directory: %v", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("content: content directory %q is not a directory", dir)
		}
		layers = append(layers, origin{os.DirFS(dir), filepath.Clean(dir)})
	}

	src := &sources{strings: map[string]map[string]string{}, ownStrings: map[string]map[string]bool{}, pages: map[string]map[string]*page{}, opts: opts,
		langs: slices.Clone(ServiceLanguages), labels: map[string]map[string]string{}}
	var added []ServiceLanguage
	if len(layers) > 1 {
		if added, err = readAdded(layers[1]); err != nil {
			return nil, err
		}
		src.langs = append(src.langs, added...)
	}
	// Strings first: the defaults define the keys an operator may set.
	for i, o := range layers {
		if err := src.checkTopLevel(o); err != nil {
			return nil, err
		}
		for _, lang := range src.codes() {
			if err := src.readStrings(o, lang, i == 0); err != nil {
				return nil, err
			}
		}
	}
	for _, l := range added {
		if err := src.checkAddedStrings(layers[1], l); err != nil {
			return nil, err
		}
		if src.labels[l.Code], err = readAddedLabels(layers[1], l.Code); err != nil {
			return nil, err
		}
	}
	src.fillStrings()
	if len(layers) > 1 {
		if err := src.readWebClient(layers[1]); err != nil {
			return nil, err
		}
		for _, l := range added {
			if _, ok := src.webClient[l.Code]; !ok {
				return nil, fmt.Errorf("content: %s: missing; an added language needs every text of the web client", layers[1].file(path.Join(l.Code, webClientFile)))
			}
		}
	}
	for _, o := range layers {
		for _, lang := range src.codes() {
			if err := src.readPages(o, lang); err != nil {
				return nil, err
			}
		}
	}
	for _, lang := range src.codes() {
		if src.page(lang, indexSlug) == nil {
			return nil, fmt.Errorf("content: no start page %s.md", indexSlug)
		}
	}
	var centresErr error
	for i := len(layers) - 1; i >= 0; i-- {
		b, err := readFile(layers[i], centresFile, maxCentresFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		src.centres, centresErr = parseCentres(b)
		src.exampleCentres = i == 0
		if centresErr != nil {
			return nil, fmt.Errorf("content: %s: %v", layers[i].file(centresFile), centresErr)
		}
		break
	}
	return src, nil
}

// checkTopLevel refuses what a content directory must not hold, so that a
// misspelt name is an error rather than a silently ignored file.
func (src *sources) checkTopLevel(o origin) error {
	entries, err := fs.ReadDir(o.fsys, ".")
	if err != nil {
		return fmt.Errorf("content: %s: %v", o.name, err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."), strings.HasPrefix(strings.ToUpper(name), "README"):
		case e.IsDir() && slices.Contains(src.codes(), name):
		case !e.IsDir() && name == centresFile:
		case e.IsDir():
			return fmt.Errorf("content: %s: unknown folder; the languages are %s", o.file(name), strings.Join(Languages, ", "))
		default:
			return fmt.Errorf("content: %s: unknown file; a content directory holds %s and a folder per language", o.file(name), centresFile)
		}
	}
	return nil
}

// readFile reads name from o, at most limit bytes.
func readFile(o origin, name string, limit int64) ([]byte, error) {
	f, err := o.fsys.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("content: %s: %v", o.file(name), err)
	}
	defer f.Close()
	b, err := bounded.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("content: %s: %v", o.file(name), err)
	}
	return trimBOM(b), nil
}

// readStrings reads lang/strings.json. The German defaults (the source)
// define every key; every other file may only set keys the source has. The
// defaults must have German and English; any other language may lack its
// file or keys, which then read in English (fillStrings).
func (src *sources) readStrings(o origin, lang string, base bool) error {
	name := path.Join(lang, stringsFile)
	b, err := readFile(o, name, maxStringsFile)
	if errors.Is(err, fs.ErrNotExist) {
		if base && (lang == Languages[0] || lang == fallback(Languages[0])) {
			return fmt.Errorf("content: %s: missing", o.file(name))
		}
		return nil
	}
	if err != nil {
		return err
	}
	m, err := stringsObject(o, name, b)
	if err != nil {
		return err
	}
	if src.strings[lang] == nil {
		src.strings[lang] = map[string]string{}
		src.ownStrings[lang] = map[string]bool{}
	}
	source := base && lang == Languages[0]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		if _, known := src.strings[Languages[0]][k]; !source && !known {
			return fmt.Errorf("content: %s: unknown key %q", o.file(name), k)
		}
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("content: %s: key %q: empty text", o.file(name), k)
		}
		if len(v) > maxStringLen {
			return fmt.Errorf("content: %s: key %q: longer than %d bytes", o.file(name), k, maxStringLen)
		}
		src.strings[lang][k] = v
		src.ownStrings[lang][k] = true
	}
	return nil
}

// stringsObject decodes a file that holds one JSON object of strings and
// nothing after it.
func stringsObject(o origin, name string, b []byte) (map[string]string, error) {
	var m map[string]string
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("content: %s: want a JSON object of strings: %v", o.file(name), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("content: %s: trailing data after the JSON object", o.file(name))
	}
	return m, nil
}

// WebClientTexts are an operator's texts for the web client in one
// language (<lang>/webclient.json): keys of webclient/src/lang/<lang>.json.
type WebClientTexts struct {
	File  string // as errors name it
	Texts map[string]string
}

// readWebClient reads each language's webclient.json of the operator's
// layer: a JSON object of non-empty strings. Whether the keys and
// placeholders fit is for api to say, against the built catalogues.
func (src *sources) readWebClient(o origin) error {
	for _, lang := range src.codes() {
		name := path.Join(lang, webClientFile)
		b, err := readFile(o, name, maxStringsFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		m, err := stringsObject(o, name, b)
		if err != nil {
			return err
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("content: %s: key %q: empty text", o.file(name), k)
			}
			if len(v) > maxStringLen {
				return fmt.Errorf("content: %s: key %q: longer than %d bytes", o.file(name), k, maxStringLen)
			}
		}
		if src.webClient == nil {
			src.webClient = map[string]WebClientTexts{}
		}
		src.webClient[lang] = WebClientTexts{File: o.file(name), Texts: m}
	}
	return nil
}

// fillStrings completes every language's strings: a key a language does
// not set reads as in the language that stands in for it, and a language
// without its own name gets the one ServiceLanguages gives.
func (src *sources) fillStrings() {
	for _, lang := range src.codes() {
		if src.strings[lang] == nil {
			src.strings[lang] = map[string]string{}
			src.ownStrings[lang] = map[string]bool{}
		}
		for k := range src.strings[Languages[0]] {
			if src.ownStrings[lang][k] {
				continue
			}
			if k == "lang_name" {
				src.strings[lang][k] = src.language(lang).Name
				continue
			}
			for _, l := range fallbacks(lang)[1:] {
				if v, ok := src.strings[l][k]; ok && src.ownStrings[l][k] {
					src.strings[lang][k] = v
					break
				}
			}
		}
	}
}

// page is the page slug in lang, else in the language that stands in for
// it; nil if no language has it.
func (src *sources) page(lang, slug string) *page {
	for _, l := range fallbacks(lang) {
		if p := src.pages[l][slug]; p != nil {
			return p
		}
	}
	return nil
}

// slugs are the pages of every language.
func (src *sources) slugs() map[string]bool {
	out := map[string]bool{}
	for _, ps := range src.pages {
		for slug := range ps {
			out[slug] = true
		}
	}
	return out
}

// readPages reads lang/*.md of one layer; a page replaces the one of the
// same name from an earlier layer.
func (src *sources) readPages(o origin, lang string) error {
	entries, err := fs.ReadDir(o.fsys, lang)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("content: %s: %v", o.file(lang), err)
	}
	if src.pages[lang] == nil {
		src.pages[lang] = map[string]*page{}
	}
	for _, e := range entries {
		name := e.Name()
		file := path.Join(lang, name)
		slug, isPage := strings.CutSuffix(name, ".md")
		switch {
		case strings.HasPrefix(name, "."), name == stringsFile, name == webClientFile:
			continue
		case (name == languageFile || name == labelsFile) && !slices.Contains(Languages, lang):
			continue // an added language's (added.go)
		case e.IsDir() || !isPage:
			return fmt.Errorf("content: %s: unknown file; pages are named like faq.md", o.file(file))
		case !slugRE.MatchString(slug):
			return fmt.Errorf("content: %s: a page name may hold only a-z, 0-9 and -, and start with a letter or digit", o.file(file))
		}
		b, err := readFile(o, file, maxPageFile)
		if err != nil {
			return err
		}
		p, err := parsePage(b, src.vars(lang))
		if err != nil {
			return fmt.Errorf("content: %s: %v", o.file(file), err)
		}
		p.lang, p.slug, p.file = lang, slug, o.file(file)
		src.pages[lang][slug] = p
		if len(src.pages[lang]) > maxPages {
			return fmt.Errorf("content: %s: more than %d pages", o.file(lang), maxPages)
		}
	}
	return nil
}

// vars are the placeholders a page may use, like {{retention_days}}.
func (src *sources) vars(lang string) map[string]string {
	return map[string]string{
		"retention_days": strconv.Itoa(src.opts.RetentionDays),
		"service_name":   src.strings[lang]["service_name"],
	}
}

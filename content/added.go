package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// A language the operator adds (issue 14): a folder in the content
// directory that is none of ServiceLanguages and holds
//
//	language.json   {"name": "ትግርኛ", "dir": "ltr"}: its name in itself and its direction
//	strings.json    the pages' interface strings, every key of the German source
//	webclient.json  the web client's texts, every key (api checks them against the build)
//	labels.json     the directory's labels: every state, target group and the
//	                language names the built-in label catalogues carry
//	*.md            its pages; a page it lacks shows the English one
//
// Unlike a built-in language, an added one must be complete: nobody
// drafted it beside the source, so a missing text would be a silent gap in
// a language the operator promised. A centre's texts in centres.json stay
// in the built-in languages (counsel reads that file too); on an added
// language's pages they read in English.

const (
	languageFile = "language.json"
	labelsFile   = "labels.json"
	// maxAdded bounds the languages an operator may add: each is a
	// catalogue fetched by name and a set of rendered pages.
	maxAdded = 8
)

// addedCode is a language code an operator may add: ISO 639-1 (ti) or,
// where a language has none, ISO 639-3 (pcm, Nigerian Pidgin).
var addedCode = regexp.MustCompile(`^[a-z]{2,3}$`)

// languageDecl is language.json.
type languageDecl struct {
	Name string `json:"name"`
	Dir  string `json:"dir"`
}

// readAdded finds the languages o adds: its folders that are not built in.
// A folder without language.json is refused, naming what it lacks.
func readAdded(o origin) ([]ServiceLanguage, error) {
	entries, err := fs.ReadDir(o.fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("content: %s: %v", o.name, err)
	}
	var out []ServiceLanguage
	for _, e := range entries {
		code := e.Name()
		if !e.IsDir() || strings.HasPrefix(code, ".") || slices.Contains(Languages, code) {
			continue
		}
		if !addedCode.MatchString(code) {
			return nil, fmt.Errorf("content: %s: unknown folder; the languages are %s, and an added language's folder is named by its ISO 639-1 code (or ISO 639-3 where it has none)",
				o.file(code), strings.Join(Languages, ", "))
		}
		name := path.Join(code, languageFile)
		b, err := readFile(o, name, maxStringsFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("content: %s: unknown folder; the languages are %s; a folder that adds a language declares its name and direction in %s, as {\"name\": \"…\", \"dir\": \"ltr\"}",
				o.file(code), strings.Join(Languages, ", "), languageFile)
		}
		if err != nil {
			return nil, err
		}
		var d languageDecl
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil || dec.More() {
			return nil, fmt.Errorf("content: %s: want {\"name\": \"…\", \"dir\": \"ltr\" or \"rtl\"}", o.file(name))
		}
		if err := CheckServiceName(d.Name); err != nil {
			return nil, fmt.Errorf("content: %s: name: %v", o.file(name), strings.TrimPrefix(err.Error(), "content: service name: "))
		}
		if d.Dir != "ltr" && d.Dir != "rtl" {
			return nil, fmt.Errorf("content: %s: dir %q: want \"ltr\" or \"rtl\"", o.file(name), d.Dir)
		}
		if len(out) == maxAdded {
			return nil, fmt.Errorf("content: %s: more than %d added languages", o.name, maxAdded)
		}
		out = append(out, ServiceLanguage{Code: code, Name: d.Name, RTL: d.Dir == "rtl"})
	}
	return out, nil
}

// checkAddedStrings demands that an added language's strings.json set
// every key of the source; lang_name, if set, must be the declared name.
func (src *sources) checkAddedStrings(o origin, l ServiceLanguage) error {
	file := o.file(path.Join(l.Code, stringsFile))
	own := src.ownStrings[l.Code]
	if own == nil {
		return fmt.Errorf("content: %s: missing; an added language needs every interface string", file)
	}
	if v, ok := src.strings[l.Code]["lang_name"]; ok && own["lang_name"] && v != l.Name {
		return fmt.Errorf("content: %s: key \"lang_name\": %q differs from the name in %s, %q", file, v, languageFile, l.Name)
	}
	var missing []string
	for k := range src.strings[Languages[0]] {
		if k != "lang_name" && !own[k] {
			missing = append(missing, k)
		}
	}
	return missingKeys(file, missing)
}

// missingKeys is the error for keys a complete catalogue lacks, or nil.
func missingKeys(file string, missing []string) error {
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	more := ""
	if len(missing) > 5 {
		more = fmt.Sprintf(" and %d more", len(missing)-5)
		missing = missing[:5]
	}
	quoted := make([]string, len(missing))
	for i, k := range missing {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	return fmt.Errorf("content: %s: missing key %s%s; an added language needs every key", file, strings.Join(quoted, ", "), more)
}

// directoryLabelCodes are the codes every label catalogue names: the
// states, the target groups and the languages the built-in catalogues
// name (the languages centres offer most).
func directoryLabelCodes() []string {
	var out []string
	for _, l := range append(slices.Clone(States), TargetGroups...) {
		out = append(out, l.Code)
	}
	for _, m := range labelTexts {
		for code := range m {
			if _, isLang := findLabel(isoLanguages, code); isLang && !slices.Contains(out, code) {
				out = append(out, code)
			}
		}
	}
	return out
}

// readAddedLabels reads an added language's labels.json: every code of
// directoryLabelCodes, and any other ISO 639-1 language.
func readAddedLabels(o origin, lang string) (map[string]string, error) {
	name := path.Join(lang, labelsFile)
	b, err := readFile(o, name, maxStringsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("content: %s: missing; an added language names the directory's states, target groups and languages there", o.file(name))
	}
	if err != nil {
		return nil, err
	}
	m, err := stringsObject(o, name, b)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		_, state := findLabel(States, k)
		_, group := findLabel(TargetGroups, k)
		_, language := findLabel(isoLanguages, k)
		v := m[k]
		switch {
		case !state && !group && !language:
			return nil, fmt.Errorf("content: %s: unknown key %q; the keys are state codes (DE-BY), target groups (women) and ISO 639-1 languages (fr)", o.file(name), k)
		case strings.TrimSpace(v) != v || v == "":
			return nil, fmt.Errorf("content: %s: key %q: empty, or space around the text", o.file(name), k)
		case len(v) > maxShortText || !printableText(v):
			return nil, fmt.Errorf("content: %s: key %q: want one line of at most %d bytes", o.file(name), k, maxShortText)
		}
	}
	var missing []string
	for _, code := range directoryLabelCodes() {
		if _, ok := m[code]; !ok {
			missing = append(missing, code)
		}
	}
	if err := missingKeys(o.file(name), missing); err != nil {
		return nil, err
	}
	return m, nil
}

// labelNames names the directory's labels in one language: from the
// added language's labels.json, else as Label.In does.
type labelNames struct {
	lang  string
	added map[string]string // code → name, for an added language
}

func (n labelNames) in(l Label) string {
	if v := n.added[l.Code]; v != "" {
		return v
	}
	return l.In(n.lang)
}

func (n labelNames) inline(l Label) string {
	if v := n.added[l.Code]; v != "" {
		return v
	}
	return l.inline(n.lang)
}

// translated tells whether l has a name of its own in the language.
func (n labelNames) translated(l Label) bool {
	return n.added[l.Code] != "" || l.translated(n.lang)
}

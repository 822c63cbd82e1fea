// Package catalogue checks translation catalogues, the JSON files of
// {"key": "text"} that hold every text the enquirer reads (the web client's
// webclient/src/lang/*.json, the information pages' strings.json), against
// their source language: the same keys, the same {name} placeholders, no
// empty text. It also reads the review record beside them (review.json),
// which says for every language whether a native speaker has checked its
// texts; until then they count as machine-drafted.
//
// It is for tests and tools; the server reads its catalogues itself.
package catalogue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
)

// A review status says who vouches for a language's texts.
const (
	// Source is the language the others are translated from.
	Source = "source"
	// Reviewed: a native speaker has checked every text.
	Reviewed = "reviewed"
	// MachineDrafted: drafted by a machine; only the keys listed in
	// Review.Reviewed have been checked by a native speaker.
	MachineDrafted = "machine-drafted"
)

// Review is one language's entry in review.json.
type Review struct {
	Status   string   `json:"status"`
	Reviewed []string `json:"reviewed,omitempty"` // keys a native speaker checked
	Note     string   `json:"note,omitempty"`     // who reviewed, or what is open
}

// placeholder is a {name} in a text; both the web client and the pages'
// strings fill these.
var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// Read reads a catalogue: one JSON object of strings, no key twice.
func Read(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse decodes a catalogue, refusing a key that appears twice (which
// encoding/json would let the last one win) and anything but strings.
func Parse(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("want a JSON object")
	}
	out := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // an object's keys are strings
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%q: %v", key, err)
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%q: want a string", key)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%q appears twice", key)
		}
		out[key] = s
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the object")
	}
	return out, nil
}

// Compare lists what is wrong with target against source: a key missing or
// extra, an empty text, a placeholder that differs. Each problem is one
// line naming the key; none is nil.
func Compare(source, target map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(source)) {
		v, ok := target[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%q is missing", k))
		case strings.TrimSpace(v) == "":
			out = append(out, fmt.Sprintf("%q is empty", k))
		default:
			if want, got := Placeholders(source[k]), Placeholders(v); !slices.Equal(want, got) {
				out = append(out, fmt.Sprintf("%q has placeholders %v, the source %v", k, got, want))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(target)) {
		if _, ok := source[k]; !ok {
			out = append(out, fmt.Sprintf("%q is not in the source", k))
		}
	}
	return out
}

// Placeholders are the {name}s of s, sorted, each as often as it occurs.
func Placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// ReadReview reads review.json: language code → Review. It checks the
// statuses; CheckReview checks the entries against the catalogues.
func ReadReview(path string) (map[string]Review, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m map[string]Review
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for lang, r := range m {
		switch r.Status {
		case Source, Reviewed, MachineDrafted:
		default:
			return nil, fmt.Errorf("%s: %s: status %q: want %s, %s or %s", path, lang, r.Status, Source, Reviewed, MachineDrafted)
		}
	}
	return m, nil
}

// CheckReview lists what is wrong with a language's review entry for its
// catalogue: reviewed keys that do not exist or appear twice, a list beside
// a status that covers everything.
func CheckReview(r Review, texts map[string]string) []string {
	var out []string
	if r.Status != MachineDrafted && len(r.Reviewed) > 0 {
		out = append(out, fmt.Sprintf("status %s covers every text; drop the reviewed list", r.Status))
	}
	seen := map[string]bool{}
	for _, k := range r.Reviewed {
		if _, ok := texts[k]; !ok {
			out = append(out, fmt.Sprintf("reviewed key %q is not in the catalogue", k))
		}
		if seen[k] {
			out = append(out, fmt.Sprintf("reviewed key %q is listed twice", k))
		}
		seen[k] = true
	}
	return out
}

// Unreviewed is the number of texts in a catalogue that no native speaker
// has checked.
func Unreviewed(r Review, texts map[string]string) int {
	if r.Status != MachineDrafted {
		return 0
	}
	n := len(texts)
	for _, k := range r.Reviewed {
		if _, ok := texts[k]; ok {
			n--
		}
	}
	return n
}

package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"lotse/domain"
)

// Centre is one entry of the referral directory (centres.json).
type Centre struct {
	ID           string   `json:"id"`            // stable, a-z 0-9 -
	Name         string   `json:"name"`          // e.g. "Fachberatungsstelle …"
	Organisation string   `json:"organisation"`  // who runs it
	State        string   `json:"state"`         // a code of States, e.g. "DE-BE"
	City         string   `json:"city"`          // "" for a nationwide centre
	Languages    []string `json:"languages"`     // ISO 639-1 codes
	TargetGroups []string `json:"target_groups"` // ids of TargetGroups
	Services     Text     `json:"services"`      // what it offers
	Contact      Contact  `json:"contact"`
	OpeningHours Text     `json:"opening_hours"`
	Anonymous    bool     `json:"anonymous"` // anonymous counselling possible
	// Org is the slug of the organisation on this server that the centre
	// is (PROTOCOL.md §8), if any: the directory then offers to write to
	// it here, where that organisation takes enquiries.
	Org string `json:"org,omitempty"`
}

// Contact is how to reach a centre; at least one field is set.
type Contact struct {
	Website string `json:"website,omitempty"` // https://…
	Phone   string `json:"phone,omitempty"`   // international form, e.g. +49 30 23125 000
	Email   string `json:"email,omitempty"`
}

// Text is a text in one or more of Languages.
type Text map[string]string

// In is the text in lang, else in the language that stands in for it
// (English, then German), and the language it is in; "" if there is none.
func (t Text) In(lang string) (text, in string) {
	for _, l := range fallbacks(lang) {
		if v := t[l]; v != "" {
			return v, l
		}
	}
	return "", ""
}

func (c Centre) clone() Centre {
	c.Languages = slices.Clone(c.Languages)
	c.TargetGroups = slices.Clone(c.TargetGroups)
	c.Services = cloneText(c.Services)
	c.OpeningHours = cloneText(c.OpeningHours)
	return c
}

func cloneText(t Text) Text {
	if t == nil {
		return nil
	}
	out := Text{}
	for k, v := range t {
		out[k] = v
	}
	return out
}

// Label is a code with its name in each language.
type Label struct {
	Code string
	DE   string
	EN   string
}

// deInline are German names as written inside a list, where they differ.
var deInline = map[string]string{"sexual_exploitation": "sexuelle Ausbeutung", Nationwide: "bundesweit"}

// inline is the label's name in lang inside a list.
func (l Label) inline(lang string) string {
	if v := deInline[l.Code]; lang == "de" && v != "" {
		return v
	}
	return l.In(lang)
}

// In is the label's name in lang: German and English from the label
// itself, the others from labels/<lang>.json, English where that lacks it.
func (l Label) In(lang string) string {
	switch lang {
	case "de":
		return l.DE
	case "en":
		return l.EN
	}
	if v := labelIn(l.Code, lang); v != "" {
		return v
	}
	return l.EN
}

// translated tells whether l has a name of its own in lang, not the
// English one standing in.
func (l Label) translated(lang string) bool {
	return lang == "de" || lang == "en" || labelIn(l.Code, lang) != ""
}

// Nationwide is the state code of a centre that works across Germany.
const Nationwide = "DE"

// States are the codes a centre's state may take: ISO 3166-2:DE for the 16
// Länder, and "DE" for a nationwide centre.
var States = []Label{
	{Nationwide, "Bundesweit", "Nationwide"},
	{"DE-BW", "Baden-Württemberg", "Baden-Württemberg"},
	{"DE-BY", "Bayern", "Bavaria"},
	{"DE-BE", "Berlin", "Berlin"},
	{"DE-BB", "Brandenburg", "Brandenburg"},
	{"DE-HB", "Bremen", "Bremen"},
	{"DE-HH", "Hamburg", "Hamburg"},
	{"DE-HE", "Hessen", "Hesse"},
	{"DE-MV", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"},
	{"DE-NI", "Niedersachsen", "Lower Saxony"},
	{"DE-NW", "Nordrhein-Westfalen", "North Rhine-Westphalia"},
	{"DE-RP", "Rheinland-Pfalz", "Rhineland-Palatinate"},
	{"DE-SL", "Saarland", "Saarland"},
	{"DE-SN", "Sachsen", "Saxony"},
	{"DE-ST", "Sachsen-Anhalt", "Saxony-Anhalt"},
	{"DE-SH", "Schleswig-Holstein", "Schleswig-Holstein"},
	{"DE-TH", "Thüringen", "Thuringia"},
}

// TargetGroups are the groups a centre may name as the people it supports.
var TargetGroups = []Label{
	{"women", "Frauen", "Women"},
	{"men", "Männer", "Men"},
	{"minors", "Minderjährige", "Minors"},
	{"lgbtiq", "LSBTIQ*-Personen", "LGBTIQ* people"},
	{"refugees", "Geflüchtete", "Refugees"},
	{"labour_exploitation", "Ausbeutung bei der Arbeit", "Labour exploitation"},
	{"sexual_exploitation", "Sexuelle Ausbeutung", "Sexual exploitation"},
	{"forced_begging_crime", "Zwang zum Betteln oder zu Straftaten", "Forced begging or crime"},
	{"forced_marriage", "Zwangsheirat", "Forced marriage"},
	{"relatives", "Angehörige und Freunde", "Relatives and friends"},
	{"professionals", "Fachkräfte", "Professionals"},
}

func findLabel(list []Label, code string) (Label, bool) {
	for _, l := range list {
		if l.Code == code {
			return l, true
		}
	}
	return Label{}, false
}

// StateName is the name of a state code in lang ("" if unknown).
func StateName(code, lang string) string {
	l, _ := findLabel(States, code)
	return l.In(lang)
}

// TargetGroupName is the label of a target group in lang ("" if unknown).
func TargetGroupName(code, lang string) string {
	l, _ := findLabel(TargetGroups, code)
	return l.In(lang)
}

// LanguageName is the name of an ISO 639-1 code in lang ("" if unknown).
func LanguageName(code, lang string) string {
	l, _ := findLabel(isoLanguages, code)
	return l.In(lang)
}

// Bounds on the directory.
const (
	maxCentres   = 2000
	maxShortText = 200  // name, organisation, city, contact fields
	maxLongText  = 2000 // services, opening hours
)

var (
	idRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	phoneRE = regexp.MustCompile(`^\+[0-9][0-9 ()/-]{5,30}$`)
)

// centresFileJSON is the file's shape: {"centres": [...]}.
type centresFileJSON struct {
	Centres []json.RawMessage `json:"centres"`
}

// parseCentres decodes and validates centres.json. Errors name the entry
// by index and name, and the field.
func parseCentres(b []byte) ([]Centre, error) {
	var f centresFileJSON
	if err := strictJSON(b, &f); err != nil {
		return nil, jsonErr(b, err)
	}
	if f.Centres == nil {
		return nil, fmt.Errorf(`want {"centres": [ … ]}`)
	}
	if len(f.Centres) > maxCentres {
		return nil, fmt.Errorf("more than %d centres", maxCentres)
	}
	out := make([]Centre, len(f.Centres))
	ids := map[string]int{}
	for i, raw := range f.Centres {
		c := &out[i]
		if err := strictJSON(raw, c); err != nil {
			var named struct {
				Name string `json:"name"`
			}
			json.Unmarshal(raw, &named) // only for the message
			return nil, fmt.Errorf("%s: %v", entryName(i, named.Name), fieldErr(err))
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("%s: %v", entryName(i, c.Name), err)
		}
		if j, dup := ids[c.ID]; dup {
			return nil, fmt.Errorf("%s: id: %q is already used by entry %d", entryName(i, c.Name), c.ID, j)
		}
		ids[c.ID] = i
	}
	return out, nil
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// fieldErr names the field of a decoding error inside one entry.
func fieldErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: wrong type (want %s)", te.Field, te.Type)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", f)
	}
	return err
}

func entryName(i int, name string) string {
	if strings.TrimSpace(name) == "" {
		return fmt.Sprintf("entry %d (no name)", i)
	}
	if len(name) > 60 {
		name = name[:60] + "…"
	}
	return fmt.Sprintf("entry %d (%q)", i, name)
}

// jsonErr says where in the file a decoding error is.
func jsonErr(b []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
		if e.Field != "" {
			return fmt.Errorf("line %d: field %q has the wrong type (want %s)", lineAt(b, off), e.Field, e.Type)
		}
	}
	if off >= 0 {
		return fmt.Errorf("line %d: %v", lineAt(b, off), err)
	}
	return err
}

func lineAt(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return 1 + bytes.Count(b[:off], []byte("\n"))
}

func (c *Centre) validate() error {
	for _, f := range []struct {
		name, v  string
		required bool
	}{
		{"name", c.Name, true},
		{"organisation", c.Organisation, true},
		{"city", c.City, c.State != Nationwide},
	} {
		if err := checkText(f.name, f.v, f.required, maxShortText); err != nil {
			return err
		}
	}
	if !idRE.MatchString(c.ID) {
		return fmt.Errorf("id: want 1 to 63 characters a-z, 0-9 and -, got %q", c.ID)
	}
	if c.Org != "" {
		if _, err := domain.ParseSlug(c.Org); err != nil {
			return fmt.Errorf("org: want the slug of an organisation on this server, 1 to 32 characters a-z, 0-9 and -, got %q", c.Org)
		}
	}
	if _, ok := findLabel(States, c.State); !ok {
		return fmt.Errorf("state: unknown federal state %q; use a code like DE-BE (Berlin) or DE for nationwide", c.State)
	}
	if len(c.Languages) == 0 {
		return fmt.Errorf("languages: name at least one language, as ISO 639-1 codes like \"de\"")
	}
	for i, l := range c.Languages {
		if _, ok := findLabel(isoLanguages, l); !ok {
			return fmt.Errorf("languages[%d]: %q is not an ISO 639-1 code (two lower-case letters, like \"de\" or \"uk\")", i, l)
		}
		if slices.Index(c.Languages, l) != i {
			return fmt.Errorf("languages[%d]: %q appears twice", i, l)
		}
	}
	if len(c.TargetGroups) == 0 {
		return fmt.Errorf("target_groups: name at least one of %s", labelCodes(TargetGroups))
	}
	for i, g := range c.TargetGroups {
		if _, ok := findLabel(TargetGroups, g); !ok {
			return fmt.Errorf("target_groups[%d]: unknown group %q; known: %s", i, g, labelCodes(TargetGroups))
		}
		if slices.Index(c.TargetGroups, g) != i {
			return fmt.Errorf("target_groups[%d]: %q appears twice", i, g)
		}
	}
	if err := checkTextIn("services", c.Services, true); err != nil {
		return err
	}
	if err := checkTextIn("opening_hours", c.OpeningHours, false); err != nil {
		return err
	}
	return c.Contact.validate()
}

func (k *Contact) validate() error {
	if k.Website == "" && k.Phone == "" && k.Email == "" {
		return fmt.Errorf("contact: give at least one of website, phone, email")
	}
	if k.Website != "" {
		u, err := url.Parse(k.Website)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(k.Website) > maxShortText || !printableText(k.Website) {
			return fmt.Errorf("contact.website: want an https:// address, got %q", k.Website)
		}
	}
	if k.Phone != "" && (!phoneRE.MatchString(k.Phone) || strings.Count(k.Phone, " ") > 8) {
		return fmt.Errorf("contact.phone: want the international form with digits and spaces, like \"+49 30 23125 000\", got %q", k.Phone)
	}
	if k.Email != "" {
		a, err := mail.ParseAddress(k.Email)
		if err != nil || a.Address != k.Email || a.Name != "" || len(k.Email) > maxShortText || !strings.Contains(k.Email[strings.LastIndexByte(k.Email, '@'):], ".") {
			return fmt.Errorf("contact.email: want a plain address like beratung@example.org, got %q", k.Email)
		}
	}
	return nil
}

func checkText(field, v string, required bool, max int) error {
	switch {
	case strings.TrimSpace(v) == "" && required:
		return fmt.Errorf("%s: missing", field)
	case len(v) > max:
		return fmt.Errorf("%s: longer than %d bytes", field, max)
	case !utf8.ValidString(v) || !printableText(v):
		return fmt.Errorf("%s: control characters are not allowed", field)
	}
	return nil
}

func checkTextIn(field string, t Text, required bool) error {
	if len(t) == 0 && required {
		return fmt.Errorf("%s: missing; give {\"de\": \"…\", \"en\": \"…\"}", field)
	}
	for _, lang := range slices.Sorted(maps.Keys(t)) {
		if !slices.Contains(Languages, lang) {
			return fmt.Errorf("%s: unknown language %q; use one of %s", field, lang, strings.Join(Languages, ", "))
		}
		if err := checkText(field+"."+lang, t[lang], true, maxLongText); err != nil {
			return err
		}
	}
	return nil
}

// printableText allows line breaks and tabs but no other control
// characters.
func printableText(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

func labelCodes(list []Label) string {
	codes := make([]string, len(list))
	for i, l := range list {
		codes[i] = l.Code
	}
	return strings.Join(codes, ", ")
}

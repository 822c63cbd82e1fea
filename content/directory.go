package content

import (
	"slices"
	"strings"
)

// dirData is the referral directory as the layout shows it in one
// language: grouped by state, nationwide first, then the states by name.
type dirData struct {
	strs map[string]string
	// write is the address of the web client of each organisation that
	// takes enquiries (Site.PageWith); nil on the page rendered in advance.
	write map[string]string

	Example         bool // the built-in example entries are shown
	StateOptions    []option
	LanguageOptions []option
	GroupOptions    []option
	Groups          []stateGroup
	Missing         string // states without an entry, by name
}

type option struct{ Code, Name string }

type stateGroup struct {
	Code, Name string
	Centres    []centreView
}

type centreView struct {
	State, Name, Organisation, City string
	LanguageCodes, GroupCodes       string // space-separated, for the filter
	Languages, Groups               string // names, comma-separated
	Services, Hours                 *localText
	Anonymous                       bool
	Phone, Email, Website           *contactLink
	Org                             string
}

// localText is a text and, if it is not in the page's language, its own.
type localText struct{ Text, Lang string }

type contactLink struct{ Href, Text string }

// T is the interface text key, as for pages.
func (d *dirData) T(key string) (string, error) { return t(d.strs, key) }

// WriteTo is the address at which to write to organisation org here, ""
// if it takes no enquiries (or org is "").
func (d *dirData) WriteTo(org string) string { return d.write[org] }

func (s *Site) newDirData(strs map[string]string, names labelNames) *dirData {
	d := &dirData{strs: strs, Example: s.exampleCentres}
	byState := map[string][]centreView{}
	langs, groups := map[string]bool{}, map[string]bool{}
	for _, c := range s.centres {
		byState[c.State] = append(byState[c.State], viewCentre(c, names))
		for _, l := range c.Languages {
			langs[l] = true
		}
		for _, g := range c.TargetGroups {
			groups[g] = true
		}
	}
	var missing []string
	for _, st := range sortedStates(names) {
		cs := byState[st.Code]
		if len(cs) == 0 {
			if st.Code != Nationwide {
				missing = append(missing, names.in(st))
			}
			continue
		}
		slices.SortStableFunc(cs, func(a, b centreView) int {
			if c := collate(a.City, b.City); c != 0 {
				return c
			}
			return collate(a.Name, b.Name)
		})
		d.Groups = append(d.Groups, stateGroup{Code: st.Code, Name: names.in(st), Centres: cs})
		d.StateOptions = append(d.StateOptions, option{st.Code, names.in(st)})
	}
	if len(d.Groups) > 0 && len(missing) > 0 {
		d.Missing = strings.Join(missing, ", ")
	}
	// Each language is named in itself, so that a person finds their own
	// without reading the page's; its name in the page's language follows
	// where the two differ. Sorted by the page-language name.
	type named struct {
		opt option
		key string
	}
	var opts []named
	for _, l := range isoLanguages {
		if langs[l.Code] {
			here, self := names.in(l), SelfName(l.Code)
			name := self
			if here != self && names.translated(l) {
				name = self + " (" + here + ")"
			}
			opts = append(opts, named{option{l.Code, name}, here})
		}
	}
	slices.SortFunc(opts, func(a, b named) int { return collate(a.key, b.key) })
	for _, o := range opts {
		d.LanguageOptions = append(d.LanguageOptions, o.opt)
	}
	for _, g := range TargetGroups {
		if groups[g.Code] {
			d.GroupOptions = append(d.GroupOptions, option{g.Code, names.in(g)})
		}
	}
	return d
}

// sortedStates is nationwide, then the Länder by their name.
func sortedStates(names labelNames) []Label {
	out := slices.Clone(States[1:])
	slices.SortFunc(out, func(a, b Label) int { return collate(names.in(a), names.in(b)) })
	return append([]Label{States[0]}, out...)
}

func viewCentre(c Centre, names labelNames) centreView {
	v := centreView{
		State:         c.State,
		Name:          c.Name,
		Organisation:  c.Organisation,
		City:          c.City,
		LanguageCodes: strings.Join(c.Languages, " "),
		GroupCodes:    strings.Join(c.TargetGroups, " "),
		Languages:     languageNames(c.Languages, names),
		Groups:        groupNames(c.TargetGroups, names),
		Services:      local(c.Services, names.lang),
		Hours:         local(c.OpeningHours, names.lang),
		Anonymous:     c.Anonymous,
		Org:           c.Org,
	}
	if p := c.Contact.Phone; p != "" {
		v.Phone = &contactLink{Href: "tel:" + strings.Map(keepDial, p), Text: p}
	}
	if e := c.Contact.Email; e != "" {
		v.Email = &contactLink{Href: "mailto:" + e, Text: e}
	}
	if w := c.Contact.Website; w != "" {
		v.Website = &contactLink{Href: w, Text: displayURL(w)}
	}
	return v
}

func local(t Text, lang string) *localText {
	v, in := t.In(lang)
	if v == "" {
		return nil
	}
	lt := &localText{Text: v}
	if in != lang {
		lt.Lang = in
	}
	return lt
}

func languageNames(codes []string, names labelNames) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		l, _ := findLabel(isoLanguages, c)
		out[i] = names.in(l)
	}
	return strings.Join(out, ", ")
}

func groupNames(codes []string, names labelNames) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		l, _ := findLabel(TargetGroups, c)
		out[i] = names.inline(l)
	}
	return strings.Join(out, ", ")
}

// keepDial keeps what a tel: link needs.
func keepDial(r rune) rune {
	if r == '+' || (r >= '0' && r <= '9') {
		return r
	}
	return -1
}

// displayURL is a website without its scheme and a lone trailing slash.
func displayURL(u string) string {
	u = strings.TrimPrefix(u, "https://")
	if strings.Count(u, "/") == 1 {
		u = strings.TrimSuffix(u, "/")
	}
	return u
}

// collate compares for sorting names: case and German umlauts folded.
func collate(a, b string) int {
	return strings.Compare(fold(a), fold(b))
}

var folder = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss", "Ä", "a", "Ö", "o", "Ü", "u", "é", "e", "è", "e", "á", "a", "à", "a", "í", "i", "ó", "o", "ú", "u", "ç", "c", "ñ", "n", "ā", "a")

// fold lower-cases s and removes the accents German sorting ignores.
func fold(s string) string {
	return folder.Replace(strings.ToLower(s))
}

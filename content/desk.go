package content

import (
	"slices"
	"strings"
	"unicode"
)

// CentreBlock is a centre's details as a short plain-text block in lang
// (one of Languages; anything else is "de"), for a counsellor to insert
// into a reply. It holds no markup: the reply is plain text. Its labels are
// the site's interface strings, so an operator's wording applies; a text
// the centre does not give in lang is in English, else German.
func (s *Site) CentreBlock(c Centre, lang string) string {
	return s.directory().CentreBlock(c, lang)
}

// SearchCentres is Directory.SearchCentres on the site's directory.
func (s *Site) SearchCentres(query string) []Centre {
	return s.directory().SearchCentres(query)
}

// CentreBlock is a centre's details as a short plain-text block in lang
// (one of Languages; anything else is "de"), for a counsellor to insert
// into a reply: labels in lang (English where lang has none yet), the
// centre's texts in lang, else English, else German. It holds no markup:
// the reply is plain text.
func (d *Directory) CentreBlock(c Centre, lang string) string {
	if !slices.Contains(Languages, lang) {
		lang = Languages[0]
	}
	strs := d.strings[lang]
	var b strings.Builder
	line := func(label, v string) {
		if v = oneLine(v); v != "" {
			if label != "" {
				b.WriteString(strs[label])
				b.WriteString(": ")
			}
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	line("", c.Name)
	line("", c.Organisation)
	place := StateName(c.State, lang)
	if c.City != "" && c.City != place {
		place = c.City + " (" + place + ")"
	}
	line("", place)
	line("dir_phone", c.Contact.Phone)
	line("dir_email", c.Contact.Email)
	line("dir_website", c.Contact.Website)
	hours, _ := c.OpeningHours.In(lang)
	line("dir_hours", hours)
	line("dir_languages", languageNames(c.Languages, labelNames{lang: lang}))
	services, _ := c.Services.In(lang)
	line("dir_services", services)
	if c.Anonymous {
		line("", strs["block_anonymous"])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// oneLine joins the lines of v and drops control characters.
func oneLine(v string) string {
	return strings.Join(strings.FieldsFunc(v, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\t'
	}), " ")
}

// maxQuery bounds a search: longer queries are cut.
const (
	maxQueryBytes = 200
	maxQueryTerms = 10
)

// SearchCentres returns the centres that match every word of query, in
// the order of the directory; an empty query returns all. A word matches
// a centre's name, organisation, city, state (code or name), a language
// (code or name), a target group (code or label) or its services, in
// any language of the service, ignoring case and German umlauts
// ("munchen" finds "München").
func (d *Directory) SearchCentres(query string) []Centre {
	if len(query) > maxQueryBytes {
		query = query[:maxQueryBytes]
	}
	terms := strings.FieldsFunc(fold(query), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';'
	})
	if len(terms) > maxQueryTerms {
		terms = terms[:maxQueryTerms]
	}
	out := []Centre{}
	for _, c := range d.centres {
		hay := searchText(c)
		match := true
		for _, term := range terms {
			if !strings.Contains(hay, term) {
				match = false
				break
			}
		}
		if match {
			out = append(out, c.clone())
		}
	}
	return out
}

// searchText is everything a search looks at, folded, one field a line
// so that a word never matches across two fields.
func searchText(c Centre) string {
	f := []string{c.Name, c.Organisation, c.City, c.ID, strings.ToLower(c.State)}
	for _, lang := range Languages {
		f = append(f, StateName(c.State, lang), c.Services[lang])
		for _, l := range c.Languages {
			f = append(f, LanguageName(l, lang))
		}
		for _, g := range c.TargetGroups {
			f = append(f, TargetGroupName(g, lang))
		}
	}
	f = append(f, c.Languages...)
	f = append(f, c.TargetGroups...)
	return fold(strings.Join(f, "\n"))
}

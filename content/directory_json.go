package content

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"sync"
)

// MaxCentresJSON bounds the referral directory as JSON: the operator's
// centres.json, what mailboxd serves at /info/centres.json, and what
// ParseCentres accepts from a server.
const MaxCentresJSON = maxCentresFile

// Directory is a validated referral directory without the pages: what the
// counsellor desktop builds from the JSON the server publishes, to search
// it and to insert a centre into a reply. It is immutable and safe for
// concurrent use.
type Directory struct {
	centres []Centre
	strings map[string]map[string]string // lang → key → text, for the block's labels
}

// ParseCentres decodes and validates a referral directory in the form of
// centres.json ({"centres": [ … ]}), with the same rules mailboxd applies
// to the operator's file at start-up, and at most MaxCentresJSON bytes.
// It is meant for JSON from elsewhere, such as a server: anything that is
// not a valid directory is refused, and an error names the entry and
// field. Block labels are the built-in interface strings.
func ParseCentres(b []byte) (*Directory, error) {
	if len(b) > MaxCentresJSON {
		return nil, fmt.Errorf("content: centres: larger than %d bytes", MaxCentresJSON)
	}
	strs, err := builtinStrings()
	if err != nil {
		return nil, err
	}
	cs, err := parseCentres(trimBOM(b))
	if err != nil {
		return nil, fmt.Errorf("content: centres: %v", err)
	}
	return &Directory{centres: cs, strings: strs}, nil
}

// Len is the number of centres.
func (d *Directory) Len() int { return len(d.centres) }

// Centres is the directory in its order.
func (d *Directory) Centres() []Centre {
	out := make([]Centre, len(d.centres))
	for i, c := range d.centres {
		out[i] = c.clone()
	}
	return out
}

// Centre is the centre with id.
func (d *Directory) Centre(id string) (Centre, bool) {
	for _, c := range d.centres {
		if c.ID == id {
			return c.clone(), true
		}
	}
	return Centre{}, false
}

// directory is the site's referral directory with the site's strings.
func (s *Site) directory() *Directory {
	return &Directory{centres: s.centres, strings: s.strings}
}

// CentresJSON is the validated referral directory as JSON in the form of
// centres.json, which ParseCentres reads back. The directory is public
// information; mailboxd serves it for the counsellor desktop.
func (s *Site) CentresJSON() []byte {
	return s.centresJSON
}

// marshalCentres is the inverse of parseCentres.
func marshalCentres(cs []Centre) ([]byte, error) {
	if cs == nil {
		cs = []Centre{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Centres []Centre `json:"centres"`
	}{cs}); err != nil {
		return nil, fmt.Errorf("content: centres: %v", err)
	}
	if buf.Len() > MaxCentresJSON {
		return nil, fmt.Errorf("content: centres: larger than %d bytes as JSON", MaxCentresJSON)
	}
	return buf.Bytes(), nil
}

// builtinStrings are the embedded interface strings.
var builtinStrings = sync.OnceValues(func() (map[string]map[string]string, error) {
	sub, err := fs.Sub(defaultsFS, "defaults")
	if err != nil {
		return nil, fmt.Errorf("content: %v", err)
	}
	src := &sources{strings: map[string]map[string]string{}, ownStrings: map[string]map[string]bool{}}
	for _, lang := range Languages {
		if err := src.readStrings(origin{sub, "(built in)"}, lang, true); err != nil {
			return nil, err
		}
	}
	src.fillStrings()
	return src.strings, nil
})

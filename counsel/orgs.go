package counsel

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"lotse/api/client"
	"lotse/crypto"
	"lotse/domain"
)

// Other organisations on the server (PROTOCOL.md §8) and the pins of
// their team keys (§9.1). A handover re-seals a conversation to the team
// recipient the offer names, so that recipient must be one a person of
// this organisation confirmed with the other organisation out of band
// (phone, letter), as at join: never one taken from the server alone.
// The desk keeps every confirmed (slug, epoch, recipient) in one file of
// the config directory, beside the team's own pins in counsel.json; a
// server that later shows another recipient for a pinned organisation is
// an alarm, and no handover goes there until the new fingerprint is
// confirmed.

const (
	orgPinsFile = "orgs.json"
	maxOrgPins  = 1 << 20
)

// The pin states of an organisation as the desk shows them.
const (
	OrgOwn      = "own"      // this desk's own organisation
	OrgPinned   = "pinned"   // the server shows the team key confirmed out of band
	OrgUnpinned = "unpinned" // no team key of it confirmed yet
	OrgChanged  = "changed"  // the server shows another key than the confirmed one
)

// OrgPin is another organisation's team key that a person confirmed.
type OrgPin struct {
	Slug      string `json:"slug"`
	Epoch     int    `json:"epoch"`
	Recipient string `json:"recipient"`
}

// OrgView is an organisation of GET /api/v1/orgs with its pin state.
type OrgView struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Epoch       int    `json:"epoch"`
	Fingerprint string `json:"fingerprint"` // computed here (client.Orgs)
	FrontDoor   bool   `json:"front_door"`
	Pin         string `json:"pin"` // OrgOwn, OrgPinned, OrgUnpinned or OrgChanged
	// Confirmed is the fingerprint that was confirmed, for OrgChanged.
	Confirmed string `json:"confirmed,omitempty"`

	recipient string // as the server shows it
	pinned    string // the pinned recipient, for OrgPinned
}

// orgPinMu serialises the read-modify-write of the pin file in this
// process (the desk's handlers).
var orgPinMu sync.Mutex

func readOrgPins(dir string) ([]OrgPin, error) {
	b, err := readBounded(filepath.Join(dir, orgPinsFile), maxOrgPins)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errorf(mErrReadOrgPins, err)
	}
	var f struct {
		Pins []OrgPin `json:"pins"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, errorf(mErrReadOrgPins, err)
	}
	for _, p := range f.Pins {
		if _, err := domain.ParseSlug(p.Slug); err != nil || p.Epoch < 1 || !validRecipient(p.Recipient) {
			return nil, errorf(mErrReadOrgPins, filepath.Join(dir, orgPinsFile))
		}
	}
	return f.Pins, nil
}

func writeOrgPins(dir string, pins []OrgPin) error {
	b, err := json.MarshalIndent(map[string]any{"pins": pins}, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, orgPinsFile), append(b, '\n'))
}

// orgState is the pin state of o among pins: pinned when its epoch and
// recipient were confirmed (pin is then that pin); unpinned when nothing
// of it was; changed otherwise (another recipient for a confirmed epoch,
// a newer epoch not confirmed yet, or an epoch older than a confirmed
// one), with the fingerprint last confirmed.
func orgState(pins []OrgPin, o client.Org) (state, confirmed string, pin *OrgPin) {
	var last *OrgPin
	for i, p := range pins {
		if p.Slug != o.Slug {
			continue
		}
		if p.Epoch == o.Epoch && p.Recipient == o.Recipient {
			return OrgPinned, "", &pins[i]
		}
		if last == nil || p.Epoch > last.Epoch {
			last = &pins[i]
		}
	}
	if last == nil {
		return OrgUnpinned, "", nil
	}
	return OrgChanged, crypto.Fingerprint(last.Recipient), nil
}

// listOrgs is the server's organisations with this desk's pin states.
func listOrgs(ctx context.Context, base *client.Client, cfg *Config) ([]OrgView, error) {
	orgs, err := base.Orgs(ctx)
	if err != nil {
		return nil, apiError(mDoingListOrgs, err)
	}
	orgPinMu.Lock()
	pins, err := readOrgPins(cfg.dir)
	orgPinMu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]OrgView, len(orgs))
	for i, o := range orgs {
		v := OrgView{Slug: o.Slug, Name: o.Name, Epoch: o.Epoch, Fingerprint: o.Fingerprint, FrontDoor: o.FrontDoor, recipient: o.Recipient}
		if isOwnOrg(cfg, o) {
			v.Pin = OrgOwn
		} else {
			var pin *OrgPin
			v.Pin, v.Confirmed, pin = orgState(pins, o)
			if pin != nil {
				v.pinned = pin.Recipient
			}
		}
		out[i] = v
	}
	return out, nil
}

func isOwnOrg(cfg *Config, o client.Org) bool {
	return o.Slug == cfg.Org || cfg.Org == "" && o.FrontDoor
}

// changedOrgsAlarm is the alarm for the first changed organisation of
// orgs, nil if none changed.
func changedOrgsAlarm(orgs []OrgView) error {
	for _, o := range orgs {
		if o.Pin == OrgChanged {
			return alarm(mAlarmOrgKeyChanged, o.Slug, o.Epoch, o.Fingerprint, o.Confirmed)
		}
	}
	return nil
}

// orgOf is organisation slug as the server lists it, with its pin state.
func orgOf(ctx context.Context, base *client.Client, cfg *Config, slug string) (OrgView, error) {
	orgs, err := listOrgs(ctx, base, cfg)
	if err != nil {
		return OrgView{}, err
	}
	return findOrg(orgs, slug)
}

// findOrg is the organisation slug among orgs.
func findOrg(orgs []OrgView, slug string) (OrgView, error) {
	for _, o := range orgs {
		if o.Slug == slug {
			return o, nil
		}
	}
	return OrgView{}, withHint(errorf(mErrNoSuchOrg, oneLine(slug)), mHintListOrgs)
}

// pinOrg pins the team key the server shows for slug after a person
// confirmed its fingerprint with that organisation: typed is the
// fingerprint as they read it out. Another fingerprint than the server's
// is an alarm, as at join.
func pinOrg(ctx context.Context, base *client.Client, cfg *Config, slug, typed string) (OrgView, error) {
	o, err := orgOf(ctx, base, cfg, slug)
	if err != nil {
		return OrgView{}, err
	}
	if o.Pin == OrgOwn {
		return OrgView{}, errorf(mErrOwnOrg, slug)
	}
	if !SameFingerprint(typed, o.Fingerprint) {
		return OrgView{}, alarm(mAlarmOrgFingerprintDiffers, slug, o.Fingerprint, oneLine(strings.TrimSpace(typed)))
	}
	orgPinMu.Lock()
	defer orgPinMu.Unlock()
	pins, err := readOrgPins(cfg.dir)
	if err != nil {
		return OrgView{}, err
	}
	// A confirmed key replaces what was pinned for its epoch and later
	// ones; older epochs stay as history.
	pins = slices.DeleteFunc(pins, func(p OrgPin) bool { return p.Slug == slug && p.Epoch >= o.Epoch })
	pins = append(pins, OrgPin{Slug: slug, Epoch: o.Epoch, Recipient: o.recipient})
	slices.SortFunc(pins, func(a, b OrgPin) int {
		if c := strings.Compare(a.Slug, b.Slug); c != 0 {
			return c
		}
		return a.Epoch - b.Epoch
	})
	if err := writeOrgPins(cfg.dir, pins); err != nil {
		return OrgView{}, err
	}
	o.Pin, o.Confirmed = OrgPinned, ""
	return o, nil
}

// pinnedOrg is organisation slug for a handover: it must be another
// organisation whose team key the server shows as pinned; an offer takes
// the recipient from the pin (OrgView.pinned).
func pinnedOrg(ctx context.Context, base *client.Client, cfg *Config, slug string) (OrgView, error) {
	o, err := orgOf(ctx, base, cfg, slug)
	if err != nil {
		return OrgView{}, err
	}
	switch o.Pin {
	case OrgOwn:
		return OrgView{}, errorf(mErrOwnOrg, slug)
	case OrgUnpinned:
		return OrgView{}, withHintf(errorf(mErrOrgNotPinned, slug), mHintPinOrgFirst, slug)
	case OrgChanged:
		return OrgView{}, alarm(mAlarmOrgKeyChanged, o.Slug, o.Epoch, o.Fingerprint, o.Confirmed)
	}
	return o, nil
}

// Orgs lists the server's organisations with this desk's pin states.
func (s *Session) Orgs(ctx context.Context) ([]OrgView, error) { return listOrgs(ctx, s.base, s.cfg) }

// PinOrg pins slug's team key after a person confirmed its fingerprint.
func (s *Session) PinOrg(ctx context.Context, slug, typed string) (OrgView, error) {
	return pinOrg(ctx, s.base, s.cfg, slug, typed)
}

// CreateOrg creates an organisation (admins of the front door) and
// returns the one-time setup token for its first admin.
func (s *Session) CreateOrg(ctx context.Context, slug, name string) (*client.CreatedOrg, error) {
	if _, err := domain.ParseSlug(slug); err != nil {
		return nil, withHint(errorf(mErrBadSlug, oneLine(slug)), mHintSlugForm)
	}
	if _, err := domain.ParseDisplayName(name); err != nil {
		return nil, errorf(mErrBadOrgName, domain.MaxDisplayNameLen)
	}
	var out *client.CreatedOrg
	err := s.retry(ctx, func(api *client.Client) (err error) {
		out, err = api.CreateOrg(ctx, slug, name)
		return err
	})
	if client.Code(err) == "org_exists" {
		return nil, errorf(mErrOrgExists, slug)
	}
	if err != nil {
		return nil, apiError(mDoingCreateOrg, err)
	}
	return out, nil
}

// DeleteOrg deletes an organisation with its counsellors and cases
// (admins of the front door), and forgets its pins.
func (s *Session) DeleteOrg(ctx context.Context, slug string) error {
	if _, err := domain.ParseSlug(slug); err != nil {
		return withHint(errorf(mErrBadSlug, oneLine(slug)), mHintSlugForm)
	}
	err := s.retry(ctx, func(api *client.Client) error { return api.DeleteOrg(ctx, slug) })
	switch client.Code(err) {
	case "":
	case "front_door":
		return errorf(mErrDeleteFrontDoor, slug)
	case "not_found":
		return withHint(errorf(mErrNoSuchOrg, slug), mHintListOrgs)
	default:
		return apiError(mDoingDeleteOrg, err)
	}
	orgPinMu.Lock()
	defer orgPinMu.Unlock()
	pins, err := readOrgPins(s.cfg.dir)
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(pins, func(p OrgPin) bool { return p.Slug == slug })
	if len(kept) == len(pins) {
		return nil
	}
	return writeOrgPins(s.cfg.dir, kept)
}

// publicClient is a client of the config's server without a login, for
// what is public (the organisations and their team keys).
func publicClient(cfg *Config) (*client.Client, error) {
	if err := checkServer(cfg.Server, cfg.InsecureHTTP); err != nil {
		return nil, err
	}
	return client.New(cfg.Server)
}

func validRecipient(r string) bool {
	_, err := domain.ParseRecipient(r)
	return err == nil
}

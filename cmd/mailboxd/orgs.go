package main

import (
	"fmt"

	"lotse/domain"
	"lotse/mailbox"
)

// The front door (PROTOCOL.md §8): the organisation every request without
// an "org" addresses, and whose web client / serves. Its slug and name
// are settings; the other organisations are created through the API.

type orgConfig struct {
	Slug string // LOTSE_ORG_SLUG; "" the store's default, "main"
	Name string // LOTSE_ORG_NAME; "" the store's default, "Lotse"
}

func orgSettings() []*setting {
	return []*setting{
		{flag: "org-slug", env: "LOTSE_ORG_SLUG", usage: "`slug` of the front door, the organisation a request without one addresses, 1-32 characters of a-z, 0-9 and - (default: main; not another organisation's)"},
		{flag: "org-name", env: "LOTSE_ORG_NAME", usage: "display `name` of the front door in GET /api/v1/orgs, 1-64 characters (default: Lotse)"},
	}
}

// parseOrg checks the front door's slug and name by the domain's rules.
func parseOrg(get func(string) *setting) (orgConfig, error) {
	slug, name := get("org-slug"), get("org-name")
	if _, err := domain.ParseSlug(slug.value); slug.value != "" && err != nil {
		return orgConfig{}, &configError{
			msg:  fmt.Sprintf("%s must be 1 to 32 characters of a-z, 0-9 and -, got %q", slug.source, slug.value),
			hint: "for example " + mailbox.DefaultFrontDoor,
		}
	}
	if name.value != "" {
		if _, err := domain.ParseDisplayName(name.value); err != nil {
			return orgConfig{}, &configError{
				msg:  fmt.Sprintf("%s must be 1 to 64 characters without control characters or spaces at either end", name.source),
				hint: "choose the organisation's short name",
			}
		}
	}
	return orgConfig{Slug: slug.value, Name: name.value}, nil
}

// orgSummary is the start-up summary's pair for a front door other than
// the default, "" for the default (so a version-1 set-up reads as before).
func orgSummary(o orgConfig) string {
	slug := o.Slug
	if slug == "" {
		slug = mailbox.DefaultFrontDoor
	}
	if slug == mailbox.DefaultFrontDoor && o.Name == "" {
		return ""
	}
	return fmt.Sprintf("front-door=%s(%q)", slug, o.Name)
}

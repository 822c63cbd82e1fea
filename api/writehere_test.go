package api

import (
	"strings"
	"testing"

	"lotse/content"
	"lotse/internal/mailboxdtest"
)

// TestDirectoryWriteHere: the referral directory offers "write to this
// centre here" for an entry that names an organisation taking enquiries
// (one with a keyring): /o/<slug>/, and / for the front door; not for one
// without a keyring, one that does not exist, or one deleted since.
func TestDirectoryWriteHere(t *testing.T) {
	entry := func(id, org string) string {
		return `{"id": "` + id + `", "name": "Stelle ` + id + `", "organisation": "T", "state": "DE-BE", "city": "Berlin", "languages": ["de"],
			"target_groups": ["women"], "services": {"de": "Beratung"}, "contact": {"email": "x@example.org"}, "anonymous": true, "org": "` + org + `"}`
	}
	dir := mailboxdtest.ContentDir(t, map[string]string{"centres.json": `{"centres": [` +
		entry("front", "main") + "," + entry("bee", "b") + "," + entry("cee", "c") + "," + entry("zed", "zz") + `]}`})
	site, err := content.Load(dir, content.Options{RetentionDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{cfg: Config{Content: site}})
	front := e.setUpTeam()
	e.setUpOrg(front, "b", "Fachberatung B")
	e.want(e.do(request{method: "POST", path: "/api/v1/orgs", auth: front.adminToken, body: map[string]string{"slug": "c", "name": "C"}}), 201, "")

	// links is, per entry, the address it offers to write to ("" none).
	links := func(lang string) map[string]string {
		t.Helper()
		r := e.do(request{method: "GET", path: "/info/" + lang + "/centres"})
		e.want(r, 200, "")
		out := map[string]string{}
		for _, item := range strings.Split(string(r.body), `<li class="centre"`)[1:] {
			name := item[strings.Index(item, "<h4>")+4 : strings.Index(item, "</h4>")]
			href := ""
			if i := strings.Index(item, `<p class="write-here"><a href="`); i >= 0 {
				rest := item[i+len(`<p class="write-here"><a href="`):]
				href = rest[:strings.Index(rest, `"`)]
				if !strings.Contains(rest, ">"+site.Text(lang, "dir_write_here")+"</a>") {
					t.Errorf("%s: %s: the link's text is not dir_write_here", lang, name)
				}
			}
			out[name] = href
		}
		return out
	}
	for _, lang := range []string{"de", "ar"} {
		got := links(lang)
		want := map[string]string{"Stelle front": "/", "Stelle bee": "/o/b/", "Stelle cee": "", "Stelle zed": ""}
		for name, href := range want {
			if got[name] != href {
				t.Errorf("%s: %s offers %q, want %q", lang, name, got[name], href)
			}
		}
	}
	// b's page, where the link leads, is served.
	e.want(e.do(request{method: "GET", path: "/o/b/"}), 503, "") // the stand-in has no built web client

	e.want(e.do(request{method: "DELETE", path: "/api/v1/orgs/b", auth: front.adminToken}), 204, "")
	if got := links("de"); got["Stelle bee"] != "" || got["Stelle front"] != "/" {
		t.Errorf("after deleting b: %v", got)
	}
}

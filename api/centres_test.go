package api

import (
	"bytes"
	"net/http"
	"testing"

	"lotse/content"
)

// TestCentresJSON: the referral directory is published as validated JSON
// with the API's headers, without a credential, and reads back.
func TestCentresJSON(t *testing.T) {
	e, site := newPagesEnv(t)
	api := e.do(request{method: "GET", path: "/api/v1/team"})
	r := e.do(request{method: "GET", path: "/info/centres.json"})
	if r.status != http.StatusOK {
		t.Fatalf("GET /info/centres.json = %d %s", r.status, truncate(r.body))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.Equal(r.body, site.CentresJSON()) {
		t.Error("the body is not the site's directory")
	}
	d, err := content.ParseCentres(r.body)
	if err != nil {
		t.Fatalf("ParseCentres: %v", err)
	}
	if d.Len() != len(site.Centres()) || d.Len() == 0 {
		t.Errorf("%d centres, want %d", d.Len(), len(site.Centres()))
	}
	for _, h := range headerNames {
		if got, want := r.header.Get(h), api.header.Get(h); got != want || want == "" {
			t.Errorf("%s = %q, the API's is %q", h, got, want)
		}
	}
	if r.header.Get("Set-Cookie") != "" || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("a cookie or CORS header")
	}
	head := e.do(request{method: "HEAD", path: "/info/centres.json"})
	if head.status != http.StatusOK || len(head.body) != 0 {
		t.Errorf("HEAD = %d, %d bytes", head.status, len(head.body))
	}
	if p := e.do(request{method: "POST", path: "/info/centres.json", body: "{}"}); p.status == http.StatusOK {
		t.Errorf("POST = %d", p.status)
	}
	// /info/centres.json is not taken for a language.
	if p := e.do(request{method: "GET", path: "/info/centres"}); p.status != http.StatusFound {
		t.Errorf("GET /info/centres = %d, want the redirect to a start page", p.status)
	}
}

// TestCentresJSONWithoutContent: no pages, no directory.
func TestCentresJSONWithoutContent(t *testing.T) {
	e := newEnv(t, envOptions{})
	if r := e.do(request{method: "GET", path: "/info/centres.json"}); r.status != http.StatusNotFound {
		t.Errorf("GET /info/centres.json without content = %d", r.status)
	}
}

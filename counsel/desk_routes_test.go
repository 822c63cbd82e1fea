package counsel

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadBody: the desk takes one JSON value, as the API does, and
// refuses what follows it, unknown fields and oversized bodies.
func TestReadBody(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"one value", `{"passphrase":"x"}`, true},
		{"trailing newline", "{\"passphrase\":\"x\"}\n", true},
		{"second value", `{"passphrase":"x"}{"passphrase":"y"}`, false},
		{"trailing garbage", `{"passphrase":"x"} junk`, false},
		{"unknown field", `{"pass":"x"}`, false},
		{"empty", ``, false},
		{"too large", `{"passphrase":"` + strings.Repeat("a", maxDeskBody) + `"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest("POST", "/", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				Passphrase string `json:"passphrase"`
			}
			err = readBody(r, &v)
			if (err == nil) != tc.ok {
				t.Fatalf("readBody: %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && v.Passphrase != "x" {
				t.Errorf("decoded %q", v.Passphrase)
			}
		})
	}
}

// TestDeskRoutes: the routes answer as the page expects on a locked desk,
// without a server behind it: unknown requests are JSON not_found, a bad
// case id is refused before the lock is looked at.
func TestDeskRoutes(t *testing.T) {
	cfg := &Config{Server: "http://127.0.0.1:1", ID: "anna", Recipient: "x", dir: t.TempDir()}
	d, u := startDesk(t, cfg, time.Minute)
	base := strings.SplitN(u, "#", 2)[0]
	id := strings.Repeat("ab", 16)
	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/state", "", 200, ""},
		{"GET", "/api/nothing", "", 404, "not_found"},
		{"POST", "/api/state", "{}", 404, "not_found"},
		{"GET", "/api/cases", "", 423, "locked"},
		{"GET", "/api/cases/" + id, "", 423, "locked"},
		{"PATCH", "/api/cases/" + id, `{"status":"open"}`, 423, "locked"},
		{"DELETE", "/api/cases/" + id, "", 423, "locked"},
		{"POST", "/api/cases/" + id + "/reply", `{"body":"x"}`, 423, "locked"},
		{"GET", "/api/cases/not-a-case", "", 400, "bad_request"},
		{"POST", "/api/cases/" + id + "/other", "{}", 404, "not_found"},
		{"GET", "/api/centres/some-centre?lang=de", "", 423, "locked"},
		{"PUT", "/api/blocks", `{"blocks":[]}`, 423, "locked"},
		{"POST", "/api/touch", "{}", 423, "locked"},
		{"GET", "/api/work", "", 423, "locked"},
		{"POST", "/api/remove", `{"id":"x"}`, 423, "locked"},
		// What the request names is checked first, locked or not.
		{"GET", "/api/previews?ids=" + id, "", 423, "locked"},
		{"GET", "/api/previews?ids=" + id + ",not-a-case", "", 400, "bad_request"},
		{"DELETE", "/api/invites/abc", "", 423, "locked"},
		{"DELETE", "/api/invites/a%20b", "", 400, "bad_request"},
		{"DELETE", "/api/orgs/leipzig", "", 423, "locked"},
		{"DELETE", "/api/orgs/Leipzig!", "", 400, "bad_request"},
		{"POST", "/api/unlock", `{"passphrase":"x"} {}`, 400, "bad_request"},
		{"POST", "/api/lock", "{}", 200, ""},
	}
	for _, tc := range tests {
		status, b := deskDo(t, d, base, tc.method, tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, status, tc.status, b)
			continue
		}
		var reply apiReply
		if err := json.Unmarshal(b, &reply); err != nil {
			t.Errorf("%s %s: not JSON: %s", tc.method, tc.path, b)
			continue
		}
		if reply.Error != tc.code {
			t.Errorf("%s %s: error %q, want %q", tc.method, tc.path, reply.Error, tc.code)
		}
	}
}

// TestDeskStateLocked: a locked desk's state has exactly the fields the
// page reads, and says nothing about the team.
func TestDeskStateLocked(t *testing.T) {
	cfg := &Config{Server: "http://127.0.0.1:1", ID: "anna", Name: "Anna", Recipient: "x", dir: t.TempDir()}
	d, u := startDesk(t, cfg, 2*time.Minute)
	_, b := deskDo(t, d, strings.SplitN(u, "#", 2)[0], "GET", "/api/state", "")
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range st {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got, want := strings.Join(keys, " "), "alarm alarm_advice alarm_de lock_after_seconds locked me server"; got != want {
		t.Errorf("state fields %q, want %q", got, want)
	}
	me, _ := st["me"].(map[string]any)
	if len(me) != 3 || me["id"] != "anna" || me["name"] != "Anna" || me["fingerprint"] == "" {
		t.Errorf("me = %v", me)
	}
	if st["locked"] != true || st["lock_after_seconds"] != float64(120) || st["alarm_advice"] != AlarmAdvice {
		t.Errorf("state = %v", st)
	}
}

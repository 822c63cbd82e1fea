package client

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestCentres(t *testing.T) {
	const dir = `{"centres":[{"id":"x","name":"Stelle X"}]}`
	big := `{"centres":[],"x":"` + strings.Repeat("a", maxCentresResponse) + `"}`
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string // error text; "" for success
	}{
		{"ok", 200, "application/json; charset=utf-8", dir, ""},
		{"not found", 404, "application/json", `{"error":"not_found","message":"no such page"}`, "api: 404 not_found"},
		{"html", 200, "text/html; charset=utf-8", dir, `sent "text/html", not JSON`},
		{"no type", 200, "", dir, "not JSON"},
		{"broken JSON", 200, "application/json", `{"centres": [`, "not valid JSON"},
		{"two values", 200, "application/json", dir + dir, "not valid JSON"},
		{"too large", 200, "application/json", big, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *http.Request
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				got = r
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			b, err := c.WithToken("secret-token").Centres(context.Background())
			if tc.want == "" {
				if err != nil || !bytes.Equal(b, []byte(dir)) {
					t.Fatalf("Centres = %q, %v", b, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Centres error %v, want %q (body %d bytes)", err, tc.want, len(b))
			}
			if got.Method != "GET" || got.URL.Path != "/info/centres.json" || got.URL.RawQuery != "" {
				t.Errorf("request %s %s", got.Method, got.URL)
			}
			if got.Header.Get("Authorization") != "" {
				t.Error("a credential was sent for public information")
			}
		})
	}
}

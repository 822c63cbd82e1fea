package counsel

import (
	"encoding/json"
	"testing"

	"lotse/api/client"
)

// TestDeskWireAsMaps: the named answers and events write exactly the JSON
// of the maps they replaced (encoding/json sorts a map's keys), with
// empty lists and an omitted slug as they were.
func TestDeskWireAsMaps(t *testing.T) {
	team := TeamKey{Epoch: 3, Fingerprint: "fp"}
	type row struct { // getTeamActions' row before it had a name
		client.Tombstone
		ByName string `json:"by_name,omitempty"`
	}
	tomb := client.Tombstone{Case: "c1", Action: "deleted", By: "k1", At: "2026-01-01T10:00:00Z"}
	tests := []struct {
		name      string
		got, want any
	}{
		{"cases", caseList{}, map[string]any{"cases": []deskCase(nil)}},
		{"page", inboxPage{Cases: []deskCase{}, Next: ""}, map[string]any{"cases": []deskCase{}, "next": ""}},
		{"previews", previewList{Previews: map[string]string{"b": "2", "a": "1"}}, map[string]any{"previews": map[string]string{"a": "1", "b": "2"}}},
		{"orgs", orgList{FrontDoorAdmin: true}, map[string]any{"orgs": []OrgView(nil), "front_door_admin": true}},
		{"seq", sentAnswer{Seq: 7}, map[string]any{"seq": uint64(7)}},
		{"deleted case", deletedAnswer{Deleted: true}, map[string]any{"deleted": true}},
		{"deleted org", deletedAnswer{Deleted: true, Slug: "b"}, map[string]any{"slug": "b", "deleted": true}},
		{"locked", lockAnswer{}, map[string]any{"locked": false}},
		{"roster", rosterList{}, map[string]any{"counsellors": []client.Counsellor(nil)}},
		{"invites", inviteList{}, map[string]any{"invites": []client.OpenInvite(nil)}},
		{"blocks", blockList{Blocks: []Block{{Title: "t", Body: "b"}}}, map[string]any{"blocks": []Block{{Title: "t", Body: "b"}}}},
		{"handovers", handoverList{}, map[string]any{"handovers": []client.Handover(nil)}},
		{"actions", teamActionList{Actions: []teamAction{{tomb, "Ana"}, {tomb, ""}}}, map[string]any{"actions": []row{{tomb, "Ana"}, {tomb, ""}}}},
		{"tagged", taggedList{}, map[string]any{"ids": []string(nil)}},
		{"approved", counsellorState{ID: "k1", State: "active"}, map[string]any{"id": "k1", "state": "active"}},
		{"removed", removedAnswer{ID: "k1", Team: team}, map[string]any{"id": "k1", "team": team}},
		{"revoked", revokedAnswer{ID: "i1", Revoked: true}, map[string]any{"id": "i1", "revoked": true}},
		{"case event", caseEvent{ID: "c1", Seq: 2}, map[string]any{"id": "c1", "seq": uint64(2)}},
		{"alarm event", alarmEvent{Reason: "r", ReasonDE: "g"}, map[string]any{"reason": "r", "reason_de": "g"}},
		{"record event", recordEvent{Kind: "blocks"}, map[string]any{"id": "", "kind": "blocks"}},
		{"draft event", draftEvent{ID: "c1"}, map[string]any{"id": "c1"}},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.got)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: %s, want %s", tt.name, got, want)
		}
	}
}

package mailbox

import (
	"encoding/json"
	"slices"

	"lotse/domain"
)

// The rows of Schema for what the team writes for itself (teamrecords.go,
// teamrec_actions.go; PROTOCOL.md §11). Record ciphertexts are checked by
// Policy.CaseRecord and Policy.TeamRecord; everything in clear is a
// counsellor id, a kind, an action, a random record id or an hour.

var keyFormatTombstone = KeyFormat{Doc: "hour and mailbox id (the hour of the deletion, 2006-01-02T15:00:00Z, then the case id)", match: func(k []byte) bool {
	if len(k) != hourLen+32 || !validMailboxID(string(k[hourLen:])) {
		return false
	}
	t, err := parseHour(string(k[:hourLen]))
	return err == nil && formatHour(t) == string(k[:hourLen])
}}

func recordMetaNode(kinds []string) Node {
	return Node{Key: keyFormatSeq, Kind: KindRecord, Doc: "a record's clear part", Fields: []Field{
		{Name: "id", Type: FieldRecordID},
		{Name: "kind", Type: FieldEnum, Enum: kinds},
		{Name: "author", Type: FieldID},
		{Name: "created", Type: FieldHour},
	}}
}

func teamKindNodes(inner func(kind string) Node) []Node {
	out := make([]Node, len(teamRecordKinds))
	for i, kind := range teamRecordKinds {
		out[i] = Node{Key: fixedKey(kind), Kind: KindBucket, Doc: "the team's " + kind + " records, the newest two", Children: []Node{inner(kind)}}
	}
	return out
}

var (
	recordsNode = Node{Key: fixedKey("records"), Kind: KindBucket,
		Doc: "the clear part of the records the team writes for itself: per case in the order written, and per team kind",
		Children: append([]Node{
			{Key: keyFormatMailbox, Kind: KindBucket, Children: []Node{recordMetaNode(caseRecordKinds)}},
		}, teamKindNodes(func(kind string) Node { return recordMetaNode([]string{kind}) })...)}

	recordCiphertextsNode = Node{Key: fixedKey("record_ciphertexts"), Kind: KindBucket,
		Doc: "the ciphertexts of those records, under the same keys",
		Children: append([]Node{
			{Key: keyFormatMailbox, Kind: KindBucket, Children: []Node{{Key: keyFormatSeq, Kind: KindCaseRecord}}},
		}, teamKindNodes(func(string) Node { return Node{Key: keyFormatSeq, Kind: KindTeamRecord} })...)}

	// An organisation other than the front door keeps its team records in
	// its bucket under orgs (orgs.go), as the front door's stand at the top.
	orgTeamRecordNodes = []Node{
		{Key: fixedKey("records"), Kind: KindBucket, Doc: "the clear part of the organisation's team records, per team kind",
			Children: teamKindNodes(func(kind string) Node { return recordMetaNode([]string{kind}) })},
		{Key: fixedKey("record_ciphertexts"), Kind: KindBucket, Doc: "the ciphertexts of those records, under the same keys",
			Children: teamKindNodes(func(string) Node { return Node{Key: keyFormatSeq, Kind: KindTeamRecord} })},
	}

	actionsNode = Node{Key: fixedKey("actions"), Kind: KindBucket, Doc: "counsellor actions on each case, oldest first", Children: []Node{
		{Key: keyFormatMailbox, Kind: KindBucket, Children: []Node{
			{Key: keyFormatSeq, Kind: KindRecord, Fields: []Field{
				{Name: "action", Type: FieldEnum, Enum: []string{ActionAssigned, ActionUnassigned, ActionClosed, ActionReopened}},
				{Name: "by", Type: FieldID},
				{Name: "to", Type: FieldID, Optional: true},
				{Name: "at", Type: FieldHour},
			}, rule: ruleActionTo},
		}},
	}}

	tombstonesNode = Node{Key: fixedKey("tombstones"), Kind: KindBucket, Doc: "cases a counsellor deleted or an admin purged, for the retention period", Children: []Node{
		{Key: keyFormatTombstone, Kind: KindRecord, Fields: []Field{
			{Name: "action", Type: FieldEnum, Enum: []string{ActionDeleted, ActionPurged}},
			{Name: "by", Type: FieldID},
		}},
	}}
)

// withOrgTeamRecords is orgs (orgsNode) with orgTeamRecordNodes in each
// organisation's bucket: Schema's row for orgs.
func withOrgTeamRecords(orgs Node) Node {
	org := orgs.Children[0]
	org.Children = append(slices.Clone(org.Children), orgTeamRecordNodes...)
	orgs.Children = []Node{org}
	return orgs
}

func ruleActionTo(_ []byte, f map[string]json.RawMessage) string {
	_, to := f["to"]
	if (string(f["action"]) == `"`+ActionAssigned+`"`) != to {
		return "to is set if and only if the action is assigned"
	}
	return ""
}

// validRecordID is the form of a record id (domain.ParseRecordID).
func validRecordID(s string) bool {
	_, err := domain.ParseRecordID(s)
	return err == nil
}

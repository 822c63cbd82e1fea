package client

import "lotse/api/wire"

// The bodies of the API are package wire's types, shared with the server;
// these names keep the client's callers independent of that package.
type (
	Team           = wire.Team
	Pow            = wire.Pow
	PowSolution    = wire.PowSolution
	NewMailbox     = wire.NewMailbox
	CreatedMailbox = wire.CreatedMailbox
	Message        = wire.Message
	Mailbox        = wire.Mailbox
	NewMessage     = wire.NewMessage
	Challenge      = wire.Challenge
	Session        = wire.Session
	Case           = wire.Case
	CaseDetail     = wire.CaseDetail
	CasePatch      = wire.CasePatch
	Keyring        = wire.Keyring
	KeyringUpdate  = wire.KeyringUpdate
	Counsellor     = wire.Counsellor
	Invite         = wire.Invite
	OpenInvite     = wire.OpenInvite
	Registration   = wire.Registration
	Registered     = wire.Registered
	Compaction     = wire.Compaction
	CasePurge      = wire.CasePurge
	Record         = wire.Record
	Action         = wire.Action
	Tombstone      = wire.Tombstone

	// Organisations (PROTOCOL.md §8).
	Org        = wire.Org
	NewOrg     = wire.NewOrg
	CreatedOrg = wire.CreatedOrg

	// Consented handover (PROTOCOL.md §9).
	HandoverOffer   = wire.HandoverOffer
	CaseHandover    = wire.CaseHandover
	Forwarded       = wire.Forwarded
	Handover        = wire.Handover
	MailboxHandover = wire.MailboxHandover
	HandoverStart   = wire.HandoverStart
)

// Package mailbox is Lotse's domain and its bbolt store: mailboxes and their
// messages, cases (a mailbox as the team sees it), counsellors, the keyring,
// invites and the setup token. It acknowledges a write only after a durable
// commit, groups concurrent writers into shared commits, purges expired
// mailboxes, writes compacted backups, and carries the metadata allow-list
// (Schema): the one table the store writes by and that mailbox-audit
// checks snapshots against (package mailbox/snapshot, which only reads).
//
// Nothing here sees plaintext: message, attachment and keyring values are
// age ciphertext that the caller has already checked against the policy.
package mailbox

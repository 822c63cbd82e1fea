// Package snapshot reads a Lotse data file that no server holds (normally
// a backup) for mailbox-audit: AuditFile checks every entry against the
// store's allow-list, mailbox.Schema, and the entries against each other,
// and tells copies of live ciphertexts from stray ones; FreeSpace reports
// which pages are reachable and how much unreachable data the file
// carries. It only reads: the store (package mailbox) writes, and both
// read the one Schema.
package snapshot

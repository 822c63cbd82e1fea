// Package audit is mailbox-audit: what an auditor runs to check that a
// Lotse server stores nothing but policy-conforming age ciphertext and
// allow-listed metadata, that deleted data is physically gone from a data
// file, and that a server serves the published web client.
//
//	mailbox-audit check [--json] SNAPSHOT
//	mailbox-audit scan [--json] [--raw] --canary FILE SNAPSHOT
//	mailbox-audit web [--json] [--timeout D] --expect SHA256SUMS URL
//
// check opens a data file read-only (a backup, or a stopped server's file;
// a file a running mailboxd holds is refused) and runs snapshot.AuditFile
// with the ciphertext policy of lotse/crypto, so the rules it applies are
// the store's own allow-list (mailbox.Schema) and the server's own policy
// (PROTOCOL.md §5), not a copy of them.
//
// scan searches every byte of a file, free pages included, for canaries:
// strings that must not be stored (the text of test messages, a pickup
// code, a passphrase, a client's IP address or user agent). Each line of
// the canary file is searched as UTF-8, UTF-16LE, UTF-16BE, JSON-escaped,
// hex (lower and upper case) and base64 (standard and URL alphabet) at each
// of the three byte alignments. An aligned form holds only the base64
// characters that the canary alone determines, so it matches with or
// without padding and inside a longer base64 string (base64 of a value that
// merely contains the canary). For a bbolt data file it also reports which
// pages the tree reaches and how many unreachable ones still hold data
// (snapshot.FreeSpace); --raw scans any file (a log, say) without that.
//
// web fetches every file a SHA256SUMS file lists (the format of sha256sum:
// "<64 hex>  <path>") from URL/<path>, and index.html also from URL/, and
// compares their SHA-256 with the list.
//
// Each command prints a report for people, or with --json one JSON object
// (below), and exits 0 when the check passes and 1 when it finds a problem
// or cannot run; errors go to standard error as "mailbox-audit: error: …".
// A report never shows the content of a stored value or a canary's text.
//
// # JSON reports
//
// Every report has "tool" ("mailbox-audit"), "version" (1; a change that
// breaks a reader of these fields raises it), "command" and "ok" (true
// when the check passes). Further fields:
//
// check: "file" {"path", "bytes", "sha256"}; "buckets", "values" (entries
// walked); "ciphertexts" (live message and keyring ciphertexts);
// "stray_ciphertexts" (age headers in the file's bytes that begin no live
// ciphertext: deleted data in free pages); "stale_ciphertexts" (further
// copies of live ciphertexts in free pages, which a copy made in steps
// leaves and which fail nothing); "counts", one object per
// node of the allow-list {"entry" (e.g.
// "ciphertexts/{ciphertext key}"), "kind", "count"}; and
// "violations", each {"path" (enclosing buckets), "key", "field" (empty if
// the whole entry), "problem"}.
//
// scan: "file"; "pages" (null with --raw) {"page_size", "pages",
// "high_water", "in_use", "free", "free_with_data", "tail",
// "tail_with_data", "unreachable_bytes", "unreachable_nonzero_bytes",
// "problems"}; "canaries", one per canary line {"line", "found" (number of
// matches), "hits" (at most 10: {"form", "offset", "where": "tree",
// "free", "tail" or "" with --raw})}.
//
// web: "url"; "files", each {"path", "url", "expected", "got", "bytes",
// "status": "ok", "mismatch", "missing" or "error", "error"}; "matched",
// "mismatched", "missing", "errors".
package audit

package audit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"lotse/crypto"
	"lotse/mailbox"
	"lotse/mailbox/snapshot"
)

// CheckReport is the result of check.
type CheckReport struct {
	header
	File        FileInfo    `json:"file"`
	Buckets     int         `json:"buckets"`
	Values      int         `json:"values"`
	Ciphertexts int         `json:"ciphertexts"`
	Stray       int         `json:"stray_ciphertexts"`
	Stale       int         `json:"stale_ciphertexts"`
	Counts      []Count     `json:"counts"`
	Violations  []Violation `json:"violations"`
}

// Count is how many entries of one kind of the allow-list a file holds.
type Count struct {
	Entry string `json:"entry"` // e.g. "ciphertexts/{ciphertext key}"
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Violation locates an entry the allow-list or the policy does not allow.
// It never carries the entry's value.
type Violation struct {
	Path    string `json:"path"`
	Key     string `json:"key"`
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// String is "path key .field: problem", leaving out what is empty.
func (v Violation) String() string {
	var loc []string
	for _, s := range []string{v.Path, v.Key} {
		if s != "" {
			loc = append(loc, s)
		}
	}
	if v.Field != "" {
		loc = append(loc, "."+v.Field)
	}
	return strings.Join(loc, " ") + ": " + v.Problem
}

// Policy is the server's own ciphertext policy (PROTOCOL.md §5).
var Policy = mailbox.Policy{Message: crypto.CheckMessage, Keyring: crypto.CheckKeyring, Attachment: crypto.CheckAttachment}

// Check audits the data file at path: every entry against mailbox.Schema
// and the ciphertext policy, the consistency between entries, and that no
// ciphertext lies outside the live values.
func Check(path string) (rep *CheckReport, err error) {
	defer recoverDamaged(&err)
	fi, err := describe(path)
	if err != nil {
		return nil, err
	}
	if fi.Bytes == 0 {
		return nil, &errNotData{path, errors.New("the file is empty")}
	}
	ar, err := snapshot.AuditFile(path, Policy)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := fi.unchanged(); err != nil {
		return nil, err
	}
	rep = &CheckReport{
		header:      newHeader("check"),
		File:        fi,
		Buckets:     ar.Buckets,
		Values:      ar.Values,
		Ciphertexts: ar.Ciphertexts,
		Stray:       ar.Stray,
		Stale:       ar.Stale,
		Counts:      []Count{},
		Violations:  []Violation{},
	}
	for _, n := range snapshot.Nodes() {
		rep.Counts = append(rep.Counts, Count{Entry: n.Pattern, Kind: n.Kind.String(), Count: ar.Counts[n.Pattern]})
	}
	for _, v := range ar.Violations {
		rep.Violations = append(rep.Violations, Violation{Path: v.Path, Key: v.Key, Field: v.Field, Problem: v.Problem})
	}
	rep.OK = len(rep.Violations) == 0
	return rep, nil
}

// errLocked is a data file that a running server holds.
type errLocked struct{ path string }

func (e *errLocked) Error() string { return e.path + " is in use by a running mailboxd" }
func (e *errLocked) Hint() string {
	return "audit a backup (counsel backup, or GET /api/v1/admin/backup), or stop the server first"
}

// errNotData is a file that is not a bbolt data file.
type errNotData struct {
	path string
	err  error
}

func (e *errNotData) Error() string {
	return fmt.Sprintf("%s is not a Lotse data file: %v", e.path, e.err)
}
func (e *errNotData) Hint() string {
	if f, err := os.Open(e.path); err == nil {
		head := make([]byte, len(ageHeader))
		io.ReadFull(f, head)
		f.Close()
		if string(head) == ageHeader {
			return "this is an encrypted backup: give its key with --identity KEY (docs/DEPLOY.md)"
		}
	}
	return "give a backup (counsel backup, GET /api/v1/admin/backup) or a stopped server's data file; scan --raw searches any file"
}

// ageHeader begins every age file, such as mailboxd's scheduled backups.
const ageHeader = "age-encryption.org/v1\n"

func openError(path string, err error) error {
	if errors.Is(err, snapshot.ErrLocked) {
		return &errLocked{path}
	}
	msg := err.Error()
	for _, p := range []string{"snapshot: audit: ", "snapshot: pages: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	switch msg {
	case "invalid database", "version mismatch", "checksum error", "file size too small":
		return &errNotData{path, errors.New(msg)}
	}
	if strings.HasPrefix(msg, "file size too small") {
		return &errNotData{path, errors.New(msg)}
	}
	return err
}

// recoverDamaged turns a panic of bbolt on a damaged file into an error.
func recoverDamaged(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("the file is damaged: %v", v)
	}
}

func (r *CheckReport) print(w io.Writer) {
	fmt.Fprintln(w, "mailbox-audit check")
	r.File.print(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Entries, by kind of the allow-list (mailbox.Schema):")
	width := 0
	for _, c := range r.Counts {
		width = max(width, len(c.Entry))
	}
	for _, c := range r.Counts {
		fmt.Fprintf(w, "  %9s  %-*s  %s\n", thousands(int64(c.Count)), width, c.Entry, c.Kind)
	}
	fmt.Fprintf(w, "  %s, %s, %s, %s outside them\n",
		plural(int64(r.Buckets), "bucket", "buckets"), plural(int64(r.Values), "value", "values"),
		plural(int64(r.Ciphertexts), "live ciphertext", "live ciphertexts"), plural(int64(r.Stray), "ciphertext", "ciphertexts"))
	if r.Stale > 0 {
		fmt.Fprintf(w, "  %s of live ones in free pages\n", plural(int64(r.Stale), "older copy", "older copies"))
	}
	fmt.Fprintln(w)
	if r.OK {
		fmt.Fprintln(w, "Violations: none.")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "PASS: every bucket and key is on the allow-list; every record has only allowed fields of")
		fmt.Fprintln(w, "the allowed types, times no finer than the hour; every message and keyring value is binary")
		fmt.Fprintln(w, "age with only ML-KEM-768+X25519 stanzas in the allowed number and size (PROTOCOL.md §5);")
		fmt.Fprintln(w, "the records agree with each other; no age ciphertext lies outside the live values.")
		return
	}
	fmt.Fprintf(w, "Violations (%d), as bucket path, key, .field: problem:\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(w, "  %s\n", v)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "FAIL: %s.\n", plural(int64(len(r.Violations)), "violation", "violations"))
}

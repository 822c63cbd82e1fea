package mailbox

// The tests of this package audit what the store writes with the real
// auditor, package snapshot. It imports this package, so these tests
// cannot import it; snapshot_link_test.go, an external test file of this
// directory, sets the hooks below instead, and the same test binary runs
// both.

// AuditResult is what the tests read of a snapshot.AuditReport.
type AuditResult struct {
	Buckets, Values, Ciphertexts, Stray, Stale int
	Violations                                 []Violation
	Counts                                     map[string]int
}

// PageResult is what the tests read of a snapshot.PageReport.
type PageResult struct {
	PageSize                                 int
	FileBytes, Pages, HighWater, InUse, Free int64
	FreeWithData, Tail, UnreachableNonZero   int64
	Problems                                 []string
	Unreachable                              func(offset int64) bool
}

// Set by snapshot_link_test.go.
var (
	AuditFileHook func(path string, p Policy) (AuditResult, error)
	FreeSpaceHook func(path string) (PageResult, error)
	ErrLockedHook error
)

func auditFile(path string, p Policy) (AuditResult, error) { return AuditFileHook(path, p) }
func freeSpace(path string) (PageResult, error)            { return FreeSpaceHook(path) }

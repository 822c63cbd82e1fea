package mailbox_test

import (
	"lotse/mailbox"
	"lotse/mailbox/snapshot"
)

func init() {
	mailbox.ErrLockedHook = snapshot.ErrLocked
	mailbox.AuditFileHook = func(path string, p mailbox.Policy) (mailbox.AuditResult, error) {
		r, err := snapshot.AuditFile(path, p)
		return mailbox.AuditResult{
			Buckets: r.Buckets, Values: r.Values, Ciphertexts: r.Ciphertexts, Stray: r.Stray, Stale: r.Stale,
			Violations: r.Violations, Counts: r.Counts,
		}, err
	}
	mailbox.FreeSpaceHook = func(path string) (mailbox.PageResult, error) {
		r, err := snapshot.FreeSpace(path)
		if err != nil {
			return mailbox.PageResult{}, err
		}
		return mailbox.PageResult{
			PageSize: r.PageSize, FileBytes: r.FileBytes, Pages: r.Pages, HighWater: r.HighWater, InUse: r.InUse,
			Free: r.Free, FreeWithData: r.FreeWithData, Tail: r.Tail, UnreachableNonZero: r.UnreachableNonZero,
			Problems: r.Problems, Unreachable: r.Unreachable,
		}, nil
	}
}

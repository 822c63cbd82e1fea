//go:build !(linux || darwin || freebsd)

package mailbox

// diskSpace is unknown here: only byte budgets apply.
func diskSpace(string) (total, free int64, known bool) { return 0, 0, false }

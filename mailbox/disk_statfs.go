//go:build linux || darwin || freebsd

package mailbox

import "syscall"

// diskSpace reports the size and the space free to unprivileged writers
// of the filesystem holding dir.
func diskSpace(dir string) (total, free int64, known bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, false
	}
	return int64(st.Blocks) * int64(st.Bsize), int64(st.Bavail) * int64(st.Bsize), true
}

package main

import "syscall"

// freeBytes is the space left to unprivileged writers on dir's file system.
func freeBytes(dir string) (free uint64, known bool, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false, err
	}
	return st.Bavail * uint64(st.Bsize), true, nil
}

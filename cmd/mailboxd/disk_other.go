//go:build !linux

package main

// freeBytes does not know the free space outside Linux, the system
// mailboxd is deployed on (deploy/); readiness then checks the store only.
func freeBytes(dir string) (free uint64, known bool, err error) { return 0, false, nil }

//go:build !unix

package main

// lockData is a no-op where flock is not available: do not run two
// processes on one data directory there.
func lockData(string) (func(), error) { return func() {}, nil }

// tryLockData is a no-op where flock is not available.
func tryLockData(string) (func(), error) { return func() {}, nil }

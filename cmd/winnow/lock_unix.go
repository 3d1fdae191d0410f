//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockData takes the data directory's lock (an exclusive flock on
// DATA/winnow.lock): the embedded NATS store belongs to one process at a
// time. It waits up to 10 s for a short holder (a `winnow sources`
// command) and fails if the lock stays taken (another `winnow run`).
func lockData(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "winnow.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s is in use by another winnow process (a winnow run with the embedded NATS server): %w", dir, errDataBusy)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tryLockData takes the data directory's lock only if it is free now.
func tryLockData(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, "winnow.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another winnow process: %w", dir, errDataBusy)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

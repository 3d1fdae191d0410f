//go:build unix

package sinktest

import (
	"syscall"
	"time"
)

// CPUTime returns the user+system CPU time this process has used, for
// benchmarks that report CPU per row (steadier than wall time on a
// shared machine).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

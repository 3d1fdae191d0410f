//go:build unix

package cleaner

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time so far (GC workers
// included), for pages per CPU-second on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

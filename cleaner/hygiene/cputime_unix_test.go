//go:build unix

package hygiene

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time so far (GC workers
// included), for the cpu-ns/op metric of the benchmarks on a shared machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

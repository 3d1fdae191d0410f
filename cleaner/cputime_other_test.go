//go:build !unix

package cleaner

import "time"

// processCPU is not measured here: the pages/cpu-s metric is left out.
func processCPU() time.Duration { return 0 }

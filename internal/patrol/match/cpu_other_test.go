//go:build !unix

package match

import "time"

// processCPU is not known here: benchmarks report the wall clock alone.
func processCPU() time.Duration { return 0 }

//go:build unix

package match

import (
	"syscall"
	"time"
)

// processCPU returns the user and system CPU time the process has spent.
func processCPU() time.Duration {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

//go:build unix

package testenv

import (
	"syscall"
	"time"
)

// CPUTime is the process's user+system CPU time, so a benchmark on a shared
// machine can report CPU cost next to wall-clock throughput.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

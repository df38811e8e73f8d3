//go:build unix

package httpapi

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) this process used so far,
// which the ingest benchmarks report per result: unlike the rates, it
// hardly moves when other programs compete for the cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

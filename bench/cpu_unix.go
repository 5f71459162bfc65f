//go:build unix

package bench

import (
	"syscall"
	"time"
)

// ProcessCPU is the processor time this process has used so far, or Unknown.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Unknown
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

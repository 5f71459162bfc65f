//go:build !unix

package bench

import "time"

// ProcessCPU is the processor time this process has used so far: Unknown on
// this operating system.
func ProcessCPU() time.Duration { return Unknown }

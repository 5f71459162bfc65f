//go:build !linux

package bench

import "time"

// clusterCPU reads Unknown: the database's processes are read from /proc,
// which only Linux has.
func clusterCPU(int, time.Time) func() time.Duration {
	return func() time.Duration { return Unknown }
}

//go:build linux

package bench

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// ticksPerSecond is USER_HZ, the unit of the times in /proc: 100 on every
// architecture Linux runs Go on (reading it with sysconf would need cgo).
const ticksPerSecond = 100

// procStat is what bench reads of /proc/<pid>/stat.
type procStat struct {
	comm  string
	ppid  int
	cpu   int64 // utime + stime + cutime + cstime: its own and its reaped children's, in ticks
	start int64 // ticks after boot
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name is in parentheses and may hold spaces or parentheses.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[end+1:]))
	if open < 0 || end < open || len(f) < 20 {
		return procStat{}, errors.New("unexpected /proc stat format")
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	// f[0] is field 3 of proc(5): ppid is field 4, utime to cstime 14-17, starttime 22.
	return procStat{comm: string(b[open+1 : end]), ppid: int(n(1)), cpu: n(11) + n(12) + n(13) + n(14), start: n(19)}, nil
}

// clusterCPU finds the postmaster as the parent of our backend and makes
// sure it is the server we are connected to (its start time matches the
// server's own pg_postmaster_start_time), not a process of the same number
// on this machine while the server runs elsewhere.
func clusterCPU(backend int, started time.Time) func() time.Duration {
	unknown := func() time.Duration { return Unknown }
	b, err := readStat(backend)
	if err != nil || b.comm != "postgres" {
		return unknown
	}
	pm, err := readStat(b.ppid)
	if err != nil || pm.comm != "postgres" || !startedAt(pm.start, started) {
		return unknown
	}
	postmaster := b.ppid
	return func() time.Duration { return treeCPU(postmaster) }
}

// startedAt says whether a process started ticks after boot started at t.
func startedAt(ticks int64, t time.Time) bool {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return false
	}
	_, rest, ok := bytes.Cut(b, []byte("\nbtime "))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	boot, err := strconv.ParseInt(string(line), 10, 64)
	if !ok || err != nil {
		return false
	}
	at := time.Unix(boot, 0).Add(time.Duration(ticks) * time.Second / ticksPerSecond)
	return at.Sub(t).Abs() < 2*time.Second
}

// treeCPU is the processor time of pid and of its children, living or reaped.
func treeCPU(pid int) time.Duration {
	root, err := readStat(pid)
	if err != nil {
		return Unknown
	}
	ticks := root.cpu
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := readStat(child); err == nil && s.ppid == pid {
			ticks += s.cpu // a child gone since it was listed is in root's reaped time next time
		}
	}
	return time.Duration(ticks) * time.Second / ticksPerSecond
}

package bench

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// CPU is the processor time (user + system) spent during one run, by where
// it was spent. A negative figure is unknown: on an operating system without
// the means to read it, a database on another machine, or the clients when
// they run in the server's process (their time is then in Server's).
type CPU struct {
	Server   time.Duration // the process serving the API (or calling the service)
	Clients  time.Duration // the load generator's own process
	Postgres time.Duration // the database cluster's processes, whoever they served
}

// Unknown marks a CPU figure that could not be read.
const Unknown time.Duration = -1

// UnknownCPU is a CPU with nothing known.
var UnknownCPU = CPU{Server: Unknown, Clients: Unknown, Postgres: Unknown}

// Elapsed is after - before, or Unknown when either is.
func Elapsed(before, after time.Duration) time.Duration {
	if before < 0 || after < 0 {
		return Unknown
	}
	return after - before
}

// PostgresCPU returns a function that reads the processor time spent so far
// by the PostgreSQL cluster behind pool: the postmaster, the children it has
// reaped and those still running. It reads Unknown where that cluster's
// processes cannot be seen (another machine or container, an operating system
// without /proc). Only differences between two readings mean anything.
func PostgresCPU(ctx context.Context, pool *pgxpool.Pool) func() time.Duration {
	var backend int
	var started time.Time
	err := pool.QueryRow(ctx, `SELECT pg_backend_pid(), pg_postmaster_start_time()`).Scan(&backend, &started)
	if err != nil {
		return func() time.Duration { return Unknown }
	}
	return clusterCPU(backend, started)
}

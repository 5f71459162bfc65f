// Package pgembed runs Tollgate's default PostgreSQL cluster: a private cluster
// in Tollgate's data directory, built from the PostgreSQL server binaries already
// installed on the machine, listening only on a Unix socket inside that folder.
//
// Lifecycle. The first Tollgate process that needs the cluster initialises it (once)
// and starts it; later processes find it running and attach. Each attached process
// holds a shared lock on <dir>/users for as long as it lives. When a process closes
// its Cluster it checks whether it was the last user; if so it stops PostgreSQL with a
// fast shutdown (a clean checkpoint: nothing committed is lost). A process killed
// outright leaves the cluster running; the next start reuses it and `tollgate db stop`
// stops it. Starts, stops and hand-overs are serialised by an exclusive lock on
// <dir>/lock, so two processes starting at once never start two servers.
//
// PostgreSQL refuses to run as root. When the caller is root, every PostgreSQL
// process runs as the unprivileged "postgres" user, which owns the cluster folder.
//
// Platforms. The cluster needs Unix sockets, flock(2), setsid and a switch of user
// for its child processes: it runs on Linux, macOS and the BSDs. Everywhere else
// the package still builds, so Tollgate does, but Start, Stop and FindBinDir return
// ErrUnsupported and the operator points Tollgate at a PostgreSQL server instead.
package pgembed

import (
	"errors"
	"log/slog"
	"runtime"
)

// Database is the name of the database Tollgate uses inside its cluster, and the
// name of the cluster's superuser.
const Database = "tollgate"

// Options configure a cluster.
type Options struct {
	// Dir is the data directory: the cluster lives in Dir/pg, its socket in Dir/run.
	Dir string
	// BinDir holds initdb and pg_ctl; empty means FindBinDir.
	BinDir string
	// Fast trades durability for speed (fsync off, no initdb sync): for tests only.
	Fast bool
	// Logger receives lifecycle messages; nil discards them.
	Logger *slog.Logger
}

// EnvBinDir names the variable that points Tollgate at a folder holding
// PostgreSQL's server binaries (initdb, pg_ctl, postgres).
const EnvBinDir = "TOLLGATE_PG_BIN"

// ErrNoBinaries is returned when no PostgreSQL server binaries can be found.
var ErrNoBinaries = errors.New(`no PostgreSQL server binaries found (looked in $` + EnvBinDir + `, PATH, "pg_config --bindir", /usr/lib/postgresql/*/bin and Homebrew).
Install them: on Debian or Ubuntu "apt-get install postgresql", on macOS "brew install postgresql@16";
or set ` + EnvBinDir + ` to the folder holding initdb and pg_ctl;
or set TOLLGATE_DATABASE_URL to use a PostgreSQL server you already run`)

// ErrUnsupported is returned by Start, Stop and FindBinDir on an operating system
// where the embedded cluster cannot run (see the package comment).
var ErrUnsupported = errors.New("the embedded database is not supported on " + runtime.GOOS + "; pass --database-url (or TOLLGATE_DATABASE_URL)")

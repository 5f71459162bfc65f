//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pgembed

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// finder locates server binaries. Its fields are the places it looks, so tests
// can point it at empty or fake folders.
type finder struct {
	explicit string   // $TOLLGATE_PG_BIN
	path     string   // $PATH
	globs    []string // versioned install folders, newest chosen first
}

func defaultFinder() finder {
	return finder{
		explicit: os.Getenv(EnvBinDir),
		path:     os.Getenv("PATH"),
		globs: []string{
			"/usr/lib/postgresql/*/bin",
			"/usr/pgsql-*/bin",
			"/opt/homebrew/opt/postgresql@*/bin",
			"/usr/local/opt/postgresql@*/bin",
			"/opt/homebrew/bin",
			"/usr/local/bin",
			"/Applications/Postgres.app/Contents/Versions/*/bin",
		},
	}
}

// FindBinDir returns the folder holding initdb, pg_ctl and postgres.
func FindBinDir() (string, error) { return defaultFinder().find() }

func (f finder) find() (string, error) {
	if f.explicit != "" {
		if hasServer(f.explicit) {
			return f.explicit, nil
		}
		return "", errors.New(EnvBinDir + "=" + f.explicit + " does not hold initdb, pg_ctl and postgres; point it at PostgreSQL's bin folder")
	}
	for _, dir := range filepath.SplitList(f.path) {
		if dir != "" && hasServer(dir) {
			return dir, nil
		}
	}
	if f.path != "" {
		if pgConfig, err := lookPathIn("pg_config", f.path); err == nil {
			if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
				if dir := strings.TrimSpace(string(out)); hasServer(dir) {
					return dir, nil
				}
			}
		}
	}
	for _, g := range f.globs {
		matches, _ := filepath.Glob(g)
		sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
		for _, dir := range matches {
			if hasServer(dir) {
				return dir, nil
			}
		}
	}
	return "", ErrNoBinaries
}

func lookPathIn(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if !isExecutable(filepath.Join(dir, name)) {
			return false
		}
	}
	return true
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// versionOf extracts the version from the last path element holding digits, as
// in /usr/lib/postgresql/15/bin or /opt/homebrew/opt/postgresql@16/bin, so 16
// sorts before 9.6.
func versionOf(p string) float64 {
	parts := strings.Split(filepath.ToSlash(p), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		start := strings.IndexAny(parts[i], "0123456789")
		if start < 0 {
			continue
		}
		num := parts[i][start:]
		end := strings.IndexFunc(num, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if end >= 0 {
			num = num[:end]
		}
		v, _ := strconv.ParseFloat(strings.Trim(num, "."), 64)
		return v
	}
	return 0
}

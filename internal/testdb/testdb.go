// Package testdb gives each test its own migrated PostgreSQL database, cloned
// from a template so that tests can run in parallel.
//
// With TOLLGATE_TEST_DATABASE_URL set, databases are created on that server.
// Otherwise the tests share one embedded cluster in a temporary folder
// (never the user's data directory), started by the first test binary that
// needs it and stopped by the last one to finish: the same lifecycle as
// `tollgate serve` (see package pgembed).
package testdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/pgembed"
)

// EnvURL names the variable pointing tests at an existing server.
const EnvURL = "TOLLGATE_TEST_DATABASE_URL"

var (
	once    sync.Once
	cluster *pgembed.Cluster
	baseURL string
	initErr error
)

// Main wraps a package's TestMain so that the shared embedded cluster is
// released when the package's tests end: func TestMain(m *testing.M) { testdb.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		if err := cluster.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
		}
	}
	os.Exit(code)
}

// Dir is the folder of the shared test cluster; short, so the socket path stays
// under the ~100-byte limit.
func Dir() string { return filepath.Join(os.TempDir(), fmt.Sprintf("tollgate-test-%d", os.Getuid())) }

// ServerURL returns the URL of the test server's maintenance database, starting
// the embedded cluster if needed.
func ServerURL(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			baseURL = u
			return
		}
		cluster, initErr = pgembed.Start(context.Background(), pgembed.Options{Dir: Dir(), Fast: true})
		if initErr == nil {
			baseURL = cluster.URL()
		}
	})
	if initErr != nil {
		t.Fatalf("start test database: %v", initErr)
	}
	return baseURL
}

// New returns a pool on a fresh, fully migrated database that is dropped when
// the test passes.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := URL(t)
	pc, err := pgxpool.ParseConfig(u)
	if err != nil {
		t.Fatalf("parse test database URL: %v", err)
	}
	billing.ConfigurePool(pc)
	pc.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// URL creates a fresh migrated database and returns its connection string.
func URL(t testing.TB) string {
	t.Helper()
	conf := config(t, ServerURL(t))
	return pgtestdb.Custom(t, conf, migrator{}).URL()
}

func config(t testing.TB, raw string) pgtestdb.Config {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	pw, _ := u.User.Password()
	host, port := u.Hostname(), u.Port()
	q := u.Query()
	q.Del("dbname")
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	if host == "" {
		host = "localhost" // the host query parameter (a socket folder) wins
	}
	if port == "" {
		port = "5432"
	}
	return pgtestdb.Config{
		DriverName: "pgx",
		User:       u.User.Username(),
		Password:   pw,
		Host:       host,
		Port:       port,
		Database:   "postgres",
		Options:    q.Encode(),
	}
}

type migrator struct{}

func (migrator) Hash() (string, error) {
	h := sha256.New()
	h.Write([]byte("river v0.51.2")) // River's tables are migrated too
	err := fs.WalkDir(billing.Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(billing.Migrations(), p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

func (migrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	return billing.MigrateDB(ctx, db, jobs.Migrate)
}

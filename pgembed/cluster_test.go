//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pgembed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

// tempDir returns a folder the postgres user can reach even when the tests run
// as root (t.TempDir's folders are closed to other users).
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "tgpg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		Stop(context.Background(), d, "")
		os.RemoveAll(d)
	})
	return d
}

func query(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStartReuseStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)
	c, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("Start = %v", err)
	}
	if got := query(t, c.URL()); got != 1 {
		t.Fatalf("SELECT 1 = %d", got)
	}
	if !strings.HasPrefix(c.SocketDir(), dir) {
		t.Errorf("socket in %s, want inside %s", c.SocketDir(), dir)
	}
	// A second user attaches to the running cluster; closing it leaves the first working.
	c2, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("second Start = %v", err)
	}
	c2.Close()
	if !Running(ctx, dir, c.bin) {
		t.Fatal("cluster stopped while a user was still attached")
	}
	query(t, c.URL())
	// Write data, close the last user: the cluster stops cleanly and keeps the data.
	conn, _ := pgx.Connect(ctx, c.URL())
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if Running(ctx, dir, c.bin) {
		t.Fatal("cluster still running after its last user closed")
	}
	c3, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("restart = %v", err)
	}
	defer c3.Close()
	conn, err = pgx.Connect(ctx, c3.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("data after restart = %d, %v; want 42", v, err)
	}
}

func TestConcurrentStarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)
	const n = 4
	clusters := make([]*Cluster, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clusters[i], errs[i] = Start(ctx, Options{Dir: dir, Fast: true})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Start #%d = %v", i, err)
		}
		query(t, clusters[i].URL())
	}
	for _, c := range clusters {
		c.Close()
	}
	if Running(ctx, dir, clusters[0].bin) {
		t.Fatal("cluster still running after every user closed")
	}
}

func TestKilledUserLeavesClusterReusable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)
	c, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a process killed outright: its lock goes, Close never runs.
	c.users.Close()
	c.users = nil
	c2, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("Start after a killed user = %v", err)
	}
	query(t, c2.URL())
	if err := Stop(ctx, dir, ""); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if Running(ctx, dir, c2.bin) {
		t.Fatal("Stop left the cluster running")
	}
	c2.Close()
}

func TestRunsAsPostgresWhenRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only meaningful as root")
	}
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)
	c, err := Start(ctx, Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := os.Stat(filepath.Join(dir, "pg"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := st.Sys().(*syscall.Stat_t).Uid; uid == 0 || uid != c.cred.Uid {
		t.Errorf("cluster folder owned by uid %d, want the postgres user (%d)", uid, c.cred.Uid)
	}
}

func TestRootClosedParentIsAClearError(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only meaningful as root")
	}
	t.Parallel()
	closed, err := os.MkdirTemp("", "tgclosed")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(closed)
	os.Chmod(closed, 0o700)
	_, err = Start(context.Background(), Options{Dir: filepath.Join(closed, "data"), Fast: true})
	if err == nil || !strings.Contains(err.Error(), "not reachable by the postgres user") || !strings.Contains(err.Error(), "/var/lib/tollgate") {
		t.Fatalf("Start under a closed folder = %v, want an error naming the fix", err)
	}
}

func TestNoBinaries(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	f := finder{path: empty, globs: []string{filepath.Join(empty, "*/bin")}}
	_, err := f.find()
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("find = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "brew install", EnvBinDir, "TOLLGATE_DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	f = finder{explicit: empty}
	if _, err := f.find(); err == nil || !strings.Contains(err.Error(), EnvBinDir) {
		t.Errorf("find with a bad %s = %v", EnvBinDir, err)
	}
}

func TestFindPrefersNewestVersion(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "16"} {
		bin := filepath.Join(root, v, "bin")
		os.MkdirAll(bin, 0o755)
		for _, n := range []string{"initdb", "pg_ctl", "postgres"} {
			os.WriteFile(filepath.Join(bin, n), []byte("#!/bin/sh\n"), 0o755)
		}
	}
	f := finder{globs: []string{filepath.Join(root, "*/bin")}}
	got, err := f.find()
	if want := filepath.Join(root, "16", "bin"); err != nil || got != want {
		t.Fatalf("find = %q, %v; want %q", got, err, want)
	}
}

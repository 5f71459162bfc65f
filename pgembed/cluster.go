//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is one process's attachment to the shared cluster.
type Cluster struct {
	dir   string
	bin   string
	cred  *syscall.Credential
	users *os.File
	log   *slog.Logger
}

// Start attaches to the cluster in opts.Dir, initialising and starting it first
// if needed. Close the returned Cluster to detach.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("embedded database: no data directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	bin := opts.BinDir
	if bin == "" {
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{dir: dir, bin: bin, log: log}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDir(); err != nil {
		return nil, err
	}
	unlock, err := lockFile(filepath.Join(dir, "lock"), syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if err := c.initOnce(ctx, opts.Fast); err != nil {
		return nil, err
	}
	if !c.running(ctx) {
		if err := c.start(ctx, opts.Fast); err != nil {
			return nil, err
		}
	}
	if err := c.ensureDatabase(ctx); err != nil {
		return nil, err
	}
	users, err := os.OpenFile(filepath.Join(dir, "users"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(users, syscall.LOCK_SH); err != nil {
		users.Close()
		return nil, err
	}
	c.users = users
	return c, nil
}

// URL is the connection string for Tollgate's database in this cluster.
func (c *Cluster) URL() string { return c.urlFor(Database) }

func (c *Cluster) urlFor(db string) string {
	q := url.Values{"host": {c.socketDir()}, "sslmode": {"disable"}}
	return "postgres://" + Database + "@/" + db + "?" + q.Encode()
}

// SocketDir is the folder holding the cluster's Unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir() }

func (c *Cluster) socketDir() string  { return filepath.Join(c.dir, "run") }
func (c *Cluster) clusterDir() string { return filepath.Join(c.dir, "pg") }

// Close detaches from the cluster and stops it if this was its last user.
func (c *Cluster) Close() error {
	if c.users == nil {
		return nil
	}
	unlock, err := lockFile(filepath.Join(c.dir, "lock"), syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	c.users.Close()
	c.users = nil
	probe, err := os.OpenFile(filepath.Join(c.dir, "users"), os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer probe.Close()
	if !tryExclusive(probe) {
		return nil // another process still uses the cluster
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.stop(ctx)
}

// Stop stops the cluster in dir whoever started it; processes still attached lose
// their connections. It is what `tollgate db stop` runs.
func Stop(ctx context.Context, dir, binDir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if binDir == "" {
		if binDir, err = FindBinDir(); err != nil {
			return err
		}
	}
	c := &Cluster{dir: dir, bin: binDir, log: slog.New(slog.DiscardHandler)}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(c.clusterDir(), "PG_VERSION")); err != nil {
		return fmt.Errorf("no Tollgate database cluster in %s", dir)
	}
	unlock, err := lockFile(filepath.Join(dir, "lock"), syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	if !c.running(ctx) {
		return nil
	}
	return c.stop(ctx)
}

// Running reports whether the cluster in dir is up.
func Running(ctx context.Context, dir, binDir string) bool {
	c := &Cluster{dir: dir, bin: binDir}
	if os.Geteuid() == 0 {
		c.cred, _ = unprivileged()
	}
	return c.running(ctx)
}

func (c *Cluster) prepareDir() error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	for _, sub := range []string{"pg", "run"} {
		p := filepath.Join(c.dir, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		if c.cred != nil {
			if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return fmt.Errorf("hand %s to the postgres user: %w", p, err)
			}
		}
	}
	if c.cred != nil {
		// The postgres user must be able to reach the folder: every parent needs
		// the execute bit for others (root's home directory usually lacks it).
		if err := os.Chmod(c.dir, 0o711); err != nil {
			return err
		}
		for p := filepath.Dir(c.dir); ; p = filepath.Dir(p) {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			if st.Mode().Perm()&0o001 == 0 {
				return fmt.Errorf("data directory %s is not reachable by the postgres user, because %s is closed to other users (mode %v); as root, use a data directory such as /var/lib/tollgate (--data-dir or TOLLGATE_DATA_DIR)", c.dir, p, st.Mode().Perm())
			}
			if p == filepath.Dir(p) {
				break
			}
		}
	}
	return nil
}

func (c *Cluster) initOnce(ctx context.Context, fast bool) error {
	if _, err := os.Stat(filepath.Join(c.clusterDir(), "PG_VERSION")); err == nil {
		return nil
	}
	c.log.Info("initialising embedded database", "dir", c.clusterDir())
	args := []string{"-D", c.clusterDir(), "-U", Database, "--auth=trust", "-E", "UTF8", "--no-locale"}
	if fast {
		args = append(args, "--no-sync")
	}
	if _, err := c.run(ctx, "initdb", args...); err != nil {
		return fmt.Errorf("initialise embedded database: %w", err)
	}
	return nil
}

func (c *Cluster) running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.clusterDir())
	return err == nil
}

func (c *Cluster) start(ctx context.Context, fast bool) error {
	settings := []string{
		"-c listen_addresses=''",
		"-k '" + c.socketDir() + "'",
		"-c unix_socket_permissions=0777",
		"-c max_connections=300",
	}
	if fast {
		settings = append(settings, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
	}
	logFile := filepath.Join(c.clusterDir(), "server.log")
	c.log.Info("starting embedded database", "dir", c.clusterDir())
	if _, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.clusterDir(), "-l", logFile, "-o", strings.Join(settings, " ")); err != nil {
		return fmt.Errorf("start embedded database (its log: %s): %w", logFile, err)
	}
	return nil
}

func (c *Cluster) stop(ctx context.Context) error {
	c.log.Info("stopping embedded database", "dir", c.clusterDir())
	if _, err := c.run(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.clusterDir()); err != nil {
		return fmt.Errorf("stop embedded database: %w", err)
	}
	return nil
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.urlFor("postgres"))
	if err != nil {
		return fmt.Errorf("connect to embedded database: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", Database).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+Database); err != nil {
			return fmt.Errorf("create database: %w", err)
		}
	}
	return nil
}

// run executes a PostgreSQL binary, as the unprivileged user when we are root.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running in its own session: it must not die
	// with our process group on Ctrl-C, so it can be stopped cleanly by the last user.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: c.cred}
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

func unprivileged() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New(`PostgreSQL refuses to run as root and there is no "postgres" user to run it as; create one (useradd --system postgres), run Tollgate as an ordinary user, or set TOLLGATE_DATABASE_URL`)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func lockFile(path string, how int) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(f, how); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// tryExclusive reports whether f can be locked exclusively. A child process this
// process forks briefly shares our descriptors until it execs, so a failure is
// retried a few times before it counts as "another user".
func tryExclusive(f *os.File) bool {
	for i := 0; i < 10; i++ {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

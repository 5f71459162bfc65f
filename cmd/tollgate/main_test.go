package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tgbin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tollgate")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tollgate: %v\n%s", err, out)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	testdb.Main(m)
}

// anyPort lets serve bind a port the kernel picks; runServe reads the
// address it bound from its log. A server that never restarts takes it.
const anyPort = "127.0.0.1:0"

// fixedAddr returns a loopback address nothing listened on when probed, for
// a server that must come back on the same address after a restart (or a
// script that needs it beforehand). Its port is picked at random below the
// ephemeral range (net.ipv4.ip_local_port_range), which the kernel never
// hands to an outgoing connection; a port from :0 is in that range, and a
// busy machine may give it to a connection between one server and the next
// ("bind: address already in use"). Only another listener can take this one.
func fixedAddr(t *testing.T) string {
	t.Helper()
	lo := 1024
	hi := ephemeralFloor()
	if hi > 20000 {
		lo = 10000 // clear of the well-known and commonly configured ports
	}
	for range 100 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo)))
		ln, err := net.Listen("tcp", addr)
		if errors.Is(err, syscall.EADDRINUSE) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		return addr
	}
	t.Fatalf("no free loopback port below %d in 100 tries", hi)
	return ""
}

// ephemeralFloor is the lowest port the kernel picks for outgoing
// connections and :0 listeners; where it cannot be read, the lower of
// Linux's default (32768) and IANA's (49152).
func ephemeralFloor() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 2048 {
		return 32768
	}
	return n
}

// serveProc is a `tollgate serve` a test started.
type serveProc struct {
	cmd    *exec.Cmd
	addr   string    // the address it bound, as it logged it
	stderr *serveLog // its log so far
	exited chan struct{}
	err    error // how it exited, once exited is closed
}

// runServe starts `tollgate serve --addr addr` with env added to the
// environment and waits until it logs the address it bound and answers
// /readyz there. Pass anyPort, or a fixedAddr to restart on. The process is
// interrupted at cleanup if it still runs.
func runServe(t *testing.T, addr string, env ...string) *serveProc {
	t.Helper()
	p, err := tryServe(t, addr, env...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runServeRestartable is runServe on a fixedAddr, trying another should
// a listener take it between the probe and serve's bind, so the test can
// start serve again on p.addr.
func runServeRestartable(t *testing.T, env ...string) *serveProc {
	t.Helper()
	for range 5 {
		p, err := tryServe(t, fixedAddr(t), env...)
		if err == nil {
			return p
		}
		if !strings.Contains(p.stderr.String(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("%v; trying another port", err)
	}
	t.Fatal("serve found its port taken five times")
	return nil
}

func tryServe(t *testing.T, addr string, env ...string) (*serveProc, error) {
	t.Helper()
	return tryServeBinary(t, binary, addr, env...)
}

// tryServeBinary is tryServe with another build of tollgate.
func tryServeBinary(t *testing.T, bin, addr string, env ...string) (*serveProc, error) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), env...)
	p := &serveProc{cmd: cmd, stderr: &serveLog{listening: make(chan string, 1)}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.stop)
	bound := time.After(60 * time.Second)
	select {
	case p.addr = <-p.stderr.listening:
	case <-p.exited:
		return p, fmt.Errorf("serve --addr %s exited (%v) before listening; stderr:\n%s", addr, p.err, p.stderr)
	case <-bound:
		return p, fmt.Errorf("serve --addr %s did not report listening within 60s; stderr:\n%s", addr, p.stderr)
	}
	for {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return p, fmt.Errorf("serve on %s exited (%v) before it was ready; stderr:\n%s", p.addr, p.err, p.stderr)
		case <-bound:
			return p, fmt.Errorf("serve on %s not ready within 60s; stderr:\n%s", p.addr, p.stderr)
		case <-time.After(50 * time.Millisecond): // the next poll of /readyz
		}
	}
}

// wait waits until serve has exited and returns how it exited.
func (p *serveProc) wait() error {
	<-p.exited
	return p.err
}

// stop interrupts serve and waits for it to exit (killing it after a minute).
func (p *serveProc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// serveLog is serve's stderr, readable while serve writes it; it hands over,
// once, the address serve says it listens on.
type serveLog struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	listening chan string
	seen      bool
}

var listeningLine = regexp.MustCompile(`msg="tollgate listening" addr=(\S+)`)

func (l *serveLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.buf.Write(b)
	if !l.seen {
		if m := listeningLine.FindSubmatch(l.buf.Bytes()); m != nil {
			l.seen = true
			l.listening <- string(m[1])
		}
	}
	return n, err
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startServe runs `tollgate serve` on a port of the kernel's choosing and
// waits for /readyz; it returns the address and serve's log.
func startServe(t *testing.T, env ...string) (addr string, stderr *serveLog) {
	t.Helper()
	p := runServe(t, anyPort, env...)
	return p.addr, p.stderr
}

func TestServeWithDatabaseURL(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	startServe(t, "TOLLGATE_DATABASE_URL="+testdb.URL(t), "TOLLGATE_DATA_DIR="+dataDir)
	// With a URL, no embedded cluster is started.
	if _, err := os.Stat(filepath.Join(dataDir, "pg")); !os.IsNotExist(err) {
		t.Errorf("embedded cluster created in %s despite TOLLGATE_DATABASE_URL", dataDir)
	}
}

func TestUnreachableDatabaseIsAClearError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "migrate", "status")
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL=postgres://billing:s3cretpw@127.0.0.1:1/tollgate?connect_timeout=2")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("migrate status on an unreachable database succeeded:\n%s", out)
	}
	s := string(out)
	if strings.Contains(s, "s3cretpw") {
		t.Errorf("output leaks the password:\n%s", s)
	}
	if strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") {
		t.Errorf("output has a stack trace:\n%s", s)
	}
	if !strings.Contains(s, "cannot reach the database at postgres://billing:xxxxx@127.0.0.1:1/tollgate") {
		t.Errorf("output does not name the redacted URL:\n%s", s)
	}
}

func TestServeHelpDocumentsConfiguration(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary, "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--database-url", "TOLLGATE_DATABASE_URL", "DATABASE_URL", "--addr", "TOLLGATE_ADDR", "127.0.0.1:8080", "--data-dir", "TOLLGATE_DATA_DIR"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("serve --help does not mention %s", want)
		}
	}
}

func TestServeEmbeddedSharedAndReused(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp("", "tgserve")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dataDir, 0o711) // reachable by the postgres user when we run as root
	t.Cleanup(func() {
		exec.Command(binary, "db", "stop", "--data-dir", dataDir).Run()
		os.RemoveAll(dataDir)
	})
	env := []string{"TOLLGATE_DATABASE_URL=", "DATABASE_URL=", "TOLLGATE_DATA_DIR=" + dataDir}
	run := func() *serveProc { return runServe(t, anyPort, env...) }
	first, second := run(), run()
	for _, p := range []*serveProc{first, second} {
		p.cmd.Process.Signal(os.Interrupt)
		if err := p.wait(); err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	}
	out, _ := exec.Command(binary, "db", "status", "--data-dir", dataDir).Output()
	if !strings.Contains(string(out), "stopped") {
		t.Fatalf("db status after both serves stopped = %q, want stopped", out)
	}
	third := run()
	third.cmd.Process.Signal(os.Interrupt)
	third.wait()
}

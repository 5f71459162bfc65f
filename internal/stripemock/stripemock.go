// Package stripemock runs stripe-mock (github.com/stripe/stripe-mock), the
// stateless fake of Stripe's API, for tests: the payments package's and the
// binary's (TOLLGATE_STRIPE_API_BASE).
package stripemock

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Binary returns the path of stripe-mock on PATH. Without it the test is
// skipped, unless TOLLGATE_REQUIRE_STRIPE_MOCK is set (CI sets it), when
// it fails.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		if os.Getenv("TOLLGATE_REQUIRE_STRIPE_MOCK") != "" {
			t.Fatalf("stripe-mock is not on PATH and TOLLGATE_REQUIRE_STRIPE_MOCK is set: go install github.com/stripe/stripe-mock@v0.203.0 and add $(go env GOPATH)/bin to PATH")
		}
		t.Skip("stripe-mock is not on PATH: go install github.com/stripe/stripe-mock@v0.203.0 and add $(go env GOPATH)/bin to PATH to run the Stripe tests")
	}
	return bin
}

// Mock is a running stripe-mock.
type Mock struct {
	URL string // http://127.0.0.1:port
	cmd *exec.Cmd
}

// Stop kills the process.
func (m *Mock) Stop() { _ = m.cmd.Process.Kill() }

// Start runs bin on a free loopback port and waits until it answers.
func Start(bin string) (*Mock, error) {
	var last error
	for range 3 { // a free port can be taken between Close and the mock's bind
		addr, err := freeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "-http-addr", addr)
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		url := "http://" + addr
		if last = waitHTTP(url, exited); last == nil {
			return &Mock{URL: url, cmd: cmd}, nil
		}
		_ = cmd.Process.Kill()
	}
	return nil, last
}

// Run starts stripe-mock for one test, stopped when it ends, and returns
// its base URL.
func Run(t testing.TB) string {
	t.Helper()
	m, err := Start(Binary(t))
	if err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(m.Stop)
	return m.URL
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHTTP polls url until it answers, the process exits or 20 s pass.
func waitHTTP(url string, exited <-chan error) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("stripe-mock exited: %v", err)
		default:
		}
		resp, err := http.Get(url + "/v1/customers")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("stripe-mock did not answer on %s within 20s", url)
}

package payments_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// stripeMock is one stripe-mock process shared by the package's tests: it is
// stateless, so tests in parallel do not see each other.
var stripeMock struct {
	once sync.Once
	url  string
	err  error
}

// stripeMockURL returns the base URL of a stripe-mock on a loopback port,
// starting it on first use. Without the binary on PATH the test is skipped,
// unless TOLLGATE_REQUIRE_STRIPE_MOCK is set (CI sets it), when it fails.
func stripeMockURL(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		if os.Getenv("TOLLGATE_REQUIRE_STRIPE_MOCK") != "" {
			t.Fatalf("stripe-mock is not on PATH and TOLLGATE_REQUIRE_STRIPE_MOCK is set: go install github.com/stripe/stripe-mock@v0.203.0 and add $(go env GOPATH)/bin to PATH")
		}
		t.Skip("stripe-mock is not on PATH: go install github.com/stripe/stripe-mock@v0.203.0 and add $(go env GOPATH)/bin to PATH to run the Stripe tests")
	}
	stripeMock.once.Do(func() { stripeMock.url, stripeMock.err = startStripeMock(bin) })
	if stripeMock.err != nil {
		t.Fatalf("start stripe-mock: %v", stripeMock.err)
	}
	return stripeMock.url
}

// startStripeMock runs stripe-mock on a free loopback port and waits until it
// answers. The process lives until the test binary exits (TestMain kills it).
func startStripeMock(bin string) (string, error) {
	var last error
	for range 3 { // a free port can be taken between Close and the mock's bind
		addr, err := freeLoopbackAddr()
		if err != nil {
			return "", err
		}
		cmd := exec.Command(bin, "-http-addr", addr)
		if err := cmd.Start(); err != nil {
			return "", err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		url := "http://" + addr
		if last = waitHTTP(url, exited); last == nil {
			stripeMockCmd = cmd
			return url, nil
		}
		_ = cmd.Process.Kill()
	}
	return "", last
}

var stripeMockCmd *exec.Cmd

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

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

func TestMain(m *testing.M) {
	code := m.Run()
	if stripeMockCmd != nil {
		_ = stripeMockCmd.Process.Kill()
	}
	os.Exit(code)
}

// Package stripemock runs stripe-mock (github.com/stripe/stripe-mock), the
// stateless fake of Stripe's API, for tests: the payments package's and the
// binary's (TOLLGATE_STRIPE_API_BASE).
package stripemock

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
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

// Start runs bin on a loopback port it binds itself (the kernel's choice,
// which it reports) and waits until it answers. Its HTTPS listener gets a
// port of the kernel's choosing too: by default it takes 12112, and a second
// stripe-mock on the machine (another package's tests, another test run)
// would then exit with "address already in use".
func Start(bin string) (*Mock, error) {
	out := &output{listening: make(chan string, 1)}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var addr string
	select {
	case addr = <-out.listening:
	case err := <-exited:
		return nil, fmt.Errorf("stripe-mock exited before listening: %v\n%s", err, out)
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("stripe-mock did not report listening within 20s:\n%s", out)
	}
	url := "http://" + addr
	if err := waitHTTP(url, exited); err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	return &Mock{URL: url, cmd: cmd}, nil
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

// output is what stripe-mock prints; it hands over, once, the address its
// HTTP listener bound ("Listening for HTTP at address: 127.0.0.1:port").
type output struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	listening chan string
	seen      bool
}

var listeningHTTP = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.buf.Write(b)
	if !o.seen {
		if m := listeningHTTP.FindSubmatch(o.buf.Bytes()); m != nil {
			o.seen = true
			o.listening <- string(m[1])
		}
	}
	return n, err
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
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

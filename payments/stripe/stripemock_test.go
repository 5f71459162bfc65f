package stripe_test

import (
	"os"
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/internal/stripemock"
)

// stripeMock is one stripe-mock process shared by the package's tests: it is
// stateless, so tests in parallel do not see each other.
var stripeMock struct {
	once sync.Once
	mock *stripemock.Mock
	err  error
}

// stripeMockURL returns the base URL of the package's stripe-mock, starting
// it on first use (skipped without the binary; see stripemock.Binary).
func stripeMockURL(t *testing.T) string {
	t.Helper()
	bin := stripemock.Binary(t)
	stripeMock.once.Do(func() { stripeMock.mock, stripeMock.err = stripemock.Start(bin) })
	if stripeMock.err != nil {
		t.Fatalf("start stripe-mock: %v", stripeMock.err)
	}
	return stripeMock.mock.URL
}

func TestMain(m *testing.M) {
	code := m.Run()
	if stripeMock.mock != nil {
		stripeMock.mock.Stop()
	}
	os.Exit(code)
}

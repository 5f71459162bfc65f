//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package pgembed

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestUnsupportedSaysWhatToDo(t *testing.T) {
	t.Parallel()
	_, err := Start(context.Background(), Options{Dir: t.TempDir()})
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Start = %v, want ErrUnsupported", err)
	}
	for _, want := range []string{runtime.GOOS, "--database-url", "TOLLGATE_DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := Stop(context.Background(), t.TempDir(), ""); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Stop = %v, want ErrUnsupported", err)
	}
	if _, err := FindBinDir(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("FindBinDir = %v, want ErrUnsupported", err)
	}
}

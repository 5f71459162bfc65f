package billing

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tollgatehq/tollgate/kernel"
)

// Failures that mean "the database could not do it now" become
// EUnavailable (retry the same request), never an internal error.
func TestTranslateUnavailable(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		&pgconn.PgError{Code: "57P01"}, // admin shutdown: a restart
		&pgconn.PgError{Code: "57P03"}, // cannot connect now: starting up
		&pgconn.PgError{Code: "08006"}, // connection failure
		&pgconn.PgError{Code: "25006"}, // read-only transaction: a failed-over primary
		&pgconn.PgError{Code: "55P03"}, // lock_timeout
		&pgconn.PgError{Code: "57014"}, // statement_timeout
		&net.OpError{Op: "dial", Err: errors.New("connection refused")},
		fmt.Errorf("commit: %w", context.DeadlineExceeded),
	} {
		if got := Translate(err); kernel.ErrorCode(got) != kernel.EUnavailable {
			t.Errorf("Translate(%v) = %v (code %s), want unavailable", err, got, kernel.ErrorCode(got))
		}
	}
	if got := Translate(&pgconn.PgError{Code: "23505"}); kernel.ErrorCode(got) != kernel.EConflict {
		t.Errorf("a unique violation = %v, want conflict", got)
	}
}

package billing

import (
	"context"

	"github.com/tollgatehq/tollgate/kernel"
)

// Mode separates test data from live data inside one account.
type Mode string

// The two modes.
const (
	ModeTest Mode = "test"
	ModeLive Mode = "live"
)

// Scope is what a key may do: ScopeFull reads and writes, ScopeReadOnly only
// reads. Each surface (REST, MCP) enforces it on its own operations, since
// only the surface knows which of them are reads.
type Scope string

// The two scopes.
const (
	ScopeFull     Scope = "full"
	ScopeReadOnly Scope = "read_only"
)

// Caller is who is calling: the account and mode every read and write is scoped
// to, and the key that proved it with its scope.
type Caller struct {
	AccountID string
	Mode      Mode
	KeyID     string // empty for the local default account over stdio
	KeyPrefix string // safe to show, e.g. "tg_test_4f9a"
	Scope     Scope  // empty means ScopeFull (the local default account)
	// RateLimit and HotRateLimit are the key's own limits in requests a
	// second; 0 means the server's defaults.
	RateLimit, HotRateLimit int32
}

// ReadOnly reports whether the caller may only read.
func (c Caller) ReadOnly() bool { return c.Scope == ScopeReadOnly }

type callerKey struct{}

// WithCaller returns a context carrying the caller.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// RequireCaller returns the caller carried by ctx, or EUnauthorized when there
// is none or it names no account and mode. The domain packages beside billing
// (profitability) scope every read with it, as billing's own methods do.
func RequireCaller(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok || c.AccountID == "" || (c.Mode != ModeTest && c.Mode != ModeLive) {
		return Caller{}, kernel.Errorf(kernel.EUnauthorized, "no API key: send Authorization: Bearer <key> (create one with `tollgate keys create`)")
	}
	return c, nil
}

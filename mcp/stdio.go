package mcp

import (
	"context"
	"io"
	"log/slog"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/billing"
)

// ServeStdio serves MCP on in and out (the client's pipes) as caller, until
// in closes or ctx ends. Only protocol messages are written to out; mcp-go's
// own diagnostics go to log (nil discards them). A line (one message) over
// MaxMessageBytes is answered with a JSON-RPC error (Invalid Request, with
// the request's id when it comes before params) and skipped; the server
// reads on.
func ServeStdio(ctx context.Context, s *mcpserver.MCPServer, caller billing.Caller, in io.Reader, out io.Writer, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	std := mcpserver.NewStdioServer(s)
	std.SetErrorLogger(slog.NewLogLogger(log.Handler(), slog.LevelError))
	w := &lockedWriter{w: out}
	err := std.Listen(billing.WithCaller(ctx, caller), newLineLimiter(in, w, MaxMessageBytes), w)
	if ctx.Err() != nil {
		return nil // stopped by a signal: a normal end
	}
	return err
}

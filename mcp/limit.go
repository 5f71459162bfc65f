package mcp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// MaxMessageBytes bounds one MCP message: a request body over HTTP (413
// past it) and a line on stdio (a JSON-RPC error past it, and the server
// reads on). 8 MiB, the REST API's limit for POST /v1/events/batch
// (api.DefaultBatchBodyLimit), since record_usage carries a batch of up to
// 1,000 events too; every other message is far smaller. Without it one
// tools/call of 128 MB, from any key, took the server from 84 MB to 1.09 GB.
const MaxMessageBytes = 8 << 20

// tooLargeMessage says how to fix a message over MaxMessageBytes.
func tooLargeMessage(n int64) string {
	return fmt.Sprintf("the message is over %d bytes (8 MiB), the most Tollgate reads in one MCP message; send less, such as fewer events per record_usage call (got at least %d bytes)", MaxMessageBytes, n)
}

// jsonrpcError is a JSON-RPC error response; id is the request's, or null.
func jsonrpcError(id json.RawMessage, message string) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": -32600, "message": message}})
	return append(b, '\n')
}

// limitBody reads a request's body whole, up to MaxMessageBytes, before the
// MCP transport sees it: a larger one is refused with 413 and a JSON-RPC
// error saying the limit, having read no more than the limit.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		tooLarge := func(n int64) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			w.Write(jsonrpcError(nil, tooLargeMessage(n)))
		}
		if r.ContentLength > MaxMessageBytes {
			tooLarge(r.ContentLength)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxMessageBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			tooLarge(MaxMessageBytes + 1)
			return
		case err != nil:
			http.Error(w, "the request body could not be read", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// lineLimiter hands the stdio server its input one whole line at a time, each
// at most max bytes. A longer line is read past (never held whole) and
// answered at once with a JSON-RPC error carrying the request's id when its
// first bytes show it, so the client hears why and the server reads on.
type lineLimiter struct {
	r       *bufio.Reader
	max     int
	out     io.Writer // shared with the server's writes (lockedWriter)
	pending []byte    // a whole line, or the rest of one, to hand out
	err     error     // the input's error, once pending is handed out
}

func newLineLimiter(in io.Reader, out io.Writer, max int) *lineLimiter {
	return &lineLimiter{r: bufio.NewReaderSize(in, 64<<10), max: max, out: out}
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.pending, l.err = l.line()
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// line reads the next line; an over-long one is answered and yields nothing.
func (l *lineLimiter) line() ([]byte, error) {
	var line []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(line)+len(chunk) > l.max {
			head := append(line, chunk...)[:min(len(line)+len(chunk), 4096)]
			n := int64(len(line) + len(chunk))
			for errors.Is(err, bufio.ErrBufferFull) { // read past the rest of the line
				chunk, err = l.r.ReadSlice('\n')
				n += int64(len(chunk))
			}
			if _, werr := l.out.Write(jsonrpcError(requestID(head), tooLargeMessage(n))); werr != nil {
				return nil, werr
			}
			return nil, err
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// requestID finds the "id" among the top-level members at the start of a
// JSON-RPC message cut short (clients write it before params), or nil.
func requestID(head []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil // the member the message was cut in
		}
		if key == "id" {
			return v
		}
	}
	return nil
}

// lockedWriter makes each Write whole with respect to the others: the stdio
// server writes each message in one Write, and so does lineLimiter.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

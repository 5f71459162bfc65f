package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// ClientSpec is what a load generator in its own process needs to run one
// workload against the REST API. It travels on the child's standard input,
// so the API key never shows in a process listing.
type ClientSpec struct {
	BaseURL string
	Key     string
	Fixture Fixture
	Spec    Spec
	// Upstream is the mock LLM's URL (StartMockLLM), for the gateway
	// workloads.
	Upstream string
}

// ServeClient is the child's side: it reads a ClientSpec from in, runs it
// over HTTP and writes the Result as JSON to out.
func ServeClient(ctx context.Context, in io.Reader, out io.Writer) error {
	var cs ClientSpec
	if err := json.NewDecoder(in).Decode(&cs); err != nil {
		return fmt.Errorf("read the client spec: %w", err)
	}
	drv := NewHTTPDriver(cs.BaseURL, cs.Key, cs.Spec.Clients).WithUpstream(cs.Upstream)
	before := ProcessCPU()
	res := Run(ctx, drv, cs.Fixture, cs.Spec)
	res.CPU.Clients = Elapsed(before, ProcessCPU())
	return json.NewEncoder(out).Encode(res)
}

// SpawnClient runs one workload in a new process started as argv (a binary
// whose arguments lead to ServeClient) and returns its Result. CPU.Clients
// is the child's processor time during the run, or where the child cannot
// read it, during its whole life (start-up included).
func SpawnClient(ctx context.Context, argv []string, cs ClientSpec) (Result, error) {
	spec, err := json.Marshal(cs)
	if err != nil {
		return Result{}, err
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(spec), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("load generator %s: %w: %s", strings.Join(argv, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return Result{}, fmt.Errorf("load generator's result: %w", err)
	}
	if res.CPU.Clients < 0 {
		res.CPU.Clients = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return res, nil
}

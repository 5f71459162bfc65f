package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestBenchClientsInChildProcess runs `tollgate bench` briefly through the
// binary: the clients run in a `tollgate bench client` child, whose results
// and CPU come back to the parent. No figure is checked, only that they are
// there.
func TestBenchClientsInChildProcess(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "bench", "--database-url", testdb.URL(t), "--pgbench=false", "--json",
		"--wallets", "20", "--clients", "2", "--duration", "300ms", "--workloads", "record,authorize,authorize-half")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tollgate bench = %v\n%s", err, stderr.String())
	}
	var out struct {
		ClientsInProcess bool `json:"clients_in_process"`
		Verify           int  `json:"verify_problems"`
		Workloads        []struct {
			Name        string   `json:"name"`
			Ops         float64  `json:"ops_per_second"`
			Rate        float64  `json:"rate"`
			Errors      int64    `json:"errors"`
			ServerCPU   *float64 `json:"server_cpu_us_per_op"`
			ClientsCPU  *float64 `json:"clients_cpu_us_per_op"`
			PostgresCPU *float64 `json:"postgres_cpu_us_per_op"`
		} `json:"workloads"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("bench --json printed %q: %v", stdout.String(), err)
	}
	if out.ClientsInProcess || out.Verify != 0 {
		t.Errorf("clients_in_process, verify_problems = %v, %d; want false, 0", out.ClientsInProcess, out.Verify)
	}
	var names []string
	for _, w := range out.Workloads {
		names = append(names, w.Name)
		if w.Ops <= 0 || w.Errors != 0 {
			t.Errorf("%s: %v ops/s, %d errors; want ops and no errors", w.Name, w.Ops, w.Errors)
		}
		if w.ServerCPU == nil || w.ClientsCPU == nil || w.PostgresCPU == nil {
			t.Errorf("%s: CPU per op server %v, clients %v, postgres %v; want all three", w.Name, w.ServerCPU, w.ClientsCPU, w.PostgresCPU)
		}
		if (w.Name == authorizeHalf) != (w.Rate > 0) {
			t.Errorf("%s: rate %v; want a rate for %s only", w.Name, w.Rate, authorizeHalf)
		}
	}
	if want := "record authorize authorize authorize-half"; fmt.Sprint(names) != "["+want+"]" {
		t.Errorf("workloads = %v, want [%s]", names, want)
	}
}

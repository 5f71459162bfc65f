package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
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

// TestBenchGateway runs `tollgate bench --workloads gateway` briefly: the
// calls straight to the mock, then through the gateway, both without errors,
// and the gateway's added latency reported. No figure is checked.
func TestBenchGateway(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "bench", "--database-url", testdb.URL(t), "--pgbench=false", "--json",
		"--wallets", "5", "--clients", "2", "--duration", "300ms", "--workloads", "gateway")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tollgate bench --workloads gateway = %v\n%s", err, stderr.String())
	}
	var out struct {
		Verify    int `json:"verify_problems"`
		Workloads []struct {
			Name       string   `json:"name"`
			Ops        float64  `json:"ops_per_second"`
			Errors     int64    `json:"errors"`
			P50Ms      float64  `json:"p50_ms"`
			AddedP50Ms *float64 `json:"added_p50_ms"`
			AddedP99Ms *float64 `json:"added_p99_ms"`
		} `json:"workloads"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("bench --json printed %q: %v", stdout.String(), err)
	}
	if len(out.Workloads) != 2 || out.Workloads[0].Name != "gateway-direct" || out.Workloads[1].Name != "gateway" || out.Verify != 0 {
		t.Fatalf("bench --workloads gateway = %+v; want gateway-direct then gateway, verify clean", out)
	}
	for _, w := range out.Workloads {
		if w.Ops <= 0 || w.Errors != 0 || w.P50Ms <= 0 {
			t.Errorf("%s: %v ops/s, %d errors, p50 %v ms; want calls and no errors", w.Name, w.Ops, w.Errors, w.P50Ms)
		}
	}
	if g := out.Workloads[1]; g.AddedP50Ms == nil || g.AddedP99Ms == nil || out.Workloads[0].AddedP50Ms != nil {
		t.Errorf("added latency: gateway %v/%v, gateway-direct %v; want it on the gateway row only", g.AddedP50Ms, g.AddedP99Ms, out.Workloads[0].AddedP50Ms)
	}
	if msg, err := exec.Command(binary, "bench", "--database-url", "postgres://unused", "--via", "service", "--workloads", "gateway").CombinedOutput(); err == nil ||
		!strings.Contains(string(msg), "use --via http") {
		t.Errorf("bench --via service --workloads gateway = %v, %s; want an error saying to use --via http", err, msg)
	}
}

// TestBenchConsoleWorkload runs the console workload through the binary on a
// tiny database with a small preloaded history: an operator signs in and
// every console page answers 200 each time. No figure is checked, only that
// each page was measured.
func TestBenchConsoleWorkload(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "bench", "--database-url", testdb.URL(t), "--pgbench=false", "--json",
		"--wallets", "4", "--clients", "2", "--preload-events", "500", "--page-requests", "2", "--workloads", "console")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tollgate bench --workloads console = %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var out struct {
		Verify int `json:"verify_problems"`
		Pages  []struct {
			Name     string  `json:"name"`
			Requests int     `json:"requests"`
			Errors   int     `json:"errors"`
			Bytes    int64   `json:"bytes"`
			P50      float64 `json:"p50_ms"`
			P99      float64 `json:"p99_ms"`
			Max      float64 `json:"max_ms"`
		} `json:"console_pages"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("bench --json printed %q: %v", stdout.String(), err)
	}
	if out.Verify != 0 {
		t.Errorf("verify_problems = %d, want 0", out.Verify)
	}
	var names []string
	for _, p := range out.Pages {
		names = append(names, p.Name)
		if p.Requests != 2 || p.Errors != 0 || p.Bytes == 0 || p.P50 <= 0 || p.P99 < p.P50 || p.Max < p.P99 {
			t.Errorf("%s: %d requests, %d errors, %d bytes, p50 %v p99 %v max %v ms; want 2 requests answered, figures in order",
				p.Name, p.Requests, p.Errors, p.Bytes, p.P50, p.P99, p.Max)
		}
	}
	for _, want := range []string{"home", "search: email", "customer (busy)", "usage (filtered)", "usage CSV (a day)", "profitability (customer)", "settings"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("console pages = %v, want %q among them", names, want)
		}
	}
}

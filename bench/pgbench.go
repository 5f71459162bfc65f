package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Baseline is a pgbench figure against the same server.
type Baseline struct {
	Name string
	TPS  float64
}

var tpsRE = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// PgBench runs pgbench's single-row UPDATE on random rows of a rows-row table
// and on one row, with clients connections for d each. It returns nothing when
// pgbench is not installed.
func PgBench(ctx context.Context, pool *pgxpool.Pool, url, binDir string, rows, clients int, d time.Duration) ([]Baseline, error) {
	pgbench, err := exec.LookPath("pgbench")
	if err != nil && binDir != "" {
		pgbench = filepath.Join(binDir, "pgbench")
		_, err = os.Stat(pgbench)
	}
	if err != nil {
		return nil, nil
	}
	if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS bench_rows;
		CREATE TABLE bench_rows (id integer PRIMARY KEY, v bigint NOT NULL DEFAULT 0);
		INSERT INTO bench_rows (id) SELECT generate_series(1, `+strconv.Itoa(rows)+`)`); err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE bench_rows`); err != nil {
		return nil, err
	}
	defer pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_rows`)
	dir, err := os.MkdirTemp("", "tgpgbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	scripts := []struct{ name, sql string }{
		{"pgbench UPDATE random row", fmt.Sprintf("\\set id random(1, %d)\nUPDATE bench_rows SET v = v + 1 WHERE id = :id;\n", rows)},
		{"pgbench UPDATE one row", "UPDATE bench_rows SET v = v + 1 WHERE id = 1;\n"},
	}
	var out []Baseline
	for i, s := range scripts {
		file := filepath.Join(dir, fmt.Sprintf("s%d.sql", i))
		if err := os.WriteFile(file, []byte(s.sql), 0o644); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, pgbench, "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(d.Seconds())), "-f", file, url)
		res, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("pgbench: %w: %s", err, res)
		}
		m := tpsRE.FindSubmatch(res)
		if m == nil {
			return nil, fmt.Errorf("pgbench printed no tps: %s", res)
		}
		tps, _ := strconv.ParseFloat(string(m[1]), 64)
		out = append(out, Baseline{Name: s.name, TPS: tps})
	}
	return out, nil
}

// PeakRSS is this process's peak resident set size in bytes (Linux), or 0.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb * 1024
}

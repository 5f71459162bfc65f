package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/metrics"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestMetricsServeTheFigures(t *testing.T) {
	m := metrics.New(testdb.New(t), func() int { return 3 })
	m.ObserveRequest("POST /v1/events", 201, 3*time.Millisecond)
	m.ObserveTool("record_usage", false, time.Millisecond)
	m.ObserveAuthorization(false, "insufficient_funds")
	m.ObserveBatch(17)
	srv := httptest.NewServer(m.Handler("s3cret"))
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token = %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`tollgate_http_requests_total{route="POST /v1/events",status="201"} 1`,
		`tollgate_mcp_tool_calls_total{outcome="ok",tool="record_usage"} 1`,
		`tollgate_authorizations_total{decision="declined",reason="insufficient_funds"} 1`,
		`tollgate_usage_batch_size_count 1`,
		`tollgate_usage_queue_depth 3`,
		`tollgate_db_pool_connections{state="max"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

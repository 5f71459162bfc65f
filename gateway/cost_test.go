package gateway_test

import (
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

func decp(s string) *rating.Decimal { d := dec(s); return &d }

// The account's cost table gives each recorded call its provider cost, so
// profitability shows the gateway's revenue, cost and margin exactly; a model
// the table does not price has an unknown cost, not zero.
//
// The table is docs/GATEWAY.md's example (gateway-costs), as configure_gateway
// reads it. The mock reports input 1000, cached 200, cache write 100 (Anthropic only),
// output 300 (reasoning 50 among them). Per million tokens:
//   - gpt-4o (its own row): 1000×2.50 + 200×1.25 + 300×10.00 = 0.0025 + 0.00025 + 0.003 = 0.00575;
//     revenue 0.020 (the product's prices), margin 0.01425;
//   - claude-x (anthropic's "*" row): 1000×3 + 200×0.30 + 100×3.75 + 300×15 =
//     0.003 + 0.00006 + 0.000375 + 0.0045 = 0.007935; revenue 0.0409, margin 0.032965;
//   - gpt-x: no row (openai has no "*"): cost unknown; revenue 0.10 + 0.02 + 0.09 = 0.21
//     at the product's "*" rates, left out of the margin.
func TestGatewayCostsInProfitability(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.svc.Gateway.SetModelCosts(e.ctx, docCosts(t)); err != nil {
		t.Fatalf("SetModelCosts = %v", err)
	}
	e.customer(t, "margins", "10")
	for _, c := range []struct{ path, body string }{
		{"/gateway/openai/v1/chat/completions", `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Hi"}]}`},
		{"/gateway/anthropic/v1/messages", `{"model":"claude-x","max_tokens":500,"messages":[{"role":"user","content":"Hi"}]}`},
		{"/gateway/openai/v1/responses", `{"model":"gpt-x","input":"Hi"}`},
	} {
		if status, body := e.post(t, c.path, "margins", c.body); status != http.StatusOK {
			t.Fatalf("POST %s = %d %s", c.path, status, body)
		}
	}
	wantCost := map[string]string{"gpt-4o": "0.00575", "claude-x": "0.007935", "gpt-x": ""}
	for _, ev := range e.events(t, "margins") {
		model := ev.Data["model"].(string)
		switch want := wantCost[model]; {
		case want == "" && ev.Costs != nil:
			t.Errorf("event of %s has costs %+v, want none (unknown)", model, ev.Costs)
		case want != "" && (len(ev.Costs) != 1 || !ev.Costs[0].Amount.Equal(dec(want)) || ev.Costs[0].Currency != "USD" || ev.Costs[0].Vendor != ev.Data["provider"]):
			t.Errorf("event of %s has costs %+v, want %s USD from its provider", model, ev.Costs, want)
		}
	}

	prof := profitability.New(e.pool, e.svc)
	r, err := prof.Profitability(e.ctx, profitability.Input{GroupBy: []string{"dimension:model"}, Sort: "events"})
	if err != nil {
		t.Fatalf("Profitability = %v", err)
	}
	want := map[string][3]string{ // revenue, cost, margin
		"gpt-4o":   {"0.020", "0.00575", "0.01425"},
		"claude-x": {"0.0409", "0.007935", "0.032965"},
		"gpt-x":    {"0.21", "0", "0"},
	}
	for _, row := range r.Rows {
		w, ok := want[row.Group[0].Value]
		if !ok {
			t.Errorf("unexpected row %+v", row)
			continue
		}
		if !row.Revenue.Equal(dec(w[0])) || !row.Cost.Equal(dec(w[1])) || !row.Margin.Equal(dec(w[2])) {
			t.Errorf("%s: revenue %s cost %s margin %s, want %s %s %s", row.Group[0].Value, row.Revenue, row.Cost, row.Margin, w[0], w[1], w[2])
		}
		delete(want, row.Group[0].Value)
	}
	if len(want) != 0 {
		t.Errorf("rows missing for %v", want)
	}
	// Totals: revenue 0.2709; cost and margin over the two priced calls:
	// cost 0.013685, margin (0.020 + 0.0409) − 0.013685 = 0.047215; 2 of 3
	// events have a cost.
	tot := r.Totals
	if tot.Events != 3 || !tot.Revenue.Equal(dec("0.2709")) || !tot.Cost.Equal(dec("0.013685")) || !tot.Margin.Equal(dec("0.047215")) ||
		tot.CostEvents != 2 {
		t.Errorf("totals = events %d revenue %s cost %s margin %s cost events %d; want 3, 0.2709, 0.013685, 0.047215, 2",
			tot.Events, tot.Revenue, tot.Cost, tot.Margin, tot.CostEvents)
	}
}

// SetModelCosts refuses a table it cannot use, saying what is wrong, and
// changes nothing; an empty table removes it.
func TestGatewayModelCostsInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	row := billing.ModelCost{Provider: "openai", Model: "gpt-4o", Currency: "USD", Input: decp("2.50"), Output: decp("10")}
	if _, err := e.svc.Gateway.SetModelCosts(e.ctx, []billing.ModelCost{row}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		edit  func(m *billing.ModelCost)
		code  string
		field string
	}{
		{"provider", func(m *billing.ModelCost) { m.Provider = "mistral" }, kernel.EInvalid, "costs[1].provider"},
		{"model", func(m *billing.ModelCost) { m.Model = "" }, kernel.EInvalid, "costs[1].model"},
		{"repeated", func(m *billing.ModelCost) {}, kernel.EInvalid, "costs[1].model"},
		{"no rate", func(m *billing.ModelCost) { m.Model, m.Input, m.Output = "o1", nil, nil }, kernel.EInvalid, "costs[1]"},
		{"negative", func(m *billing.ModelCost) { m.Model, m.Output = "o1", decp("-1") }, kernel.EInvalid, "costs[1]"},
		{"currency", func(m *billing.ModelCost) { m.Model, m.Currency = "o1", "credits" }, kernel.ENotFound, "costs[1].currency"},
	} {
		bad := row
		c.edit(&bad)
		_, err := e.svc.Gateway.SetModelCosts(e.ctx, []billing.ModelCost{row, bad})
		if kernel.ErrorCode(err) != c.code || kernel.ErrorField(err) != c.field {
			t.Errorf("%s: SetModelCosts = %v (field %q), want %s on %s", c.name, err, kernel.ErrorField(err), c.code, c.field)
		}
	}
	g, err := e.svc.Gateway.Settings(e.ctx)
	if err != nil || len(g.Costs) != 1 || g.Costs[0].Model != "gpt-4o" {
		t.Fatalf("Settings = %+v, %v; want the first table unchanged", g.Costs, err)
	}
	if g, err = e.svc.Gateway.SetModelCosts(e.ctx, nil); err != nil || len(g.Costs) != 0 {
		t.Errorf("SetModelCosts(none) = %+v, %v; want the table removed", g.Costs, err)
	}
}

// docCosts reads docs/GATEWAY.md's cost table example as configure_gateway's
// arguments.
func docCosts(t *testing.T) []billing.ModelCost {
	t.Helper()
	text, err := os.ReadFile("../docs/GATEWAY.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- gateway-costs:start -->\n```json\n(.*?)```\n<!-- gateway-costs:end -->").FindSubmatch(text)
	if m == nil {
		t.Fatal("docs/GATEWAY.md has no gateway-costs block")
	}
	v, err := wire.ParseJSON(m[1])
	if err != nil {
		t.Fatalf("the gateway-costs block is not JSON: %v", err)
	}
	var args wire.ConfigureGatewayArgs
	if err := wire.Decode(v, &args, true); err != nil || args.Costs == nil {
		t.Fatalf("the gateway-costs block = %v, %+v; want configure_gateway's costs", err, args)
	}
	return wire.Map(*args.Costs, wire.GatewayCost.ToModelCost)
}

package tools

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// open_console signs in the account's only owner, or the operator named;
// with none or several owners it says whom to name; it makes a link and
// signs no one in.
func TestOpenConsole(t *testing.T) {
	t.Parallel()
	svc := billing.NewService(testdb.New(t), billing.Options{})
	bg := context.Background()
	acct, err := svc.Accounts.EnsureDefaultAccount(bg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(bg, billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	tool := OpenConsole(Deps{Billing: svc, ConsoleURL: func(tok string) string { return "https://tg.example/console/link?token=" + tok }}).Server(slog.New(slog.DiscardHandler))
	call := func(args map[string]any) (map[string]any, string) {
		t.Helper()
		res, err := tool.Handler(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "open_console", Arguments: args}})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError {
			return nil, res.Content[0].(mcpgo.TextContent).Text
		}
		b, _ := json.Marshal(res.StructuredContent)
		var out map[string]any
		json.Unmarshal(b, &out)
		return out, ""
	}
	if _, msg := call(nil); !strings.Contains(msg, "has no console owner yet") || !strings.Contains(msg, "tollgate operators invite") {
		t.Errorf("open_console without operators = %q", msg)
	}
	if _, _, _, err := svc.Operators.Invite(bg, billing.InviteOperatorInput{Account: acct.ID, Email: "ana@example.com", Role: billing.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := svc.Operators.Invite(bg, billing.InviteOperatorInput{Account: acct.ID, Email: "vic@example.com", Role: billing.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	r, msg := call(nil)
	if msg != "" || r["operator"].(map[string]any)["email"] != "ana@example.com" || !strings.HasPrefix(r["url"].(string), "https://tg.example/console/link?token=tgl_") {
		t.Fatalf("open_console = %v, %q; want a link for the only owner", r, msg)
	}
	token := strings.TrimPrefix(r["url"].(string), "https://tg.example/console/link?token=")
	if list, err := svc.Operators.Sessions(bg, billing.ListSessionsInput{Account: acct.ID}); err != nil || len(list) != 0 {
		t.Errorf("sessions after open_console = %v, %v; want none: it signs no one in", list, err)
	}
	if _, _, state, err := svc.Operators.OpenLink(bg, token, ""); err != nil || state != billing.LinkOpened {
		t.Errorf("the link open_console made = %v, %v", state, err)
	}
	if r, msg = call(map[string]any{"email": "vic@example.com"}); msg != "" || r["operator"].(map[string]any)["role"] != "viewer" {
		t.Errorf("open_console(vic) = %v, %q", r, msg)
	}
	if _, msg = call(map[string]any{"email": "mallory@example.com"}); !strings.Contains(msg, "is not an operator of account") {
		t.Errorf("open_console(a stranger) = %q", msg)
	}
	if _, _, _, err := svc.Operators.Invite(bg, billing.InviteOperatorInput{Account: acct.ID, Email: "olive@example.com", Role: billing.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	if _, msg = call(nil); !strings.Contains(msg, "has 2 owners (ana@example.com, olive@example.com); pass email") {
		t.Errorf("open_console with two owners = %q", msg)
	}
}

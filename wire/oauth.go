package wire

import (
	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/oauth"
)

// OAuthGrant is what a person approved for an MCP client that signed in
// with OAuth: its scope (toolsets and whether it may change data) on the
// key's account and mode.
type OAuthGrant struct {
	ID            string   `json:"id" jsonschema:"description=Grant id,example=oag_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ClientID      string   `json:"client_id" jsonschema:"description=The client: the URL of its metadata document or the id it registered with,example=https://app.example.com/oauth/client.json"`
	ClientName    string   `json:"client_name" jsonschema:"description=The name the client gave,example=Claude"`
	RedirectURI   string   `json:"redirect_uri" jsonschema:"description=Where the approval went back to,example=https://claude.ai/api/mcp/auth_callback"`
	Scope         string   `json:"scope" jsonschema:"description=The scopes granted; space-separated,example=mcp:read mcp:write toolsets:catalog toolsets:usage"`
	Toolsets      []string `json:"toolsets" jsonschema:"description=The toolsets the client may list and call (all: every one),example=catalog"`
	ReadOnly      bool     `json:"read_only" jsonschema:"description=true when the client may only call the tools that read (no mcp:write)"`
	Resource      string   `json:"resource" jsonschema:"description=The protected resource its tokens are for (this server's /mcp),example=https://billing.example.com/mcp"`
	CreatedAt     string   `json:"created_at" jsonschema:"format=date-time,description=When the person approved it,example=2026-11-01T12:00:00Z"`
	ExpiresAt     string   `json:"expires_at" jsonschema:"format=date-time,description=When its newest refresh token expires; each refresh moves it on,example=2026-12-01T12:00:00Z"`
	LastUsedAt    *string  `json:"last_used_at" jsonschema:"description=Its last call to /mcp (to the minute)"`
	RevokedAt     *string  `json:"revoked_at" jsonschema:"description=When it was revoked"`
	RevokedReason *string  `json:"revoked_reason" jsonschema:"description=Why: revoked (by a person); refresh_token_reused or code_reused (a spent credential came back: someone else may hold it),enum=revoked,enum=refresh_token_reused,enum=code_reused"`
	Livemode      bool     `json:"livemode" jsonschema:"description=true for live data, false for test data"`
}

// FromOAuthGrant maps a grant.
func FromOAuthGrant(g oauth.Grant) OAuthGrant {
	out := OAuthGrant{ID: g.ID, ClientID: g.ClientID, ClientName: g.ClientName, RedirectURI: g.RedirectURI, Scope: g.Scope.String(),
		Toolsets: append([]string{}, g.Scope.Toolsets...), ReadOnly: !g.Scope.Write, Resource: g.Resource, CreatedAt: Time(g.CreatedAt),
		ExpiresAt: Time(g.ExpiresAt), LastUsedAt: TimeP(g.LastUsedAt), RevokedAt: TimeP(g.RevokedAt), Livemode: g.Mode == billing.ModeLive}
	if g.RevokedReason != "" {
		r := g.RevokedReason
		out.RevokedReason = &r
	}
	return out
}

// JSONSchemaExtend marks the optional times and the reason nullable.
func (OAuthGrant) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "last_used_at", exampleTime)
	nullableTime(s, "revoked_at", exampleTime)
	p, _ := s.Properties.Get("revoked_reason")
	s.Properties.Set("revoked_reason", &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{{Type: "string", Enum: p.Enum}, {Type: "null"}},
		Description: p.Description,
		Examples:    []any{"revoked"},
	})
}

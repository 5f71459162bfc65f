package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

type operatorRow struct {
	ID, Email, Name, Role, Joined string
	Password, TOTP, You           bool
}

type keyRow struct {
	ID, Prefix, Name, Mode, Scope, Created, LastUsed, Limits string
	Revoked                                                  bool
}

// Grants are the OAuth grants of MCP clients people approved (docs/MCP.md,
// "Connecting a hosted client with OAuth"), of the account and mode of the
// caller in ctx (billing.CallerFrom). Package oauth serves them, adapted by
// cmd: the console does not import it.
type Grants interface {
	// List returns the grants whose tokens still work, newest first, at
	// most limit of them (1-100), and whether there are more.
	List(ctx context.Context, limit int) (grants []Grant, more bool, err error)
	// Revoke stops a grant's tokens at once on every server; revoking a
	// revoked grant returns it unchanged. ENotFound when it is not the
	// caller's account and mode.
	Revoke(ctx context.Context, id string) (Grant, error)
}

// Grant is what a person approved for an MCP client.
type Grant struct {
	ID         string
	ClientName string
	Write      bool     // it may change data, not only read
	Toolsets   []string // the toolsets it may use; ["all"] for every one, none for the server's
	CreatedAt  time.Time
	LastUsedAt *time.Time // nil before its first token was used
}

// UseGrants lists g's grants on the settings page, where owners and
// admins revoke them. Call it before serving.
func (c *Console) UseGrants(g Grants) { c.grants = g }

// maxGrantsShown bounds the settings page's list of grants.
const maxGrantsShown = 100

type grantRow struct {
	ID, Client, Access, Toolsets, Created, LastUsed string
}

type settingsPage struct {
	base
	Operators []operatorRow
	Sessions  []sessionRow
	Keys      []keyRow
	// Grants: nil Grants shows no section; MoreGrants says the list is cut.
	HasGrants  bool
	Grants     []grantRow
	MoreGrants bool
	Mode       string
	Payments   string
	Branding   billing.PortalBranding
	Invite     inviteForm
}

type inviteForm struct{ Email, Name, Role string }

func (c *Console) settings(w http.ResponseWriter, r *request) error {
	return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
}

func (c *Console) settingsPage(w http.ResponseWriter, r *request, status int, form inviteForm) error {
	b, err := c.layout(r, "settings", "Settings")
	if err != nil {
		return err
	}
	p := settingsPage{base: b, Mode: string(r.sess.Mode), Invite: form}
	ops, err := c.svc.Operators.List(r.ctx, r.sess.AccountID)
	if err != nil {
		return err
	}
	for _, o := range ops {
		p.Operators = append(p.Operators, operatorRow{ID: o.ID, Email: o.Email, Name: o.Name, Role: string(o.Role), Joined: date(o.JoinedAt),
			Password: o.HasPassword, TOTP: o.HasTOTP, You: o.ID == r.sess.OperatorID})
	}
	if r.sess.Role.CanManage() {
		list, err := c.svc.Operators.Sessions(r.ctx, billing.ListSessionsInput{Account: r.sess.AccountID})
		if err != nil {
			return err
		}
		for _, s := range list {
			p.Sessions = append(p.Sessions, sessionRowOf(s, r.sess.ID))
		}
		keys, err := c.svc.Accounts.ListAPIKeys(r.ctx, r.sess.AccountID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			row := keyRow{ID: k.ID, Prefix: k.Prefix, Name: k.Name, Mode: string(k.Mode), Scope: label(string(k.Scope)), Created: date(k.CreatedAt),
				LastUsed: "Never", Revoked: k.RevokedAt != nil}
			if k.LastUsedAt != nil {
				row.LastUsed = ago(*k.LastUsedAt)
			}
			row.Limits = keyLimits(k)
			p.Keys = append(p.Keys, row)
		}
	}
	if c.grants != nil {
		list, more, err := c.grants.List(r.ctx, maxGrantsShown)
		if err != nil {
			return err
		}
		p.HasGrants, p.MoreGrants = true, more
		for _, g := range list {
			p.Grants = append(p.Grants, grantRowOf(g))
		}
	}
	p.Payments = "Not connected: customers cannot top up in this mode until Stripe is connected (`tollgate payments connect`)."
	conn, err := c.svc.Payments.GetPaymentConnection(r.ctx)
	switch {
	case err == nil && conn.SecretKey == "":
		p.Payments = "The built-in test provider takes test payments (card 4242 4242 4242 4242); connect Stripe in test mode to try its Checkout instead."
	case err == nil:
		p.Payments = "Connected to Stripe with the key " + conn.SecretKey + "; its webhook signing secret " + conn.WebhookSecret + "."
	case kernel.ErrorCode(err) != kernel.ENotFound:
		return err
	}
	if p.Branding, err = c.svc.Portal.GetPortalBranding(r.ctx); err != nil {
		return err
	}
	c.render(w, status, "settings", p)
	return nil
}

// invite adds an operator to the account and shows their sign-in link once.
func (c *Console) invite(w http.ResponseWriter, r *request) error {
	form := inviteForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role")}
	op, link, _, err := c.svc.Operators.Invite(r.ctx, billing.InviteOperatorInput{Account: r.sess.AccountID, Email: form.Email, Name: form.Name, Role: billing.Role(form.Role)})
	switch kernel.ErrorCode(err) {
	case "":
		r.alert = alert{Kind: "ok", Text: "Invited " + op.Email + " as " + string(op.Role) + ". Give them this link privately: it signs them in once, within 15 minutes.",
			Secret: SignInURL(c.baseURL, link.Token)}
		return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
	case kernel.EInvalid, kernel.EConflict:
		r.alert = alert{Kind: "error", Text: sentence(kernel.ErrorMessage(err))}
		return c.settingsPage(w, r, http.StatusUnprocessableEntity, form)
	}
	return err
}

func (c *Console) removeOperator(w http.ResponseWriter, r *request) error {
	op, err := c.svc.Operators.Remove(r.ctx, r.sess.AccountID, r.PathValue("id"))
	switch kernel.ErrorCode(err) {
	case "":
		r.alert = alert{Kind: "ok", Text: "Removed " + op.Email + " from " + r.sess.AccountName + "; their sessions in it have ended."}
		if op.ID == r.sess.OperatorID { // removed themselves: nothing more to show here
			c.clearCookie(w)
			http.Redirect(w, r.Request, "/console/sign-in", http.StatusSeeOther)
			return nil
		}
	case kernel.EConflict:
		r.alert = alert{Kind: "error", Text: sentence(kernel.ErrorMessage(err))}
		return c.settingsPage(w, r, http.StatusConflict, inviteForm{Role: string(billing.RoleViewer)})
	default:
		return err
	}
	return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
}

// revokeSession ends a session of one of the account's operators.
func (c *Console) revokeSession(w http.ResponseWriter, r *request) error {
	if err := c.svc.Operators.RevokeSession(r.ctx, r.PathValue("id"), r.sess.AccountID); err != nil {
		return err
	}
	if r.PathValue("id") == r.sess.ID {
		c.clearCookie(w)
		http.Redirect(w, r.Request, "/console/sign-in", http.StatusSeeOther)
		return nil
	}
	r.alert = alert{Kind: "ok", Text: "Session ended; it is signed out on every server."}
	return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
}

// createKey makes an API key of the account in the current mode and shows
// it once.
func (c *Console) createKey(w http.ResponseWriter, r *request) error {
	scope := billing.Scope(r.PostFormValue("scope"))
	name := strings.TrimSpace(r.PostFormValue("name"))
	if len(name) > 100 {
		r.alert = alert{Kind: "error", Text: "A key's name is at most 100 characters."}
		return c.settingsPage(w, r, http.StatusUnprocessableEntity, inviteForm{Role: string(billing.RoleViewer)})
	}
	k, secret, err := c.svc.Accounts.CreateScopedAPIKey(r.ctx, r.sess.AccountID, r.sess.Mode, scope, name)
	if kernel.ErrorCode(err) == kernel.EInvalid {
		r.alert = alert{Kind: "error", Text: sentence(kernel.ErrorMessage(err))}
		return c.settingsPage(w, r, http.StatusUnprocessableEntity, inviteForm{Role: string(billing.RoleViewer)})
	}
	if err != nil {
		return err
	}
	r.alert = alert{Kind: "ok", Text: "Created the " + string(k.Mode) + " key " + k.Prefix + "… (" + label(string(k.Scope)) + "). Copy it now: it is not shown again.", Secret: secret}
	return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
}

// revokeKey revokes one of the account's API keys, at once on every server.
func (c *Console) revokeKey(w http.ResponseWriter, r *request) error {
	keys, err := c.svc.Accounts.ListAPIKeys(r.ctx, r.sess.AccountID)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if !slices.ContainsFunc(keys, func(k billing.APIKey) bool { return k.ID == id }) {
		return kernel.NotFoundf("key", "no API key %s in this account", id)
	}
	k, err := c.svc.Accounts.RevokeAPIKey(r.ctx, id)
	if err != nil {
		return err
	}
	r.alert = alert{Kind: "ok", Text: "Revoked " + k.Prefix + "…; it stops working at once on every server."}
	return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
}

// keyLimits says a key's own rate limits, or that it has the server's.
func keyLimits(k billing.APIKey) string {
	if k.RateLimit == 0 && k.HotRateLimit == 0 {
		return "the server's rate limits"
	}
	show := func(n int32) string {
		if n == 0 {
			return "the server's"
		}
		return fmt.Sprintf("%d/s", n)
	}
	return "limits: " + show(k.RateLimit) + ", hot path " + show(k.HotRateLimit)
}

func grantRowOf(g Grant) grantRow {
	row := grantRow{ID: g.ID, Client: g.ClientName, Access: "Reads only", Created: date(g.CreatedAt), LastUsed: "Never"}
	if g.Write {
		row.Access = "Reads and writes"
	}
	switch {
	case len(g.Toolsets) == 0:
		row.Toolsets = "the server's toolsets"
	case slices.Contains(g.Toolsets, "all"):
		row.Toolsets = "every toolset"
	default:
		row.Toolsets = "toolsets " + strings.Join(g.Toolsets, ", ")
	}
	if g.LastUsedAt != nil {
		row.LastUsed = ago(*g.LastUsedAt)
	}
	return row
}

// revokeGrant revokes an MCP client's grant of the account and mode; its
// tokens stop working at once on every server. Sending it again changes
// nothing and says the same.
func (c *Console) revokeGrant(w http.ResponseWriter, r *request) error {
	if c.grants == nil {
		return &pageError{status: http.StatusNotFound, title: "Page not found", message: "This server has no OAuth for MCP clients."}
	}
	id := r.PathValue("id")
	if len(id) > 64 {
		return kernel.NotFoundf("grant", "no OAuth grant %s in this account and mode", id)
	}
	g, err := c.grants.Revoke(r.ctx, id)
	if err != nil {
		return err
	}
	r.alert = alert{Kind: "ok", Text: "Revoked " + g.ClientName + "'s access; its tokens stop working at once on every server."}
	return c.settingsPage(w, r, http.StatusOK, inviteForm{Role: string(billing.RoleViewer)})
}

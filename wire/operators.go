package wire

import (
	"time"

	"github.com/tollgatehq/tollgate/billing"
)

// Accounts and the operators who sign in to their console.

// Account is the account an API key belongs to.
type Account struct {
	Object            string `json:"object" jsonschema_description:"Always account" jsonschema:"enum=account,example=account"`
	ID                string `json:"id" jsonschema_description:"Account id" jsonschema:"example=acct_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Name              string `json:"name" jsonschema_description:"The platform's name, as the console shows it" jsonschema:"example=Acme AI"`
	ReportingCurrency string `json:"reporting_currency" jsonschema_description:"The currency profitability reports in" jsonschema:"example=USD"`
	IsDefault         bool   `json:"is_default" jsonschema_description:"true for the account a first run made (keyless stdio uses it)" jsonschema:"example=true"`
	CreatedAt         string `json:"created_at" jsonschema:"format=date-time,example=2026-01-15T09:30:00Z"`
}

// FromAccount maps a domain account.
func FromAccount(a billing.Account) Account {
	return Account{Object: "account", ID: a.ID, Name: a.Name, ReportingCurrency: a.ReportingCurrency, IsDefault: a.IsDefault, CreatedAt: Time(a.CreatedAt)}
}

// RenameAccountRequest is the body of POST /v1/account.
type RenameAccountRequest struct {
	Name string `json:"name" jsonschema_description:"The new name, 1-100 characters on one line" jsonschema:"example=Acme AI"`
}

// Operator is a person who signs in to the account's console.
type Operator struct {
	Object      string `json:"object" jsonschema_description:"Always operator" jsonschema:"enum=operator,example=operator"`
	ID          string `json:"id" jsonschema_description:"Operator id (the same in every account they belong to)" jsonschema:"example=op_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Email       string `json:"email" jsonschema_description:"Their email address, lower-cased" jsonschema:"example=ana@acme.example"`
	Name        string `json:"name" jsonschema_description:"Their name; empty when not given" jsonschema:"example=Ana Lopez"`
	Role        string `json:"role" jsonschema_description:"owner: everything, operators and API keys included; admin: money (gifts, corrections) and settings; viewer: reads only" jsonschema:"enum=owner,enum=admin,enum=viewer,example=admin"`
	HasPassword bool   `json:"has_password" jsonschema_description:"false: they sign in with links only" jsonschema:"example=true"`
	HasTOTP     bool   `json:"has_totp" jsonschema_description:"true: every sign-in asks for a code from their authenticator app" jsonschema:"example=false"`
	JoinedAt    string `json:"joined_at" jsonschema:"format=date-time,description=When they were first invited to this account,example=2026-01-15T09:30:00Z"`
}

// FromOperator maps a domain operator.
func FromOperator(o billing.Operator) Operator {
	return Operator{Object: "operator", ID: o.ID, Email: o.Email, Name: o.Name, Role: string(o.Role), HasPassword: o.HasPassword,
		HasTOTP: o.HasTOTP, JoinedAt: Time(o.JoinedAt)}
}

// InviteOperatorRequest is the body of POST /v1/operators.
type InviteOperatorRequest struct {
	Email string `json:"email" jsonschema_description:"Their email address (it identifies them; no email is sent)" jsonschema:"example=ana@acme.example"`
	Name  string `json:"name,omitempty" jsonschema_description:"Their name, up to 100 characters; kept when they exist already" jsonschema:"example=Ana Lopez"`
	Role  string `json:"role" jsonschema_description:"owner, admin or viewer" jsonschema:"enum=owner,enum=admin,enum=viewer,example=admin"`
}

// ToInput maps the request for the account.
func (r InviteOperatorRequest) ToInput(account string) billing.InviteOperatorInput {
	return billing.InviteOperatorInput{Account: account, Email: r.Email, Name: r.Name, Role: billing.Role(r.Role)}
}

// OperatorSignInLink is a single-use link that signs an operator in to the
// console.
type OperatorSignInLink struct {
	Object    string   `json:"object" jsonschema_description:"Always operator_sign_in_link" jsonschema:"enum=operator_sign_in_link,example=operator_sign_in_link"`
	Operator  Operator `json:"operator" jsonschema_description:"Who it signs in"`
	URL       string   `json:"url" jsonschema_description:"Open it in a browser: it signs the operator in to the console once, before expires_at (an operator with a second factor still enters a code). Give it only to that person: it is their key to the console" jsonschema:"example=https://billing.example.com/console/link?token=tgl_4f9a…"`
	ExpiresAt string   `json:"expires_at" jsonschema:"format=date-time,description=Open it before then (15 minutes),example=2026-01-15T09:45:00Z"`
}

// FromSignInLink maps an operator's link; url is the link's address.
func FromSignInLink(o billing.Operator, url string, expiresAt time.Time) OperatorSignInLink {
	return OperatorSignInLink{Object: "operator_sign_in_link", Operator: FromOperator(o), URL: url, ExpiresAt: Time(expiresAt)}
}

// OpenConsoleArgs are open_console's arguments.
type OpenConsoleArgs struct {
	Email string `json:"email,omitempty" jsonschema_description:"The operator to sign in, by email; omit it when the account has one owner" jsonschema:"example=ana@acme.example"`
}

// OpenConsoleResult is open_console's result.
type OpenConsoleResult struct {
	OperatorSignInLink
	Guidance
}

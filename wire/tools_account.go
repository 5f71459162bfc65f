package wire

// Guidance is what a tool result tells the agent besides the data: a one-line
// summary it can repeat to the user, and the calls that usually come next.
// Claude Code and VS Code show the model only the structured result, so the
// guidance lives there.
type Guidance struct {
	Summary   string   `json:"summary" jsonschema_description:"One line saying what happened, to repeat to the user" jsonschema:"example=Created customer user_123 with its default wallet."`
	NextSteps []string `json:"next_steps,omitempty" jsonschema_description:"Tool calls that usually come next, in order"`
}

// WhoamiArgs takes no arguments.
type WhoamiArgs struct{}

// WhoamiResult says which account and mode every call is scoped to.
type WhoamiResult struct {
	AccountID string `json:"account_id" jsonschema_description:"The account every call reads and writes" jsonschema:"example=acct_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Mode      string `json:"mode" jsonschema_description:"test or live: which data every call reads and writes" jsonschema:"enum=test,enum=live,example=test"`
	Livemode  bool   `json:"livemode" jsonschema_description:"true in live mode, where mutations touch real customers' balances" jsonschema:"example=false"`
	KeyPrefix string `json:"key_prefix" jsonschema_description:"Prefix of the API key in use; empty for the local default account over stdio" jsonschema:"example=tg_test_4f9a2c"`
	Scope     string `json:"scope" jsonschema_description:"What the key may do: full, or read_only (write tools are refused whatever the server's flags); full for the local default account" jsonschema:"enum=full,enum=read_only,example=full"`
	Guidance
}

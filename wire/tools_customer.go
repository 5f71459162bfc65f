package wire

// CreateCustomerArgs are create_customer's arguments: the customer, and the
// products to subscribe it to.
type CreateCustomerArgs struct {
	CreateCustomerRequest
	// Subscriptions are applied after the customer exists, each as
	// subscribe_customer would, except that an existing customer already on
	// a product keeps its version unless one is given.
	Subscriptions []SubscribeRequest `json:"subscriptions,omitempty" jsonschema_description:"Products to subscribe it to after creation, as subscribe_customer does; a customer that existed keeps its version of a product unless version is given"`
}

// CreateCustomerResult is the customer created, or the one that existed.
type CreateCustomerResult struct {
	Customer Customer `json:"customer" jsonschema_description:"The customer"`
	Existed  bool     `json:"existed" jsonschema_description:"true when a customer with this external_id already existed: it is returned unchanged" jsonschema:"example=false"`
	// Subscriptions is omitted when none were asked for, so results of calls
	// without them keep their shape.
	Subscriptions []Subscription `json:"subscriptions,omitempty" jsonschema_description:"The subscriptions in force for the products asked for in subscriptions, in the same order"`
	Livemode      bool           `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// CustomerArg names a customer.
type CustomerArg struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
}

// GetCustomerArgs names the customer to read.
type GetCustomerArgs = CustomerArg

// WalletListItem is a wallet without its balances.
type WalletListItem struct {
	ID        string `json:"id" jsonschema_description:"Wallet id" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Name      string `json:"name" jsonschema_description:"default, or the name given at creation" jsonschema:"example=default"`
	IsDefault bool   `json:"is_default" jsonschema_description:"true for the wallet used when a call names none" jsonschema:"example=true"`
}

// GetCustomerResult is a customer with its wallets.
type GetCustomerResult struct {
	Customer Customer         `json:"customer" jsonschema_description:"The customer"`
	Wallets  []WalletListItem `json:"wallets" jsonschema_description:"The customer's wallets, the default first; get_wallet shows balances"`
	// Subscriptions show each plan's state and next renewal.
	Subscriptions []Subscription `json:"subscriptions" jsonschema_description:"The customer's subscriptions, those in force first, each with its status and next renewal; get_subscription shows a plan's periods"`
	Guidance
}

// ListCustomersArgs pages through customers, newest first.
type ListCustomersArgs struct {
	Limit  int    `json:"limit,omitempty" jsonschema_description:"Page size, 1-100; default 20" jsonschema:"minimum=1,maximum=100,example=20"`
	Cursor string `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Email  string `json:"email,omitempty" jsonschema_description:"Only customers with this email" jsonschema:"example=ada@example.com"`
}

// ListCustomersResult is one page of customers.
type ListCustomersResult struct {
	Data       []Customer `json:"data" jsonschema_description:"Customers, newest first"`
	NextCursor *string    `json:"next_cursor" jsonschema_description:"Pass as cursor for the next page; null on the last page" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	HasMore    bool       `json:"has_more" jsonschema_description:"true when another page follows" jsonschema:"example=false"`
	Guidance
}

package wire

// AuthorizeUsageArgs are authorize_usage's arguments: the idempotency key
// is required.
type AuthorizeUsageArgs struct {
	IdempotencyKey string `json:"idempotency_key" jsonschema_description:"Your unique key (1-200 chars); a retry returns the first decision" jsonschema:"example=req_8f2a-authorize"`
	AuthorizeParams
}

// AuthorizeUsageResult is the decision: a hold, or a decline with what is
// missing. A decline is a result, not an error.
type AuthorizeUsageResult struct {
	Authorization
	Guidance
}

// AuthorizationArg names an authorization.
type AuthorizationArg struct {
	AuthorizationID string `json:"authorization_id" jsonschema_description:"Authorization id (auth_…)" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// VoidAuthorizationArgs names the hold to release.
type VoidAuthorizationArgs = AuthorizationArg

// VoidAuthorizationResult is the released authorization, now voided.
type VoidAuthorizationResult struct {
	Authorization
	Guidance
}

// RecordUsageArgs is one event (its fields at the top level) or a batch
// (events).
type RecordUsageArgs struct {
	ID              string               `json:"id,omitempty" jsonschema_description:"One event: as in events" jsonschema:"example=req_8f2a"`
	Customer        string               `json:"customer,omitempty" jsonschema_description:"One event: as in events" jsonschema:"example=user_123"`
	Wallet          string               `json:"wallet,omitempty" jsonschema_description:"One event: as in events" jsonschema:"example=default"`
	EventType       string               `json:"event_type,omitempty" jsonschema_description:"One event: as in events" jsonschema:"example=image.generated"`
	OccurredAt      *TimeArg             `json:"occurred_at,omitempty" jsonschema_description:"One event: as in events" jsonschema:"example=2026-11-01T12:00:00Z"`
	Data            map[string]any       `json:"data,omitempty" jsonschema_description:"One event: as in events"`
	Costs           []Cost               `json:"costs,omitempty" jsonschema_description:"One event: as in events"`
	AuthorizationID string               `json:"authorization_id,omitempty" jsonschema_description:"One event: as in events" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Events          []RecordEventRequest `json:"events,omitempty" jsonschema_description:"A batch of 1-1000 events; or one event's fields at the top level"`
}

// UsageResult is one event's outcome in record_usage.
type UsageResult struct {
	EventOutcome
	Error string `json:"error,omitempty" jsonschema_description:"Why it failed and how to fix it" jsonschema:"example=customer \"user_9\" not found by id or external_id in test mode"`
}

// RecordUsageResult lists each event's outcome and the totals charged.
type RecordUsageResult struct {
	Results  []UsageResult      `json:"results" jsonschema_description:"One per event, in the order sent"`
	Recorded int                `json:"recorded" jsonschema_description:"Events recorded now" jsonschema:"example=1"`
	Replayed int                `json:"replayed" jsonschema_description:"Events already recorded; nothing charged again" jsonschema:"example=0"`
	Failed   int                `json:"failed" jsonschema_description:"Events refused; their error says why" jsonschema:"example=0"`
	Charged  map[string]Decimal `json:"charged" jsonschema_description:"Fees charged by the events recorded now, per asset code (replays excluded)"`
	Livemode bool               `json:"livemode" jsonschema_description:"true when this charged live balances" jsonschema:"example=false"`
	Guidance
}

// GetEventArgs names a recorded event.
type GetEventArgs struct {
	ID string `json:"id" jsonschema_description:"Event id sent with record_usage" jsonschema:"example=req_8f2a"`
}

// GetEventResult is an event with its fees.
type GetEventResult struct {
	Event Event `json:"event" jsonschema_description:"The event with its fees and, when it settled an authorization, the settlement"`
	Guidance
}

// ListEventsArgs filters and pages recorded events, newest first.
type ListEventsArgs struct {
	Customer  string   `json:"customer,omitempty" jsonschema_description:"Only this customer's (id or external_id)" jsonschema:"example=user_123"`
	EventType string   `json:"event_type,omitempty" jsonschema_description:"Only this event_type" jsonschema:"example=image.generated"`
	From      *TimeArg `json:"from,omitempty" jsonschema_description:"Occurred at or after" jsonschema:"example=2026-11-01T00:00:00Z"`
	To        *TimeArg `json:"to,omitempty" jsonschema_description:"Occurred before" jsonschema:"example=2026-12-01T00:00:00Z"`
	Limit     int      `json:"limit,omitempty" jsonschema_description:"Page size, 1-100; default 20" jsonschema:"minimum=1,maximum=100,example=20"`
	Cursor    string   `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page" jsonschema:"example=evs_1042"`
}

// ListEventsResult is one page of events.
type ListEventsResult struct {
	Data       []Event `json:"data" jsonschema_description:"Events with their fees, newest first"`
	NextCursor *string `json:"next_cursor" jsonschema_description:"Pass as cursor for the next page; null on the last page" jsonschema:"example=evs_1042"`
	HasMore    bool    `json:"has_more" jsonschema_description:"true when another page follows" jsonschema:"example=false"`
	Guidance
}

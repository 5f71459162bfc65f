package wire

// List is one page of a list endpoint of the REST API. Pass NextCursor as
// starting_after (or cursor) to read the next page.
type List[T any] struct {
	Object     string  `json:"object" jsonschema:"enum=list"`
	Data       []T     `json:"data"`
	HasMore    bool    `json:"has_more"`
	NextCursor *string `json:"next_cursor"`
}

// Cursor is a page's next_cursor on both surfaces: null on the last page
// (next is ""), never an empty string.
func Cursor(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// NewList builds a page; a nil data slice is written as [].
func NewList[T any](data []T, hasMore bool, next string) List[T] {
	if data == nil {
		data = []T{}
	}
	l := List[T]{Object: "list", Data: data, HasMore: hasMore}
	if hasMore {
		l.NextCursor = Cursor(next)
	}
	return l
}

// ErrorBody is the REST API's one error shape: {"error": {...}}.
type ErrorBody struct {
	Type    string `json:"type" jsonschema_description:"Error family: invalid_request_error, authentication_error, permission_error, insufficient_funds_error, conflict_error, idempotency_error, rate_limit_error or api_error" jsonschema:"example=invalid_request_error"`
	Code    string `json:"code" jsonschema_description:"Machine-readable code, such as invalid, not_found, conflict, insufficient_funds, unauthorized, read_only_key, unknown_field, rate_limited, idempotency_key_reused" jsonschema:"example=not_found"`
	Message string `json:"message" jsonschema_description:"What went wrong and how to fix it; safe to show" jsonschema:"example=customer \"user_9\" not found by id or external_id in test mode"`
	Param   string `json:"param,omitempty" jsonschema_description:"The input at fault, when there is one" jsonschema:"example=customer"`
}

// ErrorEnvelope wraps an ErrorBody.
type ErrorEnvelope struct {
	Error ErrorBody `json:"error" jsonschema_description:"What went wrong"`
}

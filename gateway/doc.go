// Package gateway is the metering gateway: OpenAI- and Anthropic-compatible
// routes under /gateway/ that an app reaches by changing only its SDK's base
// URL and key. Each call is authorized against the customer's wallet before
// it runs, proxied to the provider with the platform's own provider key,
// streamed through as it arrives, and recorded from the usage the provider
// reports, priced like any other usage event (see docs/GATEWAY.md).
//
// The package sits on billing (Authorize, RecordUsage, VoidAuthorization and
// the caller in the context) and imports no other surface; cmd/tollgate
// builds its Options (the upstreams and their keys) and mounts it.
package gateway

// SPDX-License-Identifier: Apache-2.0

// Package oauth signs hosted MCP clients in to Tollgate with OAuth 2.1:
// Tollgate is both the protected resource (its /mcp endpoint, RFC 9728
// metadata) and its own authorization server (RFC 8414 metadata, the
// authorization code grant with PKCE S256 only, rotating refresh tokens,
// RFC 8707 resource indicators, RFC 9207 iss in the redirect). Clients
// register by a Client ID Metadata Document (client_id is an https URL
// Tollgate fetches) or, for older clients, by dynamic registration
// (RFC 7591).
//
// A person approves a client on a consent page for one account and mode
// they are signed in to (SignedIn: today a one-time link from `tollgate mcp
// authorize-link`, later the console's operator session). What they approve
// is a grant: its scopes name the toolsets and whether the client may
// change data. Every code and token belongs to one grant; revoking the
// grant, or reusing one of its spent refresh tokens, ends them all, in
// every process at once (LISTEN/NOTIFY, see Listen).
//
// The package keeps its own state (clients, sign-ins, grants, codes and
// tokens, migration 00025) through its own queries, like webhooks: none of
// it is in the usage hot path, and billing keeps only what its transactions
// share. It takes from billing the caller type, the clock, accounts and the
// driver-error translation.
package oauth

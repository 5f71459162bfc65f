// SPDX-License-Identifier: Apache-2.0

// Package console is the operators' console under /console: server-rendered
// pages where the people of an account (billing's operators) see the
// business at a glance, look a customer up, give credit, and manage the
// account's operators and API keys. It is a surface of its own beside the
// REST API and the customer portal, built the portal's way: html/template
// pages, SVG charts drawn on the server, one stylesheet, no script, no
// build step, a Content-Security-Policy that allows nothing else.
//
// Authentication: a single-use sign-in link (an invitation is one) or an
// email and password opens a session, held in an HttpOnly cookie; the
// session's row is read on every request, so a revoked session is out at
// its next request on every server. An operator with a TOTP second factor
// owes its code before any page. Every form carries a CSRF token bound to
// the session; the sign-in form, before any session, a double-submit token.
//
// Scope: a session works in one account and mode at a time (the switcher
// and the test/live switch change them); every read and write goes through
// *billing.Service with that caller, and no page takes an account from the
// request, so editing an address reaches nothing of another account. Roles
// decide what can be changed: viewers read, admins move money and change
// settings, owners also manage operators, API keys and the account.
package console

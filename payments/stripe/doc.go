// SPDX-License-Identifier: Apache-2.0

// Package stripe is the Stripe adapter of package payments: the Stripe
// provider (Checkout Sessions, off-session charges, refunds, signed
// webhooks, through stripe-go) and the built-in test provider, which speaks
// Stripe's webhook format so that both take one path into billing. main
// builds them and hands them to billing behind payments.Provider.
package stripe

// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// The runtime loop.

// Authorize holds the estimated cost of what is about to happen
// (POST /v1/authorizations). A decline is an answer, not an error:
// Approved false with DeclineReason, Required, Available and Shortfall.
// Send IdempotencyKey in the request so that a retry from your side finds
// the same hold.
func (c *Client) Authorize(ctx context.Context, req AuthorizeRequest, opts ...CallOption) (*Authorization, error) {
	var out Authorization
	return &out, c.do(ctx, http.MethodPost, "/v1/authorizations", nil, req, &out, opts)
}

// GetAuthorization reads an authorization by id.
func (c *Client) GetAuthorization(ctx context.Context, id string) (*Authorization, error) {
	var out Authorization
	return &out, c.do(ctx, http.MethodGet, "/v1/authorizations/"+url.PathEscape(id), nil, nil, &out, nil)
}

// VoidAuthorization releases a hold: nothing is charged.
func (c *Client) VoidAuthorization(ctx context.Context, id string, opts ...CallOption) (*Authorization, error) {
	var out Authorization
	return &out, c.do(ctx, http.MethodPost, "/v1/authorizations/"+url.PathEscape(id)+"/void", nil, struct{}{}, &out, opts)
}

// RecordEvent records one usage event (POST /v1/events): it is priced, the
// wallet debited and its authorization (when given) settled at once. The
// event's ID makes it idempotent forever: the same id and payload again is
// answered with Replayed true and charges nothing.
func (c *Client) RecordEvent(ctx context.Context, req RecordEventRequest, opts ...CallOption) (*Event, error) {
	var out Event
	return &out, c.do(ctx, http.MethodPost, "/v1/events", nil, req, &out, opts)
}

// RecordEvents records up to 1,000 events, each on its own
// (POST /v1/events/batch): check each result's Status.
func (c *Client) RecordEvents(ctx context.Context, events []RecordEventRequest, opts ...CallOption) ([]BatchResult, error) {
	var out BatchResultList
	err := c.do(ctx, http.MethodPost, "/v1/events/batch", nil, RecordBatchRequest{Events: events}, &out, opts)
	return out.Data, err
}

// GetEvent reads a usage event, with its fees, by your id.
func (c *Client) GetEvent(ctx context.Context, id string) (*Event, error) {
	var out Event
	return &out, c.do(ctx, http.MethodGet, "/v1/events/"+url.PathEscape(id), nil, nil, &out, nil)
}

// ListParams pages a list: Limit 1-100 (0: 20), StartingAfter the previous
// page's NextCursor.
type ListParams struct {
	Limit         int
	StartingAfter string
}

func (p ListParams) query() url.Values {
	q := url.Values{}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	return q
}

// ListEvents lists a customer's events (all customers' when customer is
// empty), newest first.
func (c *Client) ListEvents(ctx context.Context, customer string, p ListParams) (*EventList, error) {
	q := p.query()
	if customer != "" {
		q.Set("customer", customer)
	}
	var out EventList
	return &out, c.do(ctx, http.MethodGet, "/v1/events", q, nil, &out, nil)
}

// Customers and wallets.

// CreateCustomer creates a customer; the same ExternalID again answers the
// existing one.
func (c *Client) CreateCustomer(ctx context.Context, req CreateCustomerRequest, opts ...CallOption) (*Customer, error) {
	var out Customer
	return &out, c.do(ctx, http.MethodPost, "/v1/customers", nil, req, &out, opts)
}

// GetCustomer reads a customer by Tollgate id (cus_…) or external_id.
func (c *Client) GetCustomer(ctx context.Context, id string) (*CustomerDetail, error) {
	var out CustomerDetail
	return &out, c.do(ctx, http.MethodGet, "/v1/customers/"+url.PathEscape(id), nil, nil, &out, nil)
}

// GetWallet reads a wallet (by id or name, "default" for the default one)
// of a customer: balances per asset, with their lots.
func (c *Client) GetWallet(ctx context.Context, customer, wallet string) (*Wallet, error) {
	var out Wallet
	return &out, c.do(ctx, http.MethodGet, "/v1/customers/"+url.PathEscape(customer)+"/wallets/"+url.PathEscape(wallet), nil, nil, &out, nil)
}

// CreateAdjustment credits or debits a wallet by hand (a top-up the
// customer paid, a gift, a charge, a refund, a correction). TransactionID
// (default the Idempotency-Key) makes it idempotent forever.
func (c *Client) CreateAdjustment(ctx context.Context, req CreateAdjustmentRequest, opts ...CallOption) (*Adjustment, error) {
	var out Adjustment
	return &out, c.do(ctx, http.MethodPost, "/v1/adjustments", nil, req, &out, opts)
}

// The catalog, usually set up by an agent over MCP.

// CreateProduct creates a product with version 1 and its prices; the same
// code and definition again answers the existing product.
func (c *Client) CreateProduct(ctx context.Context, req CreateProductRequest, opts ...CallOption) (*Product, error) {
	var out Product
	return &out, c.do(ctx, http.MethodPost, "/v1/products", nil, req, &out, opts)
}

// GetProduct reads a product by id or code.
func (c *Client) GetProduct(ctx context.Context, id string) (*Product, error) {
	var out Product
	return &out, c.do(ctx, http.MethodGet, "/v1/products/"+url.PathEscape(id), nil, nil, &out, nil)
}

// ListProducts lists the products, newest first.
func (c *Client) ListProducts(ctx context.Context, p ListParams) (*ProductList, error) {
	var out ProductList
	return &out, c.do(ctx, http.MethodGet, "/v1/products", p.query(), nil, &out, nil)
}

// SimulateUsage prices a hypothetical event of a product; nothing is
// recorded.
func (c *Client) SimulateUsage(ctx context.Context, product string, req SimulateRequest) (*Simulation, error) {
	var out Simulation
	return &out, c.do(ctx, http.MethodPost, "/v1/products/"+url.PathEscape(product)+"/simulate", nil, req, &out, nil)
}

package stripe

import (
	"github.com/tollgatehq/tollgate/payments"
	"html/template"
	"net/http"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"
)

// Handler serves the test provider's pages; mount it at "/pay/test/":
//
//	GET/POST /pay/test/{checkout_id}               the checkout: amount, card number, Pay, Cancel
//	GET/POST /pay/test/authenticate/{payment_id}   the "bank" page of a card that asks for authentication
//
// The pages are server-rendered, without JavaScript. A payment's events are
// delivered before the customer is redirected, so the success URL already
// sees the wallet credited.
func (p *TestProvider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pay/test/{id}", p.getCheckout)
	mux.HandleFunc("POST /pay/test/{id}", p.postCheckout)
	mux.HandleFunc("GET /pay/test/authenticate/{id}", p.getAuthenticate)
	mux.HandleFunc("POST /pay/test/authenticate/{id}", p.postAuthenticate)
	return mux
}

var testPages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · Tollgate test payment</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;font-weight:600}.note{color:#666;font-size:.9rem}.error{color:#b00020;font-weight:600}
input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box}button{font:inherit;padding:.5rem 1.2rem;margin:.5rem .5rem 0 0}</style></head>
<body><p class="note">TEST MODE · no real money moves</p><h1>{{.Title}}</h1>
{{with .Amount}}<p class="amount">{{.}}</p>{{end}}{{with .Description}}<p>{{.}}</p>{{end}}
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}{{with .Message}}<p>{{.}}</p>{{end}}
{{if eq .Form "checkout"}}<form method="post" action="{{.Action}}">
<label for="card">Card number</label><input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" value="{{.Card}}">
<button type="submit" name="action" value="pay">Pay {{.Amount}}</button><button type="submit" name="action" value="cancel">Cancel</button></form>
<p class="note">Test cards: 4242 4242 4242 4242 succeeds · 4000 0000 0000 0002 is declined · 4000 0000 0000 9995 has insufficient funds · 4000 0025 0000 3155 asks for authentication.</p>
{{else if eq .Form "authenticate"}}<form method="post" action="{{.Action}}">
<button type="submit" name="action" value="complete">Complete authentication</button><button type="submit" name="action" value="fail">Fail authentication</button></form>
{{end}}{{with .Link}}<p><a href="{{.}}">Continue</a></p>{{end}}</body></html>
`))

type testPage struct {
	Title, Amount, Description, Error, Message, Form, Action, Card, Link string
}

func render(w http.ResponseWriter, status int, page testPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = testPages.Execute(w, page) // a failed write is the client gone
}

func (p *TestProvider) checkoutPage(c *testCheckout, card, errMsg string) testPage {
	return testPage{
		Title: "Pay", Amount: payments.FormatAmount(c.amount), Description: description(c.in.Description, c.amount),
		Error: errMsg, Form: "checkout", Action: "/pay/test/" + c.id, Card: card,
	}
}

// lookup returns a checkout, refreshed for its expiry time.
func (p *TestProvider) lookup(id string) (*testCheckout, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.checkouts[id]
	if ok && c.status == "open" && !p.now().Before(c.expiresAt) {
		c.status = "expired"
	}
	return c, ok
}

func notFound(w http.ResponseWriter) {
	render(w, http.StatusNotFound, testPage{Title: "No such checkout", Message: "This test checkout does not exist, or was created by another Tollgate process or before a restart. Start the top-up again."})
}

func (p *TestProvider) getCheckout(w http.ResponseWriter, r *http.Request) {
	c, ok := p.lookup(r.PathValue("id"))
	switch {
	case !ok:
		notFound(w)
	case c.status == "complete":
		render(w, http.StatusOK, testPage{Title: "Paid", Amount: payments.FormatAmount(c.amount), Message: "This checkout is paid.", Link: successURL(c)})
	case c.status == "expired":
		render(w, http.StatusGone, testPage{Title: "Expired", Message: "This checkout has expired. Start the top-up again.", Link: c.in.CancelURL})
	default:
		render(w, http.StatusOK, p.checkoutPage(c, "", ""))
	}
}

func successURL(c *testCheckout) string {
	return strings.ReplaceAll(c.in.SuccessURL, "{CHECKOUT_SESSION_ID}", c.id)
}

func (p *TestProvider) postCheckout(w http.ResponseWriter, r *http.Request) {
	c, ok := p.lookup(r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	if r.PostFormValue("action") == "cancel" {
		// Stripe sends no event for a cancel: the session stays open
		// until it expires, and the customer lands on the cancel URL.
		http.Redirect(w, r, c.in.CancelURL, http.StatusSeeOther)
		return
	}
	if c.status != "open" {
		p.getCheckout(w, r)
		return
	}
	number := r.PostFormValue("card")
	card, ok := testCards[cardDigits(number)]
	if !ok {
		render(w, http.StatusUnprocessableEntity, p.checkoutPage(c, number, "Your card number is incorrect. Use one of the test cards below."))
		return
	}
	pay := p.newCheckoutPayment(c, card)
	switch {
	case card.authenticate:
		if err := p.send(r.Context(), p.paymentEvent(pay, stripego.EventTypePaymentIntentRequiresAction, testCard{})); err != nil {
			p.deliveryFailed(w, err)
			return
		}
		http.Redirect(w, r, "/pay/test/authenticate/"+pay.id, http.StatusSeeOther)
	case card.code != "":
		if err := p.send(r.Context(), p.paymentEvent(pay, stripego.EventTypePaymentIntentPaymentFailed, card)); err != nil {
			p.deliveryFailed(w, err)
			return
		}
		render(w, http.StatusPaymentRequired, p.checkoutPage(c, number, card.message))
	default:
		p.complete(w, r, pay)
	}
}

// newCheckoutPayment starts the PaymentIntent of one attempt to pay a
// checkout.
func (p *TestProvider) newCheckoutPayment(c *testCheckout, card testCard) *testPayment {
	pay := &testPayment{
		id: "pi_test_" + randomID(), customer: c.in.CustomerID, paymentMethod: newPaymentMethodID(card),
		amount: c.amount, meta: metadata(c.in.TopUpID, c.in.Account, c.in.Mode), checkout: c,
	}
	switch {
	case card.authenticate:
		pay.status = stripego.PaymentIntentStatusRequiresAction
	case card.code != "":
		pay.status = stripego.PaymentIntentStatusRequiresPaymentMethod
	default:
		pay.status = stripego.PaymentIntentStatusSucceeded
	}
	p.mu.Lock()
	p.payments[pay.id] = pay
	p.mu.Unlock()
	return pay
}

// complete marks a paid checkout complete, delivers checkout.session.completed
// and payment_intent.succeeded, and sends the customer to the success URL.
// A second completion of the same checkout (the first delivery failed, the
// customer submitted again) redelivers the same events.
func (p *TestProvider) complete(w http.ResponseWriter, r *http.Request, pay *testPayment) {
	c := pay.checkout
	p.mu.Lock()
	pay.status = stripego.PaymentIntentStatusSucceeded
	if c.status == "open" {
		c.status = "complete"
		c.delivered = [][]byte{
			p.checkoutEvent(c, stripego.EventTypeCheckoutSessionCompleted, pay),
			p.paymentEvent(pay, stripego.EventTypePaymentIntentSucceeded, testCard{}),
		}
	}
	events := c.delivered
	p.mu.Unlock()
	for _, e := range events {
		if err := p.send(r.Context(), e); err != nil {
			p.deliveryFailed(w, err)
			return
		}
	}
	http.Redirect(w, r, successURL(c), http.StatusSeeOther)
}

func (p *TestProvider) deliveryFailed(w http.ResponseWriter, err error) {
	p.log.Error("test payment event not delivered", "error", err)
	render(w, http.StatusBadGateway, testPage{Title: "Not recorded", Error: "Tollgate did not record this test payment. Go back and submit again: the same payment is sent again, never twice."})
}

// payment returns a payment and its status, read under the lock.
func (p *TestProvider) payment(id string) (*testPayment, stripego.PaymentIntentStatus, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pay, ok := p.payments[id]
	if !ok {
		return nil, "", false
	}
	return pay, pay.status, true
}

func (p *TestProvider) getAuthenticate(w http.ResponseWriter, r *http.Request) {
	pay, status, ok := p.payment(r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	if status != stripego.PaymentIntentStatusRequiresAction {
		render(w, http.StatusConflict, testPage{Title: "Nothing to authenticate", Message: "This payment does not need authentication."})
		return
	}
	render(w, http.StatusOK, testPage{
		Title: "Authenticate this payment", Amount: payments.FormatAmount(pay.amount),
		Message: "Your bank asks you to confirm this payment.", Form: "authenticate", Action: "/pay/test/authenticate/" + pay.id,
	})
}

func (p *TestProvider) postAuthenticate(w http.ResponseWriter, r *http.Request) {
	pay, status, ok := p.payment(r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	// A completed checkout's authentication may be submitted again, to
	// redeliver its events.
	if status != stripego.PaymentIntentStatusRequiresAction && !(pay.checkout != nil && status == stripego.PaymentIntentStatusSucceeded) {
		p.getAuthenticate(w, r)
		return
	}
	if r.PostFormValue("action") != "complete" {
		failure := testCard{code: "payment_intent_authentication_failure", message: "The payment could not be authenticated."}
		p.mu.Lock()
		pay.status = stripego.PaymentIntentStatusRequiresPaymentMethod
		event := p.paymentEvent(pay, stripego.EventTypePaymentIntentPaymentFailed, failure)
		p.mu.Unlock()
		if err := p.send(r.Context(), event); err != nil {
			p.deliveryFailed(w, err)
			return
		}
		if pay.checkout != nil {
			render(w, http.StatusPaymentRequired, p.checkoutPage(pay.checkout, "", failure.message))
			return
		}
		render(w, http.StatusOK, testPage{Title: "Not authenticated", Error: failure.message})
		return
	}
	if pay.checkout != nil {
		p.complete(w, r, pay)
		return
	}
	p.mu.Lock()
	pay.status = stripego.PaymentIntentStatusSucceeded
	event := p.paymentEvent(pay, stripego.EventTypePaymentIntentSucceeded, testCard{})
	p.mu.Unlock()
	if err := p.send(r.Context(), event); err != nil {
		p.deliveryFailed(w, err)
		return
	}
	render(w, http.StatusOK, testPage{Title: "Payment authenticated", Amount: payments.FormatAmount(pay.amount), Message: "Thank you. You can close this page."})
}

package console

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// youPage is the signed-in operator's own sign-in: password, second
// factor, sessions.
type youPage struct {
	base
	Name        string
	HasPassword bool
	HasTOTP     bool
	Enrolment   *enrolment
	Sessions    []sessionRow
	Current     string
}

// enrolment is a second factor being set up: its QR code and seed.
type enrolment struct {
	QR     template.URL // a data: URL of the QR code's PNG
	Secret string
}

type sessionRow struct {
	ID, Email, Method, Started, LastSeen, Ends, Agent, Mode string
	Current                                                 bool
}

func (c *Console) you(w http.ResponseWriter, r *request) error {
	return c.youPage(w, r, http.StatusOK, nil)
}

func (c *Console) youPage(w http.ResponseWriter, r *request, status int, enr *enrolment) error {
	b, err := c.layout(r, "", "Your sign-in")
	if err != nil {
		return err
	}
	sess, err := c.svc.Operators.Session(r.ctx, r.token) // fresh: a form just changed it
	if err != nil {
		return err
	}
	p := youPage{base: b, Name: sess.Name, HasPassword: sess.HasPassword, HasTOTP: sess.HasTOTP, Enrolment: enr, Current: sess.ID}
	list, err := c.svc.Operators.Sessions(r.ctx, billing.ListSessionsInput{Operator: sess.OperatorID})
	if err != nil {
		return err
	}
	for _, s := range list {
		p.Sessions = append(p.Sessions, sessionRowOf(s, sess.ID))
	}
	c.render(w, status, "you", p)
	return nil
}

func sessionRowOf(s billing.OperatorSession, current string) sessionRow {
	method := "Sign-in link"
	if s.Method == "password" {
		method = "Password"
	}
	if s.FactorPending {
		method += " (code not entered)"
	}
	return sessionRow{ID: s.ID, Email: s.Email, Method: method, Started: dateTime(s.CreatedAt), LastSeen: ago(s.LastSeenAt), Ends: dateTime(s.ExpiresAt),
		Agent: browserOf(s.UserAgent), Mode: string(s.Mode), Current: s.ID == current}
}

// browserOf names a browser from its User-Agent, roughly, for people
// telling their sessions apart.
func browserOf(ua string) string {
	for _, b := range []struct{ key, name string }{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"HeadlessChrome", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}} {
		if bytes.Contains([]byte(ua), []byte(b.key)) {
			return b.name
		}
	}
	if ua == "" {
		return "Unknown"
	}
	return "Other"
}

func (c *Console) setPassword(w http.ResponseWriter, r *request) error {
	pw, again := r.PostFormValue("password"), r.PostFormValue("password_again")
	switch err := c.svc.Operators.SetPassword(r.ctx, r.sess, pw); {
	case pw != again:
		r.alert = alert{Kind: "error", Text: "The two passwords differ; type the same one twice."}
	case kernel.ErrorCode(err) == kernel.EInvalid:
		r.alert = alert{Kind: "error", Text: sentence(kernel.ErrorMessage(err))}
	case err != nil:
		return err
	default:
		r.alert = alert{Kind: "ok", Text: "Password set. Your other sessions were signed out; sign in with your email and this password from now on."}
		return c.youPage(w, r, http.StatusOK, nil)
	}
	return c.youPage(w, r, http.StatusUnprocessableEntity, nil)
}

func (c *Console) startTOTP(w http.ResponseWriter, r *request) error {
	enr, err := c.svc.Operators.StartTOTP(r.ctx, r.sess)
	if err != nil {
		return err
	}
	key, err := otp.NewKeyFromURL(enr.URL)
	if err != nil {
		return err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	qr := template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())) // our own PNG, base64: nothing to escape
	r.alert = alert{Kind: "ok", Text: "Scan the code with your authenticator app, then enter the 6 digits it shows to turn the second factor on."}
	return c.youPage(w, r, http.StatusOK, &enrolment{QR: qr, Secret: enr.Secret})
}

func (c *Console) confirmTOTP(w http.ResponseWriter, r *request) error {
	err := c.svc.Operators.ConfirmTOTP(r.ctx, r.sess, r.PostFormValue("code"))
	switch kernel.ErrorCode(err) {
	case "":
		r.alert = alert{Kind: "ok", Text: "Second factor on: every sign-in now asks for a code from your authenticator app."}
		return c.youPage(w, r, http.StatusOK, nil)
	case kernel.EUnauthorized, kernel.EInvalid:
		r.alert = alert{Kind: "error", Text: sentence(kernel.ErrorMessage(err)) + " Start again if the code keeps failing."}
		return c.youPage(w, r, http.StatusUnprocessableEntity, nil)
	}
	return err
}

func (c *Console) disableTOTP(w http.ResponseWriter, r *request) error {
	err := c.svc.Operators.DisableTOTP(r.ctx, r.sess, r.PostFormValue("code"))
	switch kernel.ErrorCode(err) {
	case "":
		r.alert = alert{Kind: "ok", Text: "Second factor off."}
		return c.youPage(w, r, http.StatusOK, nil)
	case kernel.EUnauthorized, kernel.EInvalid:
		r.alert = alert{Kind: "error", Text: sentence(kernel.ErrorMessage(err))}
		return c.youPage(w, r, http.StatusUnprocessableEntity, nil)
	}
	return err
}

// revokeOwnSession ends another of the operator's own sessions.
func (c *Console) revokeOwnSession(w http.ResponseWriter, r *request) error {
	list, err := c.svc.Operators.Sessions(r.ctx, billing.ListSessionsInput{Operator: r.sess.OperatorID})
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	for _, s := range list {
		if s.ID == id {
			if err := c.svc.Operators.RevokeSession(r.ctx, id, ""); err != nil {
				return err
			}
			r.alert = alert{Kind: "ok", Text: "Signed that session out."}
			return c.youPage(w, r, http.StatusOK, nil)
		}
	}
	return kernel.NotFoundf("session", "you have no open session %s", id)
}

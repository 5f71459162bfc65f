package billing

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
)

// Operators are the people who sign in to the console: each belongs to one
// or more accounts with a role in each, signs in with a single-use link
// (an invitation is one) or a password, and may add a TOTP second factor.
// Their sessions are rows read on every request, so ending one takes effect
// at the next request on every server.
type Operators struct{ *core }

// Role is what an operator may do in an account.
type Role string

// The roles, from most to least.
const (
	// RoleOwner changes everything, including the account's operators, its
	// API keys and its name.
	RoleOwner Role = "owner"
	// RoleAdmin moves money (gifts, corrections, refunds) and changes
	// settings (branding, webhooks), but not operators, keys or the account.
	RoleAdmin Role = "admin"
	// RoleViewer reads everything and changes nothing.
	RoleViewer Role = "viewer"
)

// CanChange reports whether the role may move money and change settings.
func (r Role) CanChange() bool { return r == RoleOwner || r == RoleAdmin }

// CanManage reports whether the role may manage operators, API keys and the
// account itself.
func (r Role) CanManage() bool { return r == RoleOwner }

func checkRole(r Role) error {
	if r != RoleOwner && r != RoleAdmin && r != RoleViewer {
		return kernel.Invalidf("role", "role must be owner, admin or viewer; got %q", r)
	}
	return nil
}

// Lifetimes of what an operator signs in with.
const (
	// OperatorLinkTTL is how long a sign-in link (or an invitation) may
	// wait to be opened; it opens once.
	OperatorLinkTTL = 15 * time.Minute
	// OperatorSessionTTL is how long a console session lasts at most.
	OperatorSessionTTL = 12 * time.Hour
)

// Password bounds: bcrypt reads at most 72 bytes.
const (
	minPasswordLen = 12
	maxPasswordLen = 72
)

// Operator is a person as one account sees them: who, their role there,
// and how they sign in (never the secrets themselves).
type Operator struct {
	ID          string
	Email       string
	Name        string
	AccountID   string
	Role        Role
	HasPassword bool
	HasTOTP     bool
	JoinedAt    time.Time
}

// OperatorAccount is one account an operator belongs to.
type OperatorAccount struct {
	ID, Name string
	Role     Role
}

// OperatorLink is a single-use sign-in link's secret and what it opens. The
// token is shown once (the surface makes it a URL) and stored hashed.
type OperatorLink struct {
	Token      string
	OperatorID string
	AccountID  string
	ExpiresAt  time.Time
}

// OperatorSession is a console session: who is signed in, the account and
// mode they work in and their role there.
type OperatorSession struct {
	ID          string
	OperatorID  string
	Email       string
	Name        string
	AccountID   string
	AccountName string
	Mode        Mode
	Role        Role
	// Method is how it began: "link" or "password".
	Method string
	// FactorPending: signed in, but the TOTP code is still owed; such a
	// session may only send the code.
	FactorPending bool
	HasPassword   bool
	HasTOTP       bool
	UserAgent     string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time
}

// Caller is the caller a session's requests read and write as: its account
// and mode, read-only for a viewer.
func (s OperatorSession) Caller() Caller {
	c := Caller{AccountID: s.AccountID, Mode: s.Mode, Scope: ScopeFull}
	if !s.Role.CanChange() {
		c.Scope = ScopeReadOnly
	}
	return c
}

// InviteOperatorInput adds a person to an account.
type InviteOperatorInput struct {
	Account string // account id
	Email   string
	Name    string // optional, kept when the person exists
	Role    Role
}

// normalEmail checks and lower-cases an email address.
func normalEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", kernel.Invalidf("email", "email must be one plain address such as ana@example.com")
	}
	return s, nil
}

// Invite makes the person with this email an operator of the account with
// the role (creating the person when new) and returns a sign-in link for
// them. Inviting again with the same role only makes a new link (existed is
// true); with another role it is EConflict (SetRole changes a role).
// Returns EInvalid, ENotFound (the account), EConflict.
func (s *Operators) Invite(ctx context.Context, in InviteOperatorInput) (op Operator, link OperatorLink, existed bool, err error) {
	email, err := normalEmail(in.Email)
	if err != nil {
		return Operator{}, OperatorLink{}, false, err
	}
	if err := checkRole(in.Role); err != nil {
		return Operator{}, OperatorLink{}, false, err
	}
	if in.Name = strings.TrimSpace(in.Name); utf8.RuneCountInString(in.Name) > 100 {
		return Operator{}, OperatorLink{}, false, kernel.Invalidf("name", "name must be at most 100 characters")
	}
	if err := s.accountExists(ctx, in.Account); err != nil {
		return Operator{}, OperatorLink{}, false, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		now := s.clock()
		db := TranslateErrors(tx)
		if _, err := queries.InsertOperator(ctx, db, dbsqlc.InsertOperatorParams{ID: kernel.NewID(prefixOperator, now), Email: email, Name: in.Name, CreatedAt: now}); err != nil {
			return err
		}
		row, err := queries.GetOperatorByEmail(ctx, db, email)
		if err != nil {
			return err
		}
		m, err := queries.GetMembership(ctx, db, dbsqlc.GetMembershipParams{AccountID: in.Account, OperatorID: row.ID})
		existed = err == nil
		joined := now
		switch {
		case err == nil && Role(m.Role) != in.Role:
			return kernel.Errorf(kernel.EConflict, "%s is already an operator of account %s with role %s; change the role instead of inviting again", email, in.Account, m.Role)
		case kernel.ErrorCode(err) == kernel.ENotFound:
			if err := queries.InsertMembership(ctx, db, dbsqlc.InsertMembershipParams{AccountID: in.Account, OperatorID: row.ID, Role: string(in.Role), CreatedAt: now}); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			joined = m.CreatedAt
		}
		op = Operator{ID: row.ID, Email: row.Email, Name: row.Name, AccountID: in.Account, Role: in.Role,
			HasPassword: row.PasswordHash != nil, HasTOTP: row.TotpEnabledAt != nil, JoinedAt: joined}
		link, err = s.newLink(ctx, db, row.ID, in.Account, now)
		return err
	})
	if err != nil {
		return Operator{}, OperatorLink{}, false, err
	}
	return op, link, existed, nil
}

func (s *Operators) accountExists(ctx context.Context, id string) error {
	if strings.TrimSpace(id) == "" {
		return kernel.Invalidf("account", "account is required: an account id such as acct_…")
	}
	_, err := queries.GetAccount(ctx, TranslateErrors(s.pool), id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return kernel.NotFoundf("account", "account %s not found", id)
	}
	return err
}

// newLink stores a fresh link's hash and returns its token.
func (s *Operators) newLink(ctx context.Context, db DBTX, operatorID, accountID string, now time.Time) (OperatorLink, error) {
	token := "tgl_" + randomToken()
	l := OperatorLink{Token: token, OperatorID: operatorID, AccountID: accountID, ExpiresAt: now.Add(OperatorLinkTTL)}
	if err := queries.DeleteExpiredOperatorLinks(ctx, db, now.Add(-time.Hour)); err != nil {
		return OperatorLink{}, err
	}
	return l, queries.InsertOperatorLink(ctx, db, dbsqlc.InsertOperatorLinkParams{ID: kernel.NewID(prefixOperatorLink, now), Hash: hashKey(token),
		OperatorID: operatorID, AccountID: accountID, CreatedAt: now, ExpiresAt: l.ExpiresAt})
}

func randomToken() string {
	var raw [24]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails
	return encodeBase32(raw[:])
}

// member returns an operator (by id or email) as a member of the account.
// Returns ENotFound (for anything else too: a path names no one).
func (s *Operators) member(ctx context.Context, db DBTX, account, ref string) (Operator, error) {
	var row dbsqlc.Operator
	var err error
	if strings.HasPrefix(ref, prefixOperator+"_") {
		row, err = queries.GetOperator(ctx, db, ref)
	} else {
		email, eerr := normalEmail(ref)
		if eerr != nil {
			return Operator{}, kernel.NotFoundf("operator", "%q is not an operator of account %s: name one by id (op_…) or email", ref, account)
		}
		row, err = queries.GetOperatorByEmail(ctx, db, email)
	}
	if err == nil {
		var m dbsqlc.OperatorMembership
		m, err = queries.GetMembership(ctx, db, dbsqlc.GetMembershipParams{AccountID: account, OperatorID: row.ID})
		if err == nil {
			return Operator{ID: row.ID, Email: row.Email, Name: row.Name, AccountID: account, Role: Role(m.Role),
				HasPassword: row.PasswordHash != nil, HasTOTP: row.TotpEnabledAt != nil, JoinedAt: m.CreatedAt}, nil
		}
	}
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Operator{}, kernel.NotFoundf("operator", "%s is not an operator of account %s", ref, account)
	}
	return Operator{}, err
}

// Get returns an operator (by id or email) of the account. Returns
// EInvalid, ENotFound.
func (s *Operators) Get(ctx context.Context, account, ref string) (Operator, error) {
	return s.member(ctx, TranslateErrors(s.pool), account, ref)
}

// SignInLink makes a new single-use sign-in link for an operator (by id or
// email) of the account. Returns ENotFound.
func (s *Operators) SignInLink(ctx context.Context, account, ref string) (Operator, OperatorLink, error) {
	db := TranslateErrors(s.pool)
	op, err := s.member(ctx, db, account, ref)
	if err != nil {
		return Operator{}, OperatorLink{}, err
	}
	link, err := s.newLink(ctx, db, op.ID, account, s.clock())
	return op, link, err
}

// List returns an account's operators by email. Returns ENotFound (the account).
func (s *Operators) List(ctx context.Context, account string) ([]Operator, error) {
	if err := s.accountExists(ctx, account); err != nil {
		return nil, err
	}
	rows, err := queries.ListAccountOperators(ctx, TranslateErrors(s.pool), account)
	if err != nil {
		return nil, err
	}
	ops := make([]Operator, len(rows))
	for i, r := range rows {
		ops[i] = Operator{ID: r.ID, Email: r.Email, Name: r.Name, AccountID: r.AccountID, Role: Role(r.Role),
			HasPassword: r.HasPassword, HasTOTP: r.HasTotp, JoinedAt: r.JoinedAt}
	}
	return ops, nil
}

// SetRole changes an operator's role in the account; the last owner stays
// an owner. Returns EInvalid, ENotFound, EConflict.
func (s *Operators) SetRole(ctx context.Context, account, ref string, role Role) (Operator, error) {
	if err := checkRole(role); err != nil {
		return Operator{}, err
	}
	var op Operator
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := TranslateErrors(tx)
		if err := queries.LockAccountOperators(ctx, db, account); err != nil {
			return err
		}
		var err error
		if op, err = s.member(ctx, db, account, ref); err != nil {
			return err
		}
		if op.Role == RoleOwner && role != RoleOwner {
			if err := s.keepAnOwner(ctx, db, account); err != nil {
				return err
			}
		}
		op.Role = role
		_, err = queries.SetMembershipRole(ctx, db, dbsqlc.SetMembershipRoleParams{AccountID: account, OperatorID: op.ID, Role: string(role)})
		return err
	})
	return op, err
}

// keepAnOwner refuses a change that would leave the account without an owner.
// Its callers hold the account's lock (LockAccountOperators), so two such
// changes cannot both pass.
func (s *Operators) keepAnOwner(ctx context.Context, db DBTX, account string) error {
	n, err := queries.CountOwners(ctx, db, account)
	if err != nil {
		return err
	}
	if n <= 1 {
		return kernel.Errorf(kernel.EConflict, "this is the only owner of account %s; make another operator an owner first", account)
	}
	return nil
}

// Remove takes an operator out of the account; their sessions in it end at
// once. The last owner cannot be removed. Returns ENotFound, EConflict.
func (s *Operators) Remove(ctx context.Context, account, ref string) (Operator, error) {
	var op Operator
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := TranslateErrors(tx)
		if err := queries.LockAccountOperators(ctx, db, account); err != nil {
			return err
		}
		var err error
		if op, err = s.member(ctx, db, account, ref); err != nil {
			return err
		}
		if op.Role == RoleOwner {
			if err := s.keepAnOwner(ctx, db, account); err != nil {
				return err
			}
		}
		if _, err := queries.DeleteMembership(ctx, db, dbsqlc.DeleteMembershipParams{AccountID: account, OperatorID: op.ID}); err != nil {
			return err
		}
		_, err = queries.RevokeOperatorSessionsIn(ctx, db, dbsqlc.RevokeOperatorSessionsInParams{OperatorID: op.ID, AccountID: account, Now: ptr(s.clock())})
		return err
	})
	return op, err
}

// Accounts lists the accounts an operator belongs to, by name.
func (s *Operators) Accounts(ctx context.Context, operatorID string) ([]OperatorAccount, error) {
	rows, err := queries.ListOperatorAccounts(ctx, TranslateErrors(s.pool), operatorID)
	if err != nil {
		return nil, err
	}
	out := make([]OperatorAccount, len(rows))
	for i, r := range rows {
		out[i] = OperatorAccount{ID: r.ID, Name: r.Name, Role: Role(r.Role)}
	}
	return out, nil
}

// LinkState says why a sign-in link did or did not open.
type LinkState int

// The states of a link.
const (
	LinkOpened  LinkState = iota // it opened a session
	LinkUnknown                  // no such link: mistyped, or made for another server
	LinkExpired                  // older than OperatorLinkTTL
	LinkUsed                     // opened before
	LinkRemoved                  // the operator is no longer a member of its account
)

// OpenLink exchanges a sign-in link's token for a session and returns the
// session's token (for a cookie; stored hashed). A link opens once, on any
// server; when the operator has a second factor, the session owes its code
// (FactorPending). The state says why a link did not open; err is only for
// failures.
func (s *Operators) OpenLink(ctx context.Context, token, userAgent string) (OperatorSession, string, LinkState, error) {
	if !strings.HasPrefix(token, "tgl_") || len(token) > 100 {
		return OperatorSession{}, "", LinkUnknown, nil
	}
	var sess OperatorSession
	var secret string
	state := LinkOpened
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := TranslateErrors(tx)
		now := s.clock()
		used, err := queries.UseOperatorLink(ctx, db, dbsqlc.UseOperatorLinkParams{Hash: hashKey(token), Now: ptr(now)})
		if kernel.ErrorCode(err) == kernel.ENotFound {
			state = LinkUnknown
			if l, err := queries.GetOperatorLinkByHash(ctx, db, hashKey(token)); err == nil {
				state = LinkUsed
				if l.UsedAt == nil {
					state = LinkExpired
				}
			}
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := queries.GetMembership(ctx, db, dbsqlc.GetMembershipParams{AccountID: used.AccountID, OperatorID: used.OperatorID}); kernel.ErrorCode(err) == kernel.ENotFound {
			state = LinkRemoved
			return nil
		} else if err != nil {
			return err
		}
		sess, secret, err = s.startSession(ctx, db, used.OperatorID, used.AccountID, "link", userAgent, now)
		return err
	})
	if err != nil || state != LinkOpened {
		return OperatorSession{}, "", state, err
	}
	return sess, secret, state, nil
}

// startSession opens a session in test mode of the account; it owes a code
// when the operator has turned a second factor on.
func (s *Operators) startSession(ctx context.Context, db DBTX, operatorID, accountID, method, userAgent string, now time.Time) (OperatorSession, string, error) {
	op, err := queries.GetOperator(ctx, db, operatorID)
	if err != nil {
		return OperatorSession{}, "", err
	}
	if len(userAgent) > 200 {
		userAgent = strings.ToValidUTF8(userAgent[:200], "")
	}
	secret := "tgs_" + randomToken()
	id := kernel.NewID(prefixOperatorSession, now)
	err = queries.InsertOperatorSession(ctx, db, dbsqlc.InsertOperatorSessionParams{ID: id, Hash: hashKey(secret), OperatorID: operatorID,
		AccountID: accountID, Mode: string(ModeTest), Method: method, FactorPending: op.TotpEnabledAt != nil, UserAgent: userAgent,
		CreatedAt: now, ExpiresAt: now.Add(OperatorSessionTTL)})
	if err != nil {
		return OperatorSession{}, "", err
	}
	sess, err := s.sessionByHash(ctx, db, hashKey(secret), now)
	return sess, secret, err
}

// dummyHash is compared against when no operator has the email, so a
// wrong email takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("tollgate: no such operator"), bcrypt.DefaultCost)

// errSignIn is the one answer to a wrong email or password: it says
// neither which.
var errSignIn = kernel.Errorf(kernel.EUnauthorized, "the email or the password is wrong")

// SignIn checks an operator's email and password and opens a session in the
// first of their accounts (by name). It owes a code when a second factor is
// on. Returns EUnauthorized (the same for a wrong email or password).
func (s *Operators) SignIn(ctx context.Context, email, password, userAgent string) (OperatorSession, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 || len(password) > maxPasswordLen {
		return OperatorSession{}, "", errSignIn
	}
	db := TranslateErrors(s.pool)
	op, err := queries.GetOperatorByEmail(ctx, db, email)
	if err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
		return OperatorSession{}, "", err
	}
	hash := dummyHash
	if err == nil && op.PasswordHash != nil {
		hash = []byte(*op.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || op.PasswordHash == nil {
		return OperatorSession{}, "", errSignIn
	}
	accts, err := s.Accounts(ctx, op.ID)
	if err != nil {
		return OperatorSession{}, "", err
	}
	if len(accts) == 0 {
		return OperatorSession{}, "", kernel.Errorf(kernel.EUnauthorized, "you are not an operator of any account any more; ask an owner to invite you")
	}
	return s.startSession(ctx, db, op.ID, accts[0].ID, "password", userAgent, s.clock())
}

// errNoSession is the answer for a session that is unknown, ended or
// revoked: the console asks to sign in again.
var errNoSession = kernel.Errorf(kernel.EUnauthorized, "your console session has ended; sign in again")

// Session returns the session a token opens, read from the database on
// every call, so a revoked session is refused at once on every server.
// Returns EUnauthorized for an unknown, expired or revoked session, or one
// whose operator is no longer a member of the account it works in.
func (s *Operators) Session(ctx context.Context, token string) (OperatorSession, error) {
	if !strings.HasPrefix(token, "tgs_") || len(token) > 100 {
		return OperatorSession{}, errNoSession
	}
	db := TranslateErrors(s.pool)
	now := s.clock()
	sess, err := s.sessionByHash(ctx, db, hashKey(token), now)
	if err != nil {
		return OperatorSession{}, err
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := queries.TouchOperatorSession(ctx, db, dbsqlc.TouchOperatorSessionParams{ID: sess.ID, LastSeenAt: now}); err != nil {
			return OperatorSession{}, err
		}
	}
	return sess, nil
}

func (s *Operators) sessionByHash(ctx context.Context, db DBTX, hash []byte, now time.Time) (OperatorSession, error) {
	r, err := queries.GetOperatorSessionByHash(ctx, db, hash)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return OperatorSession{}, errNoSession
	}
	if err != nil {
		return OperatorSession{}, err
	}
	if r.RevokedAt != nil || !now.Before(r.ExpiresAt) || r.Role == "" {
		return OperatorSession{}, errNoSession
	}
	return OperatorSession{ID: r.ID, OperatorID: r.OperatorID, Email: r.Email, Name: r.Name, AccountID: r.AccountID, AccountName: r.AccountName,
		Mode: Mode(r.Mode), Role: Role(r.Role), Method: r.Method, FactorPending: r.FactorPending, HasPassword: r.HasPassword, HasTOTP: r.HasTotp,
		UserAgent: r.UserAgent, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt}, nil
}

// totpOpts are the parameters every authenticator app uses by default.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchCode returns the 30-second step a code belongs to (the current one
// or one either side, for clocks apart), or false.
func matchCode(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	for _, d := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(d) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / 30, true
		}
	}
	return 0, false
}

// acceptCode checks a code against the operator's seed, once: a code whose
// step was already accepted is refused (a code seen over a shoulder cannot
// be replayed). enabled says the second factor must already be on. It runs
// in tx, holding the operator's row.
func (s *Operators) acceptCode(ctx context.Context, db DBTX, operatorID, code string, enabled bool, now time.Time) (bool, error) {
	t, err := queries.GetOperatorTOTP(ctx, db, operatorID)
	if err != nil {
		return false, err
	}
	if t.TotpSecret == nil || (enabled && t.TotpEnabledAt == nil) {
		return false, kernel.Invalidf("code", "no second factor is set up")
	}
	step, ok := matchCode(*t.TotpSecret, code, now)
	if !ok || (t.TotpLastStep != nil && step <= *t.TotpLastStep) {
		return false, nil
	}
	return true, queries.AcceptOperatorTOTP(ctx, db, dbsqlc.AcceptOperatorTOTPParams{ID: operatorID, TotpLastStep: &step, UpdatedAt: now})
}

// VerifyCode takes the TOTP code a session owes. A wrong code is
// EUnauthorized; the fifth ends the session. Returns the session, no longer
// pending.
func (s *Operators) VerifyCode(ctx context.Context, token, code string) (OperatorSession, error) {
	sess, err := s.Session(ctx, token)
	if err != nil {
		return OperatorSession{}, err
	}
	if !sess.FactorPending {
		return sess, nil
	}
	var ok bool
	err = s.tx(ctx, func(tx pgx.Tx) error {
		db := TranslateErrors(tx)
		now := s.clock()
		if ok, err = s.acceptCode(ctx, db, sess.OperatorID, code, true, now); err != nil || !ok {
			return err
		}
		_, err = queries.ClearSessionFactor(ctx, db, sess.ID)
		return err
	})
	if err != nil {
		return OperatorSession{}, err
	}
	if !ok {
		n, err := queries.FailSessionCode(ctx, TranslateErrors(s.pool), dbsqlc.FailSessionCodeParams{ID: sess.ID, Now: s.clock()})
		if err != nil {
			return OperatorSession{}, err
		}
		if n >= 5 {
			return OperatorSession{}, kernel.Errorf(kernel.EUnauthorized, "five wrong codes: this sign-in has ended; sign in again")
		}
		return OperatorSession{}, kernel.Errorf(kernel.EUnauthorized, "the code is wrong or was used already; enter the 6 digits your authenticator app shows now")
	}
	sess.FactorPending = false
	return sess, nil
}

// SetPassword sets the signed-in operator's password (12 to 72 bytes) and
// ends their other sessions. Returns EInvalid.
func (s *Operators) SetPassword(ctx context.Context, sess OperatorSession, password string) error {
	if len(password) < minPasswordLen || len(password) > maxPasswordLen || !utf8.ValidString(password) {
		return kernel.Invalidf("password", "a password must be 12 to 72 bytes long")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	h := string(hash)
	return s.tx(ctx, func(tx pgx.Tx) error {
		db := TranslateErrors(tx)
		now := s.clock()
		if err := queries.SetOperatorPassword(ctx, db, dbsqlc.SetOperatorPasswordParams{ID: sess.OperatorID, PasswordHash: &h, UpdatedAt: now}); err != nil {
			return err
		}
		_, err := queries.RevokeOperatorSessions(ctx, db, dbsqlc.RevokeOperatorSessionsParams{OperatorID: sess.OperatorID, ExceptID: &sess.ID, Now: ptr(now)})
		return err
	})
}

// TOTPEnrolment is a new second factor waiting for its first code: the seed
// and the otpauth:// URL an authenticator app reads (as a QR code).
type TOTPEnrolment struct {
	Secret string
	URL    string
}

// StartTOTP makes a new TOTP seed for the signed-in operator; the second
// factor is on once ConfirmTOTP takes a code from it. Returns EConflict
// when one is on already (turn it off first).
func (s *Operators) StartTOTP(ctx context.Context, sess OperatorSession) (TOTPEnrolment, error) {
	if sess.HasTOTP {
		return TOTPEnrolment{}, kernel.Errorf(kernel.EConflict, "a second factor is on already; turn it off first to set up another")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Tollgate", AccountName: sess.Email, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	secret := key.Secret()
	err = queries.StartOperatorTOTP(ctx, TranslateErrors(s.pool), dbsqlc.StartOperatorTOTPParams{ID: sess.OperatorID, TotpSecret: &secret, UpdatedAt: s.clock()})
	return TOTPEnrolment{Secret: secret, URL: key.URL()}, err
}

// ConfirmTOTP turns the second factor on with a first code from the seed
// StartTOTP made. Returns EInvalid (no enrolment), EUnauthorized (a wrong
// code).
func (s *Operators) ConfirmTOTP(ctx context.Context, sess OperatorSession, code string) error {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		ok, err = s.acceptCode(ctx, TranslateErrors(tx), sess.OperatorID, code, false, s.clock())
		return err
	})
	if err == nil && !ok {
		err = kernel.Errorf(kernel.EUnauthorized, "the code is wrong; enter the 6 digits your authenticator app shows now for Tollgate")
	}
	return err
}

// DisableTOTP turns the second factor off; it takes a current code.
// Returns EInvalid, EUnauthorized.
func (s *Operators) DisableTOTP(ctx context.Context, sess OperatorSession, code string) error {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := TranslateErrors(tx)
		now := s.clock()
		var err error
		if ok, err = s.acceptCode(ctx, db, sess.OperatorID, code, true, now); err != nil || !ok {
			return err
		}
		return queries.DisableOperatorTOTP(ctx, db, dbsqlc.DisableOperatorTOTPParams{ID: sess.OperatorID, UpdatedAt: now})
	})
	if err == nil && !ok {
		err = kernel.Errorf(kernel.EUnauthorized, "the code is wrong or was used already")
	}
	return err
}

// SwitchTo moves a session to another account the operator belongs to
// and to a mode. Returns EInvalid, ENotFound (not a member).
func (s *Operators) SwitchTo(ctx context.Context, sess OperatorSession, account string, mode Mode) error {
	if mode != ModeTest && mode != ModeLive {
		return kernel.Invalidf("mode", "mode must be test or live")
	}
	db := TranslateErrors(s.pool)
	if _, err := queries.GetMembership(ctx, db, dbsqlc.GetMembershipParams{AccountID: account, OperatorID: sess.OperatorID}); err != nil {
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.NotFoundf("account", "you are not an operator of account %s", account)
		}
		return err
	}
	n, err := queries.SetOperatorSessionPlace(ctx, db, dbsqlc.SetOperatorSessionPlaceParams{ID: sess.ID, AccountID: account, Mode: string(mode)})
	if err == nil && n == 0 {
		err = errNoSession
	}
	return err
}

// ListSessionsInput selects sessions: of one operator, or of every operator
// of one account (either may be empty: the CLI lists every session).
type ListSessionsInput struct {
	Operator string // operator id
	Account  string
	All      bool // include ended and revoked ones
}

// maxListedSessions bounds a list of sessions.
const maxListedSessions = 200

// Sessions lists sessions, newest first, at most 200.
func (s *Operators) Sessions(ctx context.Context, in ListSessionsInput) ([]OperatorSession, error) {
	rows, err := queries.ListOperatorSessions(ctx, TranslateErrors(s.pool), dbsqlc.ListOperatorSessionsParams{OperatorID: nullable(in.Operator),
		AccountID: nullable(in.Account), AllSessions: in.All, Now: s.clock(), MaxRows: maxListedSessions})
	if err != nil {
		return nil, err
	}
	out := make([]OperatorSession, len(rows))
	for i, r := range rows {
		out[i] = OperatorSession{ID: r.ID, OperatorID: r.OperatorID, Email: r.Email, AccountID: r.AccountID, Mode: Mode(r.Mode), Method: r.Method,
			FactorPending: r.FactorPending, UserAgent: r.UserAgent, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt}
	}
	return out, nil
}

// RevokeSession ends a session at once, on every server (each reads the
// session on every request). account, when set, limits it to sessions of
// that account's operators. Revoking again is a no-op. Returns ENotFound.
func (s *Operators) RevokeSession(ctx context.Context, id, account string) error {
	db := TranslateErrors(s.pool)
	r, err := queries.GetOperatorSession(ctx, db, id)
	if err == nil && account != "" {
		_, err = queries.GetMembership(ctx, db, dbsqlc.GetMembershipParams{AccountID: account, OperatorID: r.OperatorID})
	}
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return kernel.NotFoundf("session", "session %s not found", id)
	}
	if err != nil {
		return err
	}
	_, err = queries.RevokeOperatorSession(ctx, db, dbsqlc.RevokeOperatorSessionParams{ID: id, RevokedAt: ptr(s.clock())})
	return err
}

// SignOut ends the session a token opens; an unknown one is no error.
func (s *Operators) SignOut(ctx context.Context, token string) error {
	sess, err := s.Session(ctx, token)
	if errors.Is(err, errNoSession) || kernel.ErrorCode(err) == kernel.EUnauthorized {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = queries.RevokeOperatorSession(ctx, TranslateErrors(s.pool), dbsqlc.RevokeOperatorSessionParams{ID: sess.ID, RevokedAt: ptr(s.clock())})
	return err
}

func ptr[T any](v T) *T { return &v }

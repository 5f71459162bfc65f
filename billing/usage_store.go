package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// The queue* functions below stay hand-written pgx, not sqlc: each queues its
// statement on the recorder's or authorizer's pgx.Batch, whose statements go
// to the server in one round trip (with BEGIN and COMMIT on a pipeTx) and
// whose results are read in order by the callbacks they register. sqlc's
// generated methods each run one statement and wait for its answer.

const authorizationColumns = `id, idempotency_key, customer_id, wallet_id, event_type, asset,
	(SELECT precision FROM assets s WHERE s.account_id = authorizations.account_id AND s.mode = authorizations.mode AND s.code = authorizations.asset),
	amount, status, decline_reason,
	coalesce(available, 0), expires_at, captured_amount, coalesce(event_id, ''), settled_at, created_at, request_hash`

func scanAuthorization(row pgx.Row) (Authorization, []byte, error) {
	var a Authorization
	var hash []byte
	err := row.Scan(&a.ID, &a.IdempotencyKey, &a.CustomerID, &a.WalletID, &a.EventType, &a.Asset, &a.Precision, &a.Amount, &a.Status, &a.DeclineReason,
		&a.Available, &a.ExpiresAt, &a.CapturedAmount, &a.EventID, &a.SettledAt, &a.CreatedAt, &hash)
	return a, hash, Translate(err)
}

// queueAuthorizationByKey finds an authorization by idempotency key.
func queueAuthorizationByKey(batch *pgx.Batch, c Caller, key string, out *Authorization, hash *[]byte, found *bool) {
	batch.Queue(`SELECT `+authorizationColumns+` FROM authorizations WHERE account_id = $1 AND mode = $2 AND idempotency_key = $3`,
		c.AccountID, c.Mode, key).Query(func(rows pgx.Rows) error {
		if !rows.Next() {
			return rows.Err()
		}
		a, h, err := scanAuthorization(rows)
		*out, *hash, *found = a, h, err == nil
		return err
	})
}

// queueInsertAuthorization stores a decision unless the key already has one.
func queueInsertAuthorization(batch *pgx.Batch, c Caller, a Authorization, hash []byte, estimate map[string]any) (*bool, error) {
	var est []byte
	if estimate != nil {
		var err error
		if est, err = json.Marshal(estimate); err != nil {
			return nil, kernel.Invalidf("data", "data must be a JSON object")
		}
	}
	inserted := new(bool)
	batch.Queue(`INSERT INTO authorizations (id, account_id, mode, idempotency_key, request_hash, customer_id, wallet_id, asset,
		amount, status, decline_reason, available, event_type, estimate, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (account_id, mode, idempotency_key) DO NOTHING`,
		a.ID, c.AccountID, c.Mode, a.IdempotencyKey, hash, a.CustomerID, a.WalletID, a.Asset, a.Amount, a.Status, a.DeclineReason,
		a.Available, a.EventType, est, a.ExpiresAt, a.CreatedAt).
		Exec(func(ct pgconn.CommandTag) error { *inserted = ct.RowsAffected() == 1; return nil })
	return inserted, nil
}

// authorizationFromRow maps an authorization read (queries/usage.sql: its
// reads share GetAuthorizationRow's columns) to an Authorization and its
// request hash.
func authorizationFromRow(r dbsqlc.GetAuthorizationRow) (Authorization, []byte) {
	return Authorization{ID: r.ID, IdempotencyKey: r.IdempotencyKey, CustomerID: r.CustomerID, WalletID: r.WalletID, EventType: r.EventType,
		Asset: r.Asset, Precision: r.Precision, Amount: r.Amount, Status: r.Status, DeclineReason: r.DeclineReason, Available: r.Available,
		ExpiresAt: r.ExpiresAt, CapturedAmount: r.CapturedAmount, EventID: r.EventID, SettledAt: r.SettledAt, CreatedAt: r.CreatedAt}, r.RequestHash
}

func getAuthorizationByKey(ctx context.Context, db DBTX, c Caller, key string) (Authorization, []byte, error) {
	r, err := queries.GetAuthorizationByKey(ctx, TranslateErrors(db), dbsqlc.GetAuthorizationByKeyParams{AccountID: c.AccountID,
		Mode: string(c.Mode), IdempotencyKey: key})
	if err != nil {
		return Authorization{}, nil, err
	}
	a, hash := authorizationFromRow(dbsqlc.GetAuthorizationRow(r))
	return a, hash, nil
}

// getAuthorization loads an authorization, locking it when forUpdate.
func getAuthorization(ctx context.Context, db DBTX, c Caller, id string, forUpdate bool) (Authorization, error) {
	var r dbsqlc.GetAuthorizationRow
	var err error
	if forUpdate {
		var l dbsqlc.GetAuthorizationForUpdateRow
		l, err = queries.GetAuthorizationForUpdate(ctx, TranslateErrors(db), dbsqlc.GetAuthorizationForUpdateParams{AccountID: c.AccountID,
			Mode: string(c.Mode), ID: id})
		r = dbsqlc.GetAuthorizationRow(l)
	} else {
		r, err = queries.GetAuthorization(ctx, TranslateErrors(db), dbsqlc.GetAuthorizationParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
	}
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Authorization{}, kernel.NotFoundf("authorization_id", "authorization %q not found in %s mode", id, c.Mode)
	}
	if err != nil {
		return Authorization{}, err
	}
	a, _ := authorizationFromRow(r)
	return a, nil
}

func settleAuthorization(ctx context.Context, db DBTX, a Authorization) error {
	return queries.SettleAuthorization(ctx, TranslateErrors(db), dbsqlc.SettleAuthorizationParams{ID: a.ID, Status: a.Status,
		CapturedAmount: a.CapturedAmount, EventID: a.EventID, SettledAt: a.SettledAt})
}

// costRow is an element of events.costs.
type costRow struct {
	Vendor   string         `json:"vendor"`
	Amount   rating.Decimal `json:"amount"`
	Currency string         `json:"currency"`
}

func costRows(costs []rating.Cost) []costRow {
	out := make([]costRow, len(costs))
	for i, c := range costs {
		out[i] = costRow{Vendor: c.Vendor, Amount: c.Amount, Currency: c.Currency}
	}
	return out
}

// DecodeEvent reads an event's stored events.data (numbers kept as
// json.Number, as rating reads them) and events.costs (nil: unknown), for
// billing and for the read models over its events (profitability).
func DecodeEvent(data, costs []byte) (map[string]any, []rating.Cost, error) {
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, err
	}
	if costs == nil {
		return m, nil, nil
	}
	var rows []costRow
	if err := json.Unmarshal(costs, &rows); err != nil {
		return nil, nil, err
	}
	out := make([]rating.Cost, len(rows))
	for i, r := range rows {
		out[i] = rating.Cost{Vendor: r.Vendor, Amount: r.Amount, Currency: r.Currency}
	}
	return m, out, nil
}

// eventFromRow decodes an event read (queries/usage.sql: GetEvent's columns)
// and returns its seq and request hash.
func eventFromRow(r dbsqlc.GetEventRow) (Event, int64, []byte, error) {
	e := Event{ID: r.ID, CustomerID: r.CustomerID, WalletID: r.WalletID, EventType: r.EventType, OccurredAt: r.OccurredAt,
		AuthorizationID: r.AuthorizationID, CreatedAt: r.CreatedAt}
	var seq int64
	if r.Seq != nil { // an identity column: never null
		seq = *r.Seq
	}
	var err error
	e.Data, e.Costs, err = DecodeEvent(r.Data, r.Costs)
	return e, seq, r.RequestHash, err
}

func getEvent(ctx context.Context, db DBTX, c Caller, id string) (Event, []byte, error) {
	r, err := queries.GetEvent(ctx, TranslateErrors(db), dbsqlc.GetEventParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
	if err != nil {
		return Event{}, nil, err
	}
	e, _, hash, err := eventFromRow(r)
	if err != nil {
		return e, nil, err
	}
	fees, err := feesOf(ctx, db, c, []string{id})
	e.Fees = fees[id]
	if e.Fees == nil {
		e.Fees = []Fee{}
	}
	if e.AuthorizationID != "" {
		if a, err := getAuthorization(ctx, db, c, e.AuthorizationID, false); err == nil && a.EventID == e.ID && a.CapturedAmount != nil {
			st := &Settlement{AuthorizationID: a.ID, Status: a.Status, Held: a.Amount, Captured: *a.CapturedAmount, Released: rating.Zero, Exceeded: rating.Zero, Precision: a.Precision}
			if st.Captured.LessThan(st.Held) {
				st.Released = st.Held.Sub(st.Captured)
			} else {
				st.Exceeded = st.Captured.Sub(st.Held)
			}
			e.Settlement = st
		}
	}
	return e, hash, err
}

func feesOf(ctx context.Context, db DBTX, c Caller, eventIDs []string) (map[string][]Fee, error) {
	rows, err := queries.ListFeesOfEvents(ctx, TranslateErrors(db), dbsqlc.ListFeesOfEventsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		EventIds: eventIDs})
	if err != nil {
		return nil, err
	}
	out := map[string][]Fee{}
	for _, r := range rows {
		out[r.EventID] = append(out[r.EventID], Fee{ID: r.ID, EventID: r.EventID, ProductID: r.ProductID, ProductCode: r.Code, Version: int(r.Version),
			PriceID: r.PriceID, PriceName: r.PriceName, Asset: r.Asset, Precision: r.Precision, Amount: r.Amount, Quantity: r.Quantity, Breakdown: r.Breakdown})
	}
	return out, nil
}

func listEvents(ctx context.Context, db DBTX, c Caller, customerID string, in ListEventsInput, after int64, limit int) ([]Event, []int64, error) {
	rows, err := queries.ListEvents(ctx, TranslateErrors(db), dbsqlc.ListEventsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		CustomerID: customerID, After: after, EventType: in.EventType, OccurredFrom: nullTime(in.From), OccurredTo: nullTime(in.To), MaxRows: int64(limit)})
	if err != nil {
		return nil, nil, err
	}
	events, seqs, ids := []Event{}, make([]int64, 0, len(rows)), make([]string, 0, len(rows))
	for _, r := range rows {
		e, seq, _, err := eventFromRow(dbsqlc.GetEventRow(r))
		if err != nil {
			return nil, nil, err
		}
		events, seqs, ids = append(events, e), append(seqs, seq), append(ids, e.ID)
	}
	fees, err := feesOf(ctx, db, c, ids)
	if err != nil {
		return nil, nil, err
	}
	for i := range events {
		events[i].Fees = fees[events[i].ID]
		if events[i].Fees == nil {
			events[i].Fees = []Fee{}
		}
	}
	return events, seqs, nil
}

func readCounters(ctx context.Context, db DBTX, customerID string, priceIDs []string, period time.Time) (map[string]rating.Decimal, error) {
	out := map[string]rating.Decimal{}
	if len(priceIDs) == 0 {
		return out, nil
	}
	rows, err := queries.ReadUsageCounters(ctx, TranslateErrors(db), dbsqlc.ReadUsageCountersParams{CustomerID: customerID, PriceIds: priceIDs,
		PeriodStart: period})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PriceID] = r.Quantity
	}
	return out, nil
}

func activeProductsFor(ctx context.Context, db DBTX, c Caller, eventType string) ([]Product, error) {
	rows, err := queries.ListActiveProductsForEvent(ctx, db, dbsqlc.ListActiveProductsForEventParams{AccountID: c.AccountID,
		Mode: string(c.Mode), EventType: eventType})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Product, len(rows))
	for i, r := range rows {
		out[i] = productFromRow(dbsqlc.ListProductsRow(r))
	}
	return out, nil
}

// queueVersionsForEvent queues versionsForEvent's query.
func queueVersionsForEvent(batch *pgx.Batch, customerID, eventType string, t time.Time, out *[]pricedVersion, decode versionDecoder) {
	batch.Queue(versionsForEventSQL, customerID, eventType, t).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = collectPricedVersionsWith(rows, decode)
		return err
	})
}

func queueBumpCounter(batch *pgx.Batch, customerID, priceID string, period time.Time, q rating.Decimal, total *rating.Decimal) {
	batch.Queue(`INSERT INTO usage_counters (customer_id, price_id, period_start, quantity) VALUES ($1, $2, $3, $4)
		ON CONFLICT (customer_id, price_id, period_start) DO UPDATE SET quantity = usage_counters.quantity + excluded.quantity
		RETURNING quantity`, customerID, priceID, period, q).QueryRow(func(row pgx.Row) error { return row.Scan(total) })
}

// queueFindAuthorization locks an authorization; *found says whether it exists.
func queueFindAuthorization(batch *pgx.Batch, c Caller, id string, out *Authorization, found *bool) {
	batch.Queue(`SELECT `+authorizationColumns+` FROM authorizations WHERE account_id = $1 AND mode = $2 AND id = $3 FOR UPDATE`,
		c.AccountID, c.Mode, id).Query(func(rows pgx.Rows) error {
		if !rows.Next() {
			return rows.Err()
		}
		a, _, err := scanAuthorization(rows)
		*out, *found = a, err == nil
		return err
	})
}

func queueSettleAuthorization(batch *pgx.Batch, a Authorization) {
	batch.Queue(`UPDATE authorizations SET status = $2, captured_amount = $3, event_id = nullif($4, ''), settled_at = $5 WHERE id = $1`,
		a.ID, a.Status, a.CapturedAmount, a.EventID, a.SettledAt)
}

func queueOutbox(batch *pgx.Batch, c Caller, typ string, payload map[string]any, now time.Time) {
	batch.Queue(`INSERT INTO outbox (account_id, mode, type, payload, created_at) VALUES ($1, $2, $3, $4, $5)`,
		c.AccountID, c.Mode, typ, payload, now)
}

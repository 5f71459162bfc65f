package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Time rules for usage events: an event may arrive up to MaxLateness after it
// occurred (priced by the version and rates in force at occurred_at), and may
// claim to occur up to MaxEarliness in the future (clock skew).
const (
	MaxLateness  = 35 * 24 * time.Hour
	MaxEarliness = 5 * time.Minute
	// MaxBatch is the most events one RecordUsageBatch call takes.
	MaxBatch = 1000
)

// UsageEventInput is what the app reports after the work. ID is the client's
// idempotency key, unique per account and mode.
type UsageEventInput struct {
	ID              string
	Customer        string
	Wallet          string
	EventType       string
	OccurredAt      time.Time // zero: now
	Data            map[string]any
	Costs           []rating.Cost // nil: unknown, never zero
	AuthorizationID string
}

// Fee is what one price charged for one event.
type Fee struct {
	ID          string
	EventID     string
	ProductID   string
	ProductCode string
	Version     int
	PriceID     string
	PriceName   string
	Asset       string
	Precision   int32          // the asset's, for showing Amount (see FormatAmount)
	Amount      rating.Decimal // exact at AccrualScale, never rounded to Precision
	Quantity    rating.Decimal
	Breakdown   string
}

// Settlement says what recording an event did to its authorization.
type Settlement struct {
	AuthorizationID string
	Status          string         // captured, or the status that prevented capture (voided, captured, declined)
	Held            rating.Decimal // what the hold reserved
	Captured        rating.Decimal // the actual amount, in the hold's asset
	Released        rating.Decimal // held minus captured, when positive
	Exceeded        rating.Decimal // captured minus held, when positive: debited beyond the hold
	Precision       int32          // the hold asset's, for showing the amounts
}

// Event is a recorded usage event with its fees.
type Event struct {
	ID              string
	CustomerID      string
	WalletID        string
	EventType       string
	OccurredAt      time.Time
	Data            map[string]any
	Costs           []rating.Cost
	AuthorizationID string
	CreatedAt       time.Time
	Fees            []Fee
	Settlement      *Settlement
	Replayed        bool
}

// RecordUsage prices one event against the customer's subscribed version,
// records its fees, debits the wallet (burning lots in order; the wallet may go
// below zero: usage that happened is never dropped) and settles its
// authorization, all in one transaction. A replayed id returns the original
// fees; the same id with another payload is EConflict. Returns EInvalid,
// ENotFound, EConflict, EUnavailable (nothing was written) and
// EOutcomeUnknown (the COMMIT's answer was lost past the retries: retry with
// the same id).
func (s *Service) RecordUsage(ctx context.Context, in UsageEventInput) (Event, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Event{}, err
	}
	if clock := s.clockOfEvent(ctx, c, in); clock != "" {
		return s.recordOnClock(ctx, c, clock, in)
	}
	j, err := s.newRecordJob(c, in)
	if err != nil {
		return Event{}, err
	}
	if err := s.enqueue(ctx, []*recordJob{j}); err != nil {
		return Event{}, err
	}
	return j.ev, j.err
}

// RecordResult is one event's outcome in a batch.
type RecordResult struct {
	Event Event
	Err   error
}

// RecordUsageBatch records up to MaxBatch events. One bad event fails alone and
// the others are kept; each is answered as RecordUsage would answer it. When
// the database is unavailable the call returns EUnavailable: nothing was
// written; or EOutcomeUnknown when the connection broke during a COMMIT (see
// WithTx): retry with the same ids.
func (s *Service) RecordUsageBatch(ctx context.Context, events []UsageEventInput) ([]RecordResult, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 || len(events) > MaxBatch {
		return nil, kernel.Invalidf("events", "a batch holds 1 to %d events; got %d", MaxBatch, len(events))
	}
	out := make([]RecordResult, len(events))
	var jobs []*recordJob
	var at []int
	for i, in := range events {
		if clock := s.clockOfEvent(ctx, c, in); clock != "" {
			out[i].Event, out[i].Err = s.recordOnClock(ctx, c, clock, in)
			continue
		}
		j, err := s.newRecordJob(c, in)
		if err != nil {
			out[i].Err = err
			continue
		}
		jobs, at = append(jobs, j), append(at, i)
	}
	if err := s.enqueue(ctx, jobs); err != nil {
		return nil, err
	}
	if err := allUnavailable(jobs, len(events)); err != nil {
		return nil, err
	}
	for k, j := range jobs {
		out[at[k]] = RecordResult{Event: j.ev, Err: j.err}
		if kernel.ErrorCode(j.err) == kernel.EInternal {
			s.log.ErrorContext(ctx, "record usage", "event", j.in.ID, "err", j.err)
		}
	}
	return out, nil
}

// allUnavailable returns the error of a call whose every event (of n) was
// refused as EUnavailable or EOutcomeUnknown: the database was down or
// read-only and the whole call is to be sent again, with the same ids.
// Nothing of it was written, unless a COMMIT's answer was lost: the error is
// then EOutcomeUnknown.
func allUnavailable(jobs []*recordJob, n int) error {
	if len(jobs) != n {
		return nil
	}
	var unknown error
	for _, j := range jobs {
		switch kernel.ErrorCode(j.err) {
		case kernel.EOutcomeUnknown:
			unknown = j.err
		case kernel.EUnavailable:
		default:
			return nil
		}
	}
	if unknown != nil {
		return unknown
	}
	return jobs[0].err
}

// newRecordJob validates an event before it joins a batch.
func (s *core) newRecordJob(c Caller, in UsageEventInput) (*recordJob, error) {
	sentAt := in.OccurredAt // an omitted occurred_at must not make a retry look different
	if err := validateEvent(&in, s.clock()); err != nil {
		return nil, err
	}
	return &recordJob{c: c, in: in, sentAt: sentAt, done: make(chan struct{})}, nil
}

// clockOfEvent is the test clock of an event's customer, "" for none: always
// in live mode, and otherwise read once per customer (walletFor's cache). An
// event whose wallet cannot be resolved goes the usual way, which answers why.
func (s *core) clockOfEvent(ctx context.Context, c Caller, in UsageEventInput) string {
	if c.Mode != ModeTest {
		return ""
	}
	w, err := s.walletFor(ctx, s.pool, c, in.Customer, in.Wallet)
	if err != nil {
		return ""
	}
	return w.TestClockID
}

// recordOnClock records an event of a test clock's customer at the clock's
// time, in a transaction of its own (test mode: no batching) that holds the
// clock so an advance waits for it.
func (s *core) recordOnClock(ctx context.Context, c Caller, clock string, in UsageEventInput) (Event, error) {
	sentAt := in.OccurredAt
	var res []batchResult
	err := withPipeTx(ctx, s.pool, func(tx *pipeTx) error {
		now, err := s.clockTime(ctx, tx, clock, true)
		if err != nil {
			return err
		}
		if err := validateEvent(&in, now); err != nil {
			return err
		}
		res, err = s.recordBatchTx(ctx, tx, []*recordJob{{c: c, in: in, sentAt: sentAt}}, now)
		return err
	})
	if err != nil {
		return Event{}, err
	}
	return res[0].ev, res[0].err
}

// recordSingle records one validated event in its own transaction: a batch of
// one, so there is a single code path for usage.
func (s *core) recordSingle(ctx context.Context, c Caller, in UsageEventInput, sentAt time.Time) (Event, error) {
	res, err := s.recordTx(ctx, []*recordJob{{c: c, in: in, sentAt: sentAt}})
	if err != nil {
		return Event{}, err
	}
	return res[0].ev, res[0].err
}

func validateEvent(in *UsageEventInput, now time.Time) error {
	if strings.TrimSpace(in.ID) == "" || len(in.ID) > 200 {
		return kernel.Invalidf("id", "id is required: your unique id for this event (1-200 characters); resending the same id never charges twice")
	}
	if !eventTypeRE.MatchString(in.EventType) {
		return kernel.Invalidf("event_type", "event_type %q is not valid: the activity name of the product, such as \"image.generated\"", in.EventType)
	}
	if in.OccurredAt.IsZero() {
		in.OccurredAt = now
	}
	in.OccurredAt = in.OccurredAt.UTC().Truncate(time.Microsecond)
	if in.OccurredAt.Before(now.Add(-MaxLateness)) {
		return kernel.Invalidf("occurred_at", "occurred_at %s is more than 35 days ago; events that late cannot be priced", in.OccurredAt.Format(time.RFC3339)).With(ActCorrect)
	}
	if in.OccurredAt.After(now.Add(MaxEarliness)) {
		return kernel.Invalidf("occurred_at", "occurred_at %s is in the future (more than 5 minutes ahead of %s); send the time the usage happened", in.OccurredAt.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if in.Data == nil {
		in.Data = map[string]any{}
	}
	if err := checkEventData(in.Data); err != nil {
		return err
	}
	for i, cost := range in.Costs {
		if cost.Vendor == "" || cost.Currency == "" || cost.Amount.IsNegative() {
			return kernel.Invalidf(fmt.Sprintf("costs[%d]", i), "each cost needs vendor, amount (zero or more) and currency, such as {\"vendor\": \"openai\", \"amount\": \"0.0021\", \"currency\": \"USD\"}")
		}
	}
	return nil
}

// capture settles an active authorization with the event's actual amount in
// the hold's asset: the rest is released, an excess was debited anyway (usage
// that happened is never dropped). An authorization that is no longer active
// is left as it is and reported.
func (s *core) capture(batch *pgx.Batch, a *Authorization, eventID string, totals map[string]rating.Decimal, now time.Time) *Settlement {
	st := &Settlement{AuthorizationID: a.ID, Status: a.Status, Held: a.Amount, Captured: rating.Zero, Released: rating.Zero, Exceeded: rating.Zero, Precision: a.Precision}
	if a.Status != AuthActive {
		return st
	}
	captured := totals[a.Asset]
	a.Status, a.CapturedAmount, a.EventID, a.SettledAt = AuthCaptured, &captured, eventID, &now
	queueSettleAuthorization(batch, *a)
	st.Status, st.Captured = AuthCaptured, captured
	if captured.LessThan(a.Amount) {
		st.Released = a.Amount.Sub(captured)
	} else {
		st.Exceeded = captured.Sub(a.Amount)
	}
	return st
}

// pricedAssets lists the assets a set of versions charges in.
func pricedAssets(versions []pricedVersion) []string {
	var out []string
	for _, v := range versions {
		for _, p := range v.Version.Prices {
			out = append(out, p.Asset)
		}
	}
	return out
}

func feeTotals(fees []Fee) map[string]rating.Decimal {
	totals := map[string]rating.Decimal{}
	for _, f := range fees {
		totals[f.Asset] = totals[f.Asset].Add(f.Amount)
	}
	return totals
}

func toFees(v pricedVersion, rated []rating.RatedFee, byID map[string]rating.Price) []Fee {
	out := make([]Fee, len(rated))
	for i, r := range rated {
		out[i] = Fee{ProductID: v.ProductID, ProductCode: v.ProductCode, Version: v.Version.Version, PriceID: r.PriceID,
			PriceName: byID[r.PriceID].Name, Asset: r.Asset, Precision: r.Precision, Amount: r.Amount, Quantity: r.Quantity, Breakdown: r.Breakdown}
	}
	return out
}

// estimate prices an authorization's estimate with the current period usage,
// without moving any counter.
func (s *core) estimate(ctx context.Context, tx txn, c Caller, customerID string, versions []pricedVersion, ev rating.RatingEvent, at time.Time) (map[string]rating.Decimal, error) {
	assets, err := s.assetsOf(ctx, tx, c, pricedAssets(versions)...)
	if err != nil {
		return nil, err
	}
	var fees []Fee
	for _, v := range versions {
		var ids []string
		for _, p := range v.Version.Prices {
			if p.Model == rating.Tiered {
				ids = append(ids, p.ID)
			}
		}
		prior, err := readCounters(ctx, tx, customerID, ids, rating.PeriodStart(at)) // no query without tiers
		if err != nil {
			return nil, err
		}
		rated, err := rating.Rate(v.Version.Prices, ev, prior, precisionsOf(assets))
		if err != nil {
			return nil, err
		}
		fees = append(fees, toFees(v, rated, nil)...)
	}
	return feeTotals(fees), nil
}

// versionsFor returns the versions that price an event of eventType for the
// customer at t. When the customer has no subscription to any product with that
// event type and exactly one active product has it, the customer is priced at
// that product's default version; with subscribe true (recording usage) the
// subscription is created, so later events and reports see it.
func (s *core) versionsFor(ctx context.Context, tx txn, c Caller, customerID, eventType string, t time.Time, subscribe bool) ([]pricedVersion, error) {
	versions, err := versionsForEvent(ctx, tx, customerID, eventType, t)
	if err != nil || len(versions) > 0 {
		return versions, err
	}
	products, err := activeProductsFor(ctx, tx, c, eventType)
	if err != nil || len(products) != 1 {
		return nil, err
	}
	p := products[0]
	if subscribe {
		if _, err := s.subscribeTx(ctx, tx, c, SubscribeInput{Customer: customerID, Product: p.ID}); err != nil {
			return nil, err
		}
	}
	v, err := versionOf(ctx, tx, p.ID, p.DefaultVersion)
	if err != nil {
		return nil, err
	}
	return []pricedVersion{{ProductID: p.ID, ProductCode: p.Code, Version: v}}, nil
}

func (s *core) noSubscription(ctx context.Context, tx txn, c Caller, customer, eventType string) error {
	products, err := activeProductsFor(ctx, tx, c, eventType)
	if err != nil {
		return err
	}
	if len(products) == 0 {
		return kernel.Invalidf("event_type", "no product has event_type %q", eventType).With(ActCreateProduct)
	}
	codes := make([]string, len(products))
	for i, p := range products {
		codes[i] = p.Code
	}
	return kernel.Invalidf("customer", "customer %s is not subscribed to a product with event_type %q and several products have it (%s)", customer, eventType, strings.Join(codes, ", ")).With(ActSubscribe)
}

// GetEvent returns a recorded event with its fees. Returns ENotFound.
func (s *Service) GetEvent(ctx context.Context, id string) (Event, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Event{}, err
	}
	ev, _, err := getEvent(ctx, s.pool, c, id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return ev, kernel.NotFoundf("id", "event %q not found in %s mode", id, c.Mode).With(ActFindEvent)
	}
	return ev, err
}

// ListEventsInput filters events; Customer is optional.
type ListEventsInput struct {
	Customer  string
	EventType string
	From, To  time.Time // occurred_at range [From, To)
	Limit     int
	Cursor    string
}

// ListEvents lists events, most recently recorded first, with their fees.
func (s *Service) ListEvents(ctx context.Context, in ListEventsInput) (Page[Event], error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Page[Event]{}, err
	}
	n, err := pageSize(in.Limit)
	if err != nil {
		return Page[Event]{}, err
	}
	customerID := ""
	if in.Customer != "" {
		cus, err := resolveCustomer(ctx, s.pool, c, in.Customer)
		if err != nil {
			return Page[Event]{}, err
		}
		customerID = cus.ID
	}
	var after int64
	if in.Cursor != "" {
		if _, err := fmt.Sscanf(in.Cursor, "evs_%d", &after); err != nil {
			return Page[Event]{}, kernel.Invalidf("cursor", "cursor %q is not one this API returned; pass next_cursor from the previous page", in.Cursor)
		}
	}
	items, seqs, err := listEvents(ctx, s.pool, c, customerID, in, after, n+1)
	if err != nil {
		return Page[Event]{}, err
	}
	p := Page[Event]{Items: items}
	if len(items) > n {
		p.Items, p.HasMore, p.NextCursor = items[:n], true, fmt.Sprintf("evs_%d", seqs[n-1])
	}
	return p, nil
}

// SimulateInput prices a hypothetical event against a product version without
// touching any wallet or counter.
type SimulateInput struct {
	Product  string
	Version  int    // 0: the default version
	Customer string // optional: use the customer's period usage for tiers
	Data     map[string]any
	Costs    []rating.Cost
	// Prior overrides the period usage per price id (for tiers).
	Prior map[string]rating.Decimal
}

// Simulation is the result: the same fees and breakdowns a real event gets.
type Simulation struct {
	ProductID   string
	ProductCode string
	Version     int
	Fees        []Fee
	Totals      map[string]rating.Decimal
}

// SimulateUsage prices an event against a version with no effect on anything.
// Returns EInvalid (with the rating error), ENotFound.
func (s *Catalog) SimulateUsage(ctx context.Context, in SimulateInput) (Simulation, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Simulation{}, err
	}
	p, err := resolveProduct(ctx, s.pool, c, in.Product, false)
	if err != nil {
		return Simulation{}, err
	}
	version := in.Version
	if version == 0 {
		version = p.DefaultVersion
	}
	v, err := versionOf(ctx, s.pool, p.ID, version)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Simulation{}, kernel.Invalidf("version", "product %s has no version %d", p.Code, version).With(ActFindVersion)
	}
	if err != nil {
		return Simulation{}, err
	}
	prec, err := s.precisions(ctx, s.pool, c)
	if err != nil {
		return Simulation{}, err
	}
	prior := in.Prior
	if prior == nil && in.Customer != "" {
		cus, err := resolveCustomer(ctx, s.pool, c, in.Customer)
		if err != nil {
			return Simulation{}, err
		}
		var ids []string
		for _, pr := range v.Prices {
			ids = append(ids, pr.ID)
		}
		if prior, err = readCounters(ctx, s.pool, cus.ID, ids, rating.PeriodStart(s.clock())); err != nil {
			return Simulation{}, err
		}
	}
	data := in.Data
	if data == nil {
		data = map[string]any{}
	}
	rated, err := rating.Rate(v.Prices, rating.RatingEvent{EventType: p.EventType, Data: data, Costs: in.Costs}, prior, func(code string) (int32, bool) { x, ok := prec[code]; return x, ok })
	if err != nil {
		return Simulation{}, err
	}
	byID := map[string]rating.Price{}
	for _, pr := range v.Prices {
		byID[pr.ID] = pr
	}
	fees := toFees(pricedVersion{ProductID: p.ID, ProductCode: p.Code, Version: v}, rated, byID)
	return Simulation{ProductID: p.ID, ProductCode: p.Code, Version: v.Version, Fees: fees, Totals: feeTotals(fees)}, nil
}

// eventHash fingerprints an event's payload for idempotency. Numbers count
// by value, not spelling: a retry that sends 0.10 where the first try sent
// 0.1 (or "0.10" for "0.1") is the same payload.
func eventHash(in UsageEventInput, walletID string, sentAt time.Time) ([]byte, error) {
	data, err := json.Marshal(canonicalNumbers(in.Data))
	if err != nil {
		return nil, kernel.Invalidf("data", "data must be a JSON object of numbers and strings")
	}
	return kernel.Fingerprint('|', walletID, in.EventType, sentAt.UTC().Format(time.RFC3339Nano), string(data), costsPart(in.Costs),
		strconv.FormatBool(in.Costs == nil), in.AuthorizationID), nil
}

// costsPart writes an event's costs for its fingerprint, in any order:
// vendor:amount:currency, comma-separated, the form hashes have always had.
// A vendor or currency that holds one of those separators (or a quote)
// would make two lists of costs read alike, so such a list is written as a
// quoted string of its quoted fields instead, which the plain form never is.
func costsPart(in []rating.Cost) string {
	costs := make([]string, len(in))
	ambiguous := false
	for i, c := range in {
		costs[i] = c.Vendor + ":" + canonicalDecimal(c.Amount) + ":" + c.Currency
		ambiguous = ambiguous || strings.ContainsAny(c.Vendor+c.Currency, `,:"`)
	}
	if !ambiguous {
		sort.Strings(costs)
		return strings.Join(costs, ",")
	}
	for i, c := range in {
		costs[i] = strconv.Quote(c.Vendor) + strconv.Quote(canonicalDecimal(c.Amount)) + strconv.Quote(c.Currency)
	}
	sort.Strings(costs)
	return strconv.Quote(strings.Join(costs, ""))
}

// canonicalNumbers returns v with every number, and every string that is a
// decimal number, written in one canonical way ("0.10" and "1e-1" as
// "0.1"), for comparing payloads by value.
func canonicalNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonicalNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonicalNumbers(e)
		}
		return out
	case json.Number:
		if d, ok := rating.DecimalText(string(x)); ok {
			return json.Number(canonicalDecimal(d))
		}
	case string:
		if d, ok := rating.DecimalText(x); ok {
			return canonicalDecimal(d)
		}
	}
	return v
}

// canonicalDecimal writes d without exponent or trailing zeros.
func canonicalDecimal(d rating.Decimal) string {
	if !rating.InRange(d) {
		return d.String()
	}
	return rating.Plain(d)
}

// Event data holds quantities and dimensions: a shallow map of at most
// MaxDataKeys keys of at most MaxDataKeyLen bytes, whose values are
// scalars (numbers, strings of at most MaxDataStringLen bytes, booleans,
// null) or one level of objects and arrays of scalars.
const (
	MaxDataKeys      = 64
	MaxDataKeyLen    = 128
	MaxDataStringLen = 1024
)

func checkEventData(data map[string]any) error {
	if len(data) > MaxDataKeys {
		return kernel.Invalidf("data", "data has %d keys; event data has at most %d (quantities and dimensions)", len(data), MaxDataKeys)
	}
	for k, v := range data {
		if len(k) > MaxDataKeyLen || k == "" {
			return kernel.Invalidf("data", "data key %.40q… is %d bytes; a key has 1-%d", k, len(k), MaxDataKeyLen)
		}
		if err := checkDataValue("data."+k, v, 0); err != nil {
			return err
		}
	}
	return nil
}

// negativeZero reports whether a JSON number is zero written with a minus
// sign ("-0", "-0.00", "-0e5").
func negativeZero(n string) bool {
	mantissa, _, _ := strings.Cut(strings.ToLower(n), "e")
	return strings.HasPrefix(mantissa, "-") && strings.Trim(mantissa, "-0.") == ""
}

func checkDataValue(path string, v any, depth int) error {
	nested := func(n int) error {
		if depth > 0 {
			return kernel.Invalidf(path, "%s is nested too deeply: event data values are scalars, or one level of objects and arrays of scalars", path)
		}
		if n > MaxDataKeys {
			return kernel.Invalidf(path, "%s has %d items; at most %d", path, n, MaxDataKeys)
		}
		return nil
	}
	switch x := v.(type) {
	case json.Number:
		if negativeZero(string(x)) {
			return kernel.Invalidf(path, "%s is %s, a negative zero: its sign means nothing and is usually a bug in the sender; send 0", path, x)
		}
	case string:
		if len(x) > MaxDataStringLen {
			return kernel.Invalidf(path, "%s is %d bytes long; a string in event data has at most %d", path, len(x), MaxDataStringLen)
		}
	case map[string]any:
		if err := nested(len(x)); err != nil {
			return err
		}
		for k, e := range x {
			if err := checkDataValue(path+"."+k, e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		if err := nested(len(x)); err != nil {
			return err
		}
		for i, e := range x {
			if err := checkDataValue(fmt.Sprintf("%s[%d]", path, i), e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

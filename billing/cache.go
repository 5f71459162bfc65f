package billing

import (
	"context"
	"sync"
	"time"

	"github.com/tollgatehq/tollgate/rating"
)

// cache keeps what never changes once written, so the hot path reads it from
// memory: wallets by (customer, wallet) reference — customers and wallets are
// never deleted and their ids, external ids and names never change — and each
// account's assets, which are never changed or deleted either. A miss reads the
// database, so rows another process created are found; nothing cached can be
// stale but the gateway settings, kept for at most a second. The per-customer
// maps are bounded (boundedMap): past cacheLimit entries they start afresh.
type cache struct {
	wallets  boundedMap[walletKey, Wallet]
	balances boundedMap[balanceKey, struct{}] // balance rows seen committed
	keys     sync.Map                         // string(hash of an API key) → keyEntry
	// authAssets guesses the asset an authorization will hold, so its
	// balance is locked in the first round trip: authAssetKey → asset code,
	// the asset the last estimate for the customer and event type came to.
	// A wrong guess costs a retry, never a wrong answer (see authorizeTx).
	authAssets boundedMap[authAssetKey, string]
	// versions holds decoded product versions by id: a version's prices and
	// entitlements never change once written (the database refuses it), and
	// the hot path reads them for every event.
	versions boundedMap[string, decodedVersion]
	// clocks holds the test clock of each test-mode customer ("" for none),
	// by customer id: fixed when the customer is created.
	clocks boundedMap[string, string]
	// gateway holds each account and mode's gateway settings (assetScope →
	// gatewayEntry) for up to gatewaySettingsTTL: they can change, so a
	// change made through another process is seen within that time.
	gateway sync.Map
	mu      sync.RWMutex
	assets  map[assetScope]map[string]Asset
}

type walletKey struct {
	account, mode, customer, wallet string
}

type decodedVersion struct {
	prices []rating.Price
	ents   []rating.Entitlement
}

// decodeVersion is decodeVersion through the cache. The slices it returns are
// shared: read them, never change them.
func (s *core) decodeVersion(id string, prices, ents []byte) ([]rating.Price, []rating.Entitlement, error) {
	if d, ok := s.cache.versions.Load(id); ok {
		return d.prices, d.ents, nil
	}
	p, e, err := decodeVersion(prices, ents)
	if err == nil {
		s.cache.versions.Store(id, decodedVersion{p, e})
	}
	return p, e, err
}

type authAssetKey struct{ account, mode, customer, eventType string }

type assetScope struct{ account, mode string }

func newCache() *cache { return &cache{assets: map[assetScope]map[string]Asset{}} }

// walletFor resolves a wallet reference through the cache.
func (s *core) walletFor(ctx context.Context, db DBTX, c Caller, customer, wallet string) (Wallet, error) {
	k := walletKey{c.AccountID, string(c.Mode), customer, wallet}
	if w, ok := s.cache.wallets.Load(k); ok {
		return w, nil
	}
	w, err := resolveWallet(ctx, db, c, customer, wallet)
	if err == nil {
		s.cache.wallets.Store(k, w)
	}
	return w, err
}

// assetsOf returns the caller's assets by code; reload says a code was missing
// and the database must be read again.
func (s *core) assetsOf(ctx context.Context, db DBTX, c Caller, want ...string) (map[string]Asset, error) {
	scope := assetScope{c.AccountID, string(c.Mode)}
	s.cache.mu.RLock()
	m := s.cache.assets[scope]
	s.cache.mu.RUnlock()
	complete := m != nil
	for _, code := range want {
		if _, ok := m[code]; !ok {
			complete = false
		}
	}
	if complete {
		return m, nil
	}
	list, err := listAssets(ctx, db, c)
	if err != nil {
		return nil, err
	}
	m = make(map[string]Asset, len(list))
	for _, a := range list {
		m[a.Code] = a
	}
	s.cache.mu.Lock()
	s.cache.assets[scope] = m
	s.cache.mu.Unlock()
	return m, nil
}

// precisionsOf is assetsOf as the rating engine wants it.
func precisionsOf(assets map[string]Asset) func(string) (int32, bool) {
	return func(code string) (int32, bool) {
		a, ok := assets[code]
		return a.Precision, ok
	}
}

// keyTTL is how long an authenticated key is trusted without asking the
// database again.
const keyTTL = 5 * time.Second

type keyEntry struct {
	caller      Caller
	customerKey *CustomerKey // set for a customer key (AuthenticateCustomerKey)
	at          time.Time
}

// listenRevocations clears this process's key cache whenever any process
// revokes a key (RevokeAPIKey notifies tollgate_api_keys), so a revoked key
// stops working everywhere at once, not after keyTTL. It holds one
// connection until ctx ends, reconnecting after a failure; while it is
// down, keyTTL still bounds how long a revoked key is trusted.
func (s *core) listenRevocations(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.listenOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("listen for key revocations; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (s *core) listenOnce(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN tollgate_api_keys"); err != nil {
		return err
	}
	s.cache.keys.Clear() // anything revoked while not listening
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			conn.Conn().Close(context.Background()) // leave no LISTEN on a pooled connection
			return err
		}
		s.cache.keys.Clear()
	}
}

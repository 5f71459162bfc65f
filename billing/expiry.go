package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// SweepExpiredLots writes to the ledger the expiry of lots that are due and
// still hold value, in every account, up to limit balances per call; it
// returns how many balances it settled. Expired lots never count towards a
// balance whether or not this has run (every read and movement checks
// expires_at); the sweep only makes the ledger say so without waiting for the
// wallet's next movement. `tollgate serve` runs it every minute. The
// customers of test clocks are left to their clocks (AdvanceTestClock).
func (s *Service) SweepExpiredLots(ctx context.Context, limit int) (int, error) {
	return s.sweepExpiredLots(ctx, nil, s.clock(), limit)
}

// sweepExpiredLots is SweepExpiredLots at now, for the customers on clock
// (nil: on none).
func (s *core) sweepExpiredLots(ctx context.Context, clock *string, now time.Time, limit int) (int, error) {
	due, err := dueBalances(ctx, s.pool, clock, now, limit)
	if err != nil {
		return 0, err
	}
	for _, d := range due {
		err := s.tx(ctx, func(tx pgx.Tx) error {
			assets, err := s.assetsOf(ctx, tx, d.c, d.asset)
			if err != nil {
				return err
			}
			b, err := s.lockBalance(ctx, tx, d.c, d.wallet, assets[d.asset], now)
			if err != nil {
				return err
			}
			return b.flush(ctx, tx)
		})
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

package webhooks

import (
	"context"
	"time"
)

// outboxChannel is what the outbox's trigger notifies (migration 00017) when
// a row commits.
const outboxChannel = "tollgate_outbox"

// Listen fans events out as soon as their outbox rows commit: it listens on
// the channel the outbox's trigger notifies and takes the new rows at once,
// instead of at the periodic fan-out's next run (Options.FanOutInterval),
// which stays for rows committed while no process listened. It catches up
// on every (re)connection and runs until ctx ends; `tollgate serve` starts
// it beside the background jobs (after the job queue starts, whose River
// client then wakes the delivery queue when the fan-out inserts its jobs).
func (s *Service) Listen(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.listenOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("listen for outbox rows; the periodic fan-out still runs; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (s *Service) listenOnce(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+outboxChannel); err != nil {
		return err
	}
	for {
		// Rows that committed before LISTEN, or while the last fan-out ran
		// (their notifications are then already queued), are taken here.
		if err := s.fanOutAll(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("webhook fan-out on notification; the periodic fan-out retries", "err", err)
		}
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			conn.Conn().Close(context.Background()) // leave no LISTEN on a pooled connection
			return err
		}
	}
}

// fanOutAll takes every outbox row not yet taken, in batches.
func (s *Service) fanOutAll(ctx context.Context) error {
	for {
		n, err := s.fanOut(ctx, fanOutBatch)
		if err != nil || n < fanOutBatch {
			return err
		}
	}
}

-- +goose Up
-- Hybrid plans: a subscription to a version with a recurring price has a
-- billing cycle. Its fee is charged from the wallet in advance at each period
-- start and the version's entitlements are granted as lots that expire at the
-- period's end. Usage-only subscriptions keep these columns empty.

ALTER TABLE subscriptions
    ADD COLUMN wallet_id            text REFERENCES wallets,
    ADD COLUMN status               text NOT NULL DEFAULT 'active'
        CHECK (status IN ('trialing', 'active', 'past_due', 'suspended', 'canceled')),
    ADD COLUMN anchor_at            timestamptz,  -- period k starts at anchor + k intervals (month ends clamped)
    ADD COLUMN period_index         integer NOT NULL DEFAULT 0, -- -1: the trial before the anchor
    ADD COLUMN period_start         timestamptz,
    ADD COLUMN period_end           timestamptz,  -- the next renewal
    ADD COLUMN grace_ends_at        timestamptz,  -- past_due until then, suspended after
    ADD COLUMN cancel_at_period_end boolean NOT NULL DEFAULT false,
    ADD COLUMN next_version         integer,      -- a change that takes effect at period end
    ADD COLUMN allowance_lots       text[] NOT NULL DEFAULT '{}', -- the current period's grants
    ADD CONSTRAINT subscriptions_period CHECK ((anchor_at IS NULL) = (period_end IS NULL) AND (period_start IS NULL) = (period_end IS NULL)),
    ADD CONSTRAINT subscriptions_plan_wallet CHECK (anchor_at IS NULL OR wallet_id IS NOT NULL);

-- The renewal job's lookup: plans whose period has ended, or whose grace is running.
CREATE INDEX subscriptions_renewal ON subscriptions (period_end) WHERE ended_at IS NULL AND period_end IS NOT NULL;
-- A top-up looks for what its wallet owes.
CREATE INDEX subscriptions_wallet_owing ON subscriptions (wallet_id) WHERE ended_at IS NULL AND status IN ('past_due', 'suspended');

-- One row per subscription and period: the key that makes a renewal happen
-- once however many processes try.
CREATE TABLE subscription_periods (
    subscription_id text NOT NULL REFERENCES subscriptions,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL CHECK (period_end > period_start),
    account_id      text NOT NULL,
    mode            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('paid', 'trial', 'due', 'waived')),
    asset           text NOT NULL,
    fee             numeric NOT NULL CHECK (fee >= 0),
    transaction_id  text REFERENCES ledger_transactions, -- the fee's posting, once paid
    created_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    PRIMARY KEY (subscription_id, period_start)
);

-- +goose Down
DROP TABLE subscription_periods;
DROP INDEX subscriptions_wallet_owing, subscriptions_renewal;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_plan_wallet, DROP CONSTRAINT subscriptions_period,
    DROP COLUMN allowance_lots, DROP COLUMN next_version, DROP COLUMN cancel_at_period_end, DROP COLUMN grace_ends_at,
    DROP COLUMN period_end, DROP COLUMN period_start, DROP COLUMN period_index, DROP COLUMN anchor_at,
    DROP COLUMN status, DROP COLUMN wallet_id;

-- Issue 12: limits on unauthenticated forms, shared by every instance. One row per
-- '<form>:<ip|addr|token>:<value>', counting hits in a fixed window that starts at the first hit.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    hits INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- Ending every session of an account (password change or reset) finds them by account.
CREATE INDEX sessions_account ON sessions ((data->'auth'->>'account_id'));

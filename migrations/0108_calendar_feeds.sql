-- Issue 14: a physician's private calendar feed (/calendar/<token>.ics). Only the SHA-256 of
-- the 32-byte random token is kept (a feed URL is looked up on every calendar poll, so the
-- hash must be deterministic; 256 random bits need no slow hash). One feed in force per
-- physician; revoking keeps the row (revoked_at) for the record.
CREATE TABLE calendar_feeds (
    id BIGSERIAL PRIMARY KEY,
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX calendar_feeds_one_active ON calendar_feeds (physician_id)
    WHERE revoked_at IS NULL;

-- Issue 14, part 2: the organizer API. Each seminar's organizer issues named tokens on the
-- work page; a token is shown once and kept here only as its SHA-256 (it is 256 random bits,
-- so a fast hash is enough: nobody can guess their way back from it). Revoked tokens stay
-- for the audit trail. A token belongs to the work-page URL it was issued from: when staff
-- revoke or reissue that URL (it leaked, say), the tokens made with it stop working too.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    work_page_id BIGINT NOT NULL REFERENCES work_pages (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    token_hash TEXT NOT NULL UNIQUE,
    -- The first characters of the token, so that the organizer can tell tokens apart.
    hint TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_work_page ON api_tokens (work_page_id);

-- A commit's answer kept under the organizer's Idempotency-Key: the same key gets the same
-- answer again, and nothing is written twice. Written in the commit's own transaction.
CREATE TABLE api_idempotency (
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- What was asked (the batch and the attendees ticked back in): the same key with another
    -- request is refused instead of answered with the first request's result.
    request TEXT NOT NULL,
    status SMALLINT NOT NULL,
    body JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (seminar_id, idempotency_key)
);

-- Issue 10, part 5: a returned seminar application of an outside organizer is corrected
-- through a private link mailed to its contact (only the SHA-256 of the token is kept, as for
-- work pages); the application keeps its number and history.
CREATE TABLE seminar_correction_links (
    id BIGSERIAL PRIMARY KEY,
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX seminar_correction_links_one_open
    ON seminar_correction_links (seminar_id) WHERE used_at IS NULL;

-- Initial passwords are never stored in clear (issue 12 §8). The account holds the argon2id
-- hash only; the postcard row records when its password was printed, until when it works and
-- the hash it replaced at a reissue (so that an old postcard gets a clear answer at sign-in).
-- A member imported but not printed yet has no password anyone knows.
ALTER TABLE member_postcards
    ADD COLUMN issued_at TIMESTAMPTZ,
    ADD COLUMN expires_at TIMESTAMPTZ,
    ADD COLUMN issue_count INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN superseded_hash TEXT;

-- Postcards made before this change were printable at once: count them as printed on the day
-- of their import, valid for 90 days from then (domain::postcard).
UPDATE member_postcards
SET issued_at = created_at, expires_at = created_at + INTERVAL '90 days', issue_count = 1;

ALTER TABLE member_postcards
    DROP COLUMN initial_password,
    ADD CONSTRAINT member_postcards_issue_dates
        CHECK ((issued_at IS NULL) = (expires_at IS NULL) AND (issued_at IS NULL) = (issue_count = 0));

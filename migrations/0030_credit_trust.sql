-- Issue 10: credits that can be trusted.
-- Corrections that stay corrected: when the organizer corrected an attendee on the work page
-- (corrected_at on the credits in force), and the number a withdrawn entry was corrected to.
-- Held credits resolved by staff: who decided, when, and the reason of a rejection (shown to
-- the organizer on the work page).
ALTER TABLE credits
    ADD COLUMN corrected_at TIMESTAMPTZ,
    ADD COLUMN corrected_to TEXT,
    ADD COLUMN review_reason TEXT,
    ADD COLUMN reviewed_by BIGINT REFERENCES accounts (id),
    ADD COLUMN reviewed_at TIMESTAMPTZ;

-- The work page's credit list, paged in furigana order.
CREATE INDEX credits_seminar_list ON credits (seminar_id, furigana, registry_number, category);

-- Double submission of a form is harmless: the key hidden in the form is unique.
CREATE TABLE form_submissions (
    idempotency_key TEXT PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 16 AND 64),
    form TEXT NOT NULL,
    record_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL
);

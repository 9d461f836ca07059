-- Seminars (研修会), their approval, secret work pages, credits registered by organizers,
-- physicians' reports of missing credits, seminar reports (開催報告), attendee recruitment,
-- and the bimonthly review cycles (第1回–第6回) that seminars and applications share.

CREATE TABLE review_cycles (
    id BIGSERIAL PRIMARY KEY,
    fiscal_year INTEGER NOT NULL,
    number SMALLINT NOT NULL CHECK (number BETWEEN 1 AND 6),
    intake_deadline DATE NOT NULL,
    committee_date DATE NOT NULL,
    closed_at TIMESTAMPTZ,
    UNIQUE (fiscal_year, number),
    CHECK (committee_date > intake_deadline)
);

-- FY2025 as the briefing gives it (JMA intake 5/1, 7/1, 9/1, 11/4, 1/5, 3/2; committee at the
-- end of odd months), and FY2026–FY2027 by the same rule (first working day approximated by
-- the first weekday).
INSERT INTO review_cycles (fiscal_year, number, intake_deadline, committee_date) VALUES
    (2025, 1, '2025-05-01', '2025-05-31'),
    (2025, 2, '2025-07-01', '2025-07-31'),
    (2025, 3, '2025-09-01', '2025-09-30'),
    (2025, 4, '2025-11-04', '2025-11-30'),
    (2025, 5, '2026-01-05', '2026-01-31'),
    (2025, 6, '2026-03-02', '2026-03-31'),
    (2026, 1, '2026-05-01', '2026-05-31'),
    (2026, 2, '2026-07-01', '2026-07-31'),
    (2026, 3, '2026-09-01', '2026-09-30'),
    (2026, 4, '2026-11-02', '2026-11-30'),
    (2026, 5, '2027-01-04', '2027-01-31'),
    (2026, 6, '2027-03-01', '2027-03-31'),
    (2027, 1, '2027-05-03', '2027-05-31'),
    (2027, 2, '2027-07-01', '2027-07-31'),
    (2027, 3, '2027-09-01', '2027-09-30'),
    (2027, 4, '2027-11-01', '2027-11-30'),
    (2027, 5, '2028-01-04', '2028-01-31'),
    (2027, 6, '2028-03-01', '2028-03-31');

CREATE TABLE seminars (
    id BIGSERIAL PRIMARY KEY,
    programme TEXT NOT NULL CHECK (programme IN ('occupational', 'sports')),
    title TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'web')),
    venue TEXT NOT NULL,
    -- The organizing association, or NULL for an outside body (医師会以外).
    organizer_association_id BIGINT REFERENCES associations (id),
    organizer_name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT,
    contact_fax TEXT,
    approving_prefecture_code SMALLINT NOT NULL REFERENCES prefectures (code),
    status TEXT NOT NULL CHECK (status IN
        ('submitted', 'returned', 'prefecture_approved', 'approved', 'rejected', 'withdrawn')),
    status_comment TEXT,
    submitted_by BIGINT REFERENCES accounts (id),
    submitted_at TIMESTAMPTZ,
    prefecture_decided_by BIGINT REFERENCES accounts (id),
    prefecture_decided_at TIMESTAMPTZ,
    cycle_id BIGINT REFERENCES review_cycles (id),
    jma_decided_by BIGINT REFERENCES accounts (id),
    jma_decided_at TIMESTAMPTZ,
    -- Approved on paper before the portal took over seminar applications (2025-07).
    paper_approved BOOLEAN NOT NULL DEFAULT FALSE,
    recruiting BOOLEAN NOT NULL DEFAULT FALSE,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (contact_phone IS NOT NULL OR contact_fax IS NOT NULL)
);
CREATE INDEX seminars_prefecture ON seminars (approving_prefecture_code, status);
CREATE INDEX seminars_organizer ON seminars (organizer_association_id);
CREATE INDEX seminars_ends_on ON seminars (ends_on);

-- Units the seminar grants per category (category codes: see src/domain/category.rs).
CREATE TABLE seminar_units (
    seminar_id BIGINT NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    units NUMERIC(4, 1) NOT NULL CHECK (units > 0),
    PRIMARY KEY (seminar_id, category)
);

-- The secret work-page URL of a seminar: only a SHA-256 of the token is stored.
CREATE TABLE work_pages (
    id BIGSERIAL PRIMARY KEY,
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMPTZ NOT NULL,
    issued_by BIGINT REFERENCES accounts (id),
    revoked_at TIMESTAMPTZ,
    revoked_by BIGINT REFERENCES accounts (id)
);
CREATE UNIQUE INDEX work_pages_one_active ON work_pages (seminar_id) WHERE revoked_at IS NULL;

-- One credit per seminar × attendee (医籍登録番号) × category.
CREATE TABLE credits (
    id BIGSERIAL PRIMARY KEY,
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    registry_number TEXT NOT NULL CHECK (registry_number ~ '^[0-9]{1,10}$'),
    kanji_name TEXT NOT NULL,
    furigana TEXT NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    email TEXT NOT NULL,
    phone TEXT,
    fax TEXT,
    category TEXT NOT NULL,
    units NUMERIC(4, 1) NOT NULL CHECK (units > 0),
    format TEXT NOT NULL CHECK (format IN ('in_person', 'web')),
    physician_id BIGINT REFERENCES physicians (id),
    match_status TEXT NOT NULL CHECK (match_status IN
        ('matched', 'unmatched', 'birth_date_mismatch', 'rejected')),
    late BOOLEAN NOT NULL DEFAULT FALSE,
    withdrawn_at TIMESTAMPTZ,
    registered_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (seminar_id, registry_number, category),
    CHECK (phone IS NOT NULL OR fax IS NOT NULL)
);
CREATE INDEX credits_physician ON credits (physician_id) WHERE physician_id IS NOT NULL;
CREATE INDEX credits_registry ON credits (registry_number) WHERE physician_id IS NULL;
CREATE INDEX credits_mismatch ON credits (seminar_id) WHERE match_status = 'birth_date_mismatch';

-- An uploaded attendee CSV between preview and commit.
CREATE TABLE credit_uploads (
    id BIGSERIAL PRIMARY KEY,
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    file_name TEXT NOT NULL,
    encoding TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_ok INTEGER NOT NULL,
    rows_error INTEGER NOT NULL,
    -- The parsed, valid rows to write on commit.
    parsed JSONB NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL,
    committed_at TIMESTAMPTZ
);
CREATE INDEX credit_uploads_seminar ON credit_uploads (seminar_id);

-- "I attended but see no credit" (briefing Q4), from the my page.
CREATE TABLE missing_credit_reports (
    id BIGSERIAL PRIMARY KEY,
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    seminar_id BIGINT REFERENCES seminars (id),
    seminar_title TEXT NOT NULL,
    seminar_date DATE NOT NULL,
    note TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    answer TEXT,
    answered_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ
);
CREATE INDEX missing_credit_reports_seminar ON missing_credit_reports (seminar_id) WHERE status = 'open';

-- 開催報告 (occupational seminars).
CREATE TABLE seminar_reports (
    seminar_id BIGINT PRIMARY KEY REFERENCES seminars (id),
    attendee_count INTEGER NOT NULL CHECK (attendee_count >= 0),
    programme_text TEXT NOT NULL,
    abstracts TEXT NOT NULL,
    income JSONB NOT NULL,
    expenditure JSONB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'returned', 'confirmed')),
    submitted_at TIMESTAMPTZ NOT NULL,
    decided_by BIGINT REFERENCES accounts (id),
    decided_at TIMESTAMPTZ,
    comment TEXT
);

-- Files attached to reports (and later applications): kept in PostgreSQL, served as downloads.
CREATE TABLE uploaded_files (
    id BIGSERIAL PRIMARY KEY,
    owner_type TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes INTEGER NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    data BYTEA NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX uploaded_files_owner ON uploaded_files (owner_type, owner_id);

-- Attendee recruitment (受講者募集): physicians apply for a seminar that invites applications.
CREATE TABLE seminar_applicants (
    seminar_id BIGINT NOT NULL REFERENCES seminars (id),
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    applied_at TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ,
    PRIMARY KEY (seminar_id, physician_id)
);

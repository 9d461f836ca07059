-- Applications for new certification or renewal (新規・更新申請), the three-tier review
-- (郡市区 → 都道府県 → 日本医師会), declared pre-cut-over credits, fees, paper that remains
-- (手帳 originals, paper certificates), prefectures' internal deadlines and notices sent.

CREATE TABLE applications (
    id BIGSERIAL PRIMARY KEY,
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    programme TEXT NOT NULL CHECK (programme IN ('occupational', 'sports')),
    kind TEXT NOT NULL CHECK (kind IN ('new', 'renewal')),
    -- credits | university (産業医科大学 修了認定証) | sports_exemption
    route TEXT NOT NULL DEFAULT 'credits' CHECK (route IN ('credits', 'university', 'sports_exemption')),
    route_document_date DATE,
    -- The certification being renewed.
    certification_id BIGINT REFERENCES certifications (id),
    prefecture_code SMALLINT NOT NULL REFERENCES prefectures (code),
    -- Where the physician hands it in: a municipal association (where the prefecture uses
    -- that tier) or the prefectural association.
    receiving_association_id BIGINT NOT NULL REFERENCES associations (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'municipal_received',
        'prefecture_approved', 'returned', 'approved', 'rejected', 'withdrawn')),
    -- Which tier returned it (to go back to the same tier on resubmission).
    returned_by_tier TEXT CHECK (returned_by_tier IN ('municipal', 'prefectural', 'jma')),
    return_comment TEXT,
    late_reason TEXT,
    practical_activity TEXT,
    fee_paid_at TIMESTAMPTZ,
    fee_recorded_by BIGINT REFERENCES accounts (id),
    handbook_received_at TIMESTAMPTZ,
    handbook_received_by BIGINT REFERENCES accounts (id),
    cycle_id BIGINT REFERENCES review_cycles (id),
    submitted_at TIMESTAMPTZ,
    forwarded_at TIMESTAMPTZ,
    decided_at TIMESTAMPTZ,
    decided_by BIGINT REFERENCES accounts (id),
    -- Optimistic concurrency: every state change bumps it.
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (kind = 'new' OR certification_id IS NOT NULL)
);
-- One open application per programme at a time.
CREATE UNIQUE INDEX applications_one_open ON applications (physician_id, programme)
    WHERE status NOT IN ('approved', 'rejected', 'withdrawn');
CREATE INDEX applications_queue ON applications (prefecture_code, status);
CREATE INDEX applications_cycle ON applications (cycle_id, status);

-- Credits from before 2025-04-01 declared by the physician (手帳 stickers, paper/PDF
-- certificates), with uploaded evidence in uploaded_files (owner_type 'application').
CREATE TABLE declared_credits (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'web')),
    units NUMERIC(4, 1) NOT NULL CHECK (units > 0),
    attended_on DATE NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('handbook', 'certificate')),
    note TEXT
);
CREATE INDEX declared_credits_application ON declared_credits (application_id);

-- Every step of an application, for its history page (besides the audit log).
CREATE TABLE application_events (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    tier TEXT NOT NULL CHECK (tier IN ('physician', 'municipal', 'prefectural', 'jma')),
    action TEXT NOT NULL,
    comment TEXT
);
CREATE INDEX application_events_application ON application_events (application_id, at);

-- A prefecture's own, earlier intake deadline for a cycle.
CREATE TABLE prefecture_deadlines (
    prefecture_code SMALLINT NOT NULL REFERENCES prefectures (code),
    cycle_id BIGINT NOT NULL REFERENCES review_cycles (id),
    internal_deadline DATE NOT NULL,
    PRIMARY KEY (prefecture_code, cycle_id)
);

-- Paper certificates the prefecture forwards to physicians after JMA approval.
CREATE TABLE paper_certificates (
    certification_id BIGINT PRIMARY KEY REFERENCES certifications (id),
    application_id BIGINT REFERENCES applications (id),
    prefecture_code SMALLINT NOT NULL REFERENCES prefectures (code),
    sent_at TIMESTAMPTZ,
    sent_by BIGINT REFERENCES accounts (id)
);

-- Certificate numbers: 7 digits, one sequence per programme, above the imported range.
CREATE SEQUENCE certificate_number_occupational START 2000000 MAXVALUE 9999999;
CREATE SEQUENCE certificate_number_sports START 2000000 MAXVALUE 9999999;

-- Renewal notices sent, so the daily job sends each once even with several instances.
CREATE TABLE notices_sent (
    certification_id BIGINT NOT NULL REFERENCES certifications (id),
    kind TEXT NOT NULL CHECK (kind IN ('one_year', 'four_months', 'one_month')),
    valid_until DATE NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (certification_id, kind, valid_until)
);

-- Foundation schema: geography, associations, accounts, physicians, certifications,
-- maintenance windows, announcements, audit log, mail outbox, sessions, login throttling.
-- Times are TIMESTAMPTZ (rendered in JST by the application); calendar dates are DATE.

CREATE TABLE prefectures (
    code SMALLINT PRIMARY KEY CHECK (code BETWEEN 1 AND 47),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE associations (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('jma', 'prefectural', 'municipal')),
    name TEXT NOT NULL,
    prefecture_code SMALLINT REFERENCES prefectures (code),
    parent_id BIGINT REFERENCES associations (id),
    -- Prefectures that route applications through municipal reception (受付).
    uses_municipal_reception BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (
        (kind = 'jma' AND prefecture_code IS NULL AND parent_id IS NULL)
        OR (kind <> 'jma' AND prefecture_code IS NOT NULL AND parent_id IS NOT NULL)
    )
);
CREATE UNIQUE INDEX associations_one_jma ON associations ((kind)) WHERE kind = 'jma';
CREATE UNIQUE INDEX associations_one_per_prefecture ON associations (prefecture_code) WHERE kind = 'prefectural';
CREATE INDEX associations_parent ON associations (parent_id);

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    login_id TEXT NOT NULL CHECK (length(login_id) BETWEEN 3 AND 64),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('physician', 'municipal_staff', 'prefectural_staff', 'jma_staff', 'sysadmin')),
    display_name TEXT NOT NULL,
    email TEXT,
    email_verified_at TIMESTAMPTZ,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX accounts_login_id_ci ON accounts (lower(login_id));
CREATE INDEX accounts_email_ci ON accounts (lower(email));

-- Every staff account belongs to exactly one association.
CREATE TABLE staff_memberships (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    association_id BIGINT NOT NULL REFERENCES associations (id),
    since TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_memberships_association ON staff_memberships (association_id);

CREATE TABLE physicians (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT UNIQUE REFERENCES accounts (id),
    kanji_name TEXT NOT NULL,
    furigana TEXT NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    -- 医籍登録番号, normalised to ASCII digits without 第/号.
    registry_number TEXT CHECK (registry_number ~ '^[0-9]{1,10}$'),
    phone TEXT,
    fax TEXT,
    postal_code TEXT,
    address TEXT,
    workplace TEXT,
    prefecture_code SMALLINT REFERENCES prefectures (code),
    is_member BOOLEAN NOT NULL DEFAULT FALSE,
    member_association_id BIGINT REFERENCES associations (id),
    terms_version TEXT,
    terms_accepted_at TIMESTAMPTZ,
    details_confirmed_at TIMESTAMPTZ,
    registration_completed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (registration_completed_at IS NULL OR phone IS NOT NULL OR fax IS NOT NULL)
);
CREATE UNIQUE INDEX physicians_registry_number ON physicians (registry_number) WHERE registry_number IS NOT NULL;
CREATE INDEX physicians_prefecture ON physicians (prefecture_code);

CREATE TABLE certifications (
    id BIGSERIAL PRIMARY KEY,
    programme TEXT NOT NULL CHECK (programme IN ('occupational', 'sports')),
    certificate_number TEXT NOT NULL CHECK (certificate_number ~ '^[0-9]{1,10}$'),
    -- Identity as imported from the old system; used to link to a physician.
    registry_number TEXT NOT NULL CHECK (registry_number ~ '^[0-9]{1,10}$'),
    birth_date DATE NOT NULL,
    physician_id BIGINT REFERENCES physicians (id),
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'withdrawn')),
    covid_special BOOLEAN NOT NULL DEFAULT FALSE,
    linked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (programme, certificate_number),
    CHECK (valid_until >= valid_from)
);
CREATE INDEX certifications_physician ON certifications (physician_id);
CREATE INDEX certifications_registry ON certifications (registry_number);
CREATE INDEX certifications_valid_until ON certifications (valid_until);

CREATE TABLE maintenance_windows (
    id BIGSERIAL PRIMARY KEY,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX maintenance_windows_ends ON maintenance_windows (ends_at);

CREATE TABLE announcements (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_from TIMESTAMPTZ NOT NULL,
    published_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (published_until IS NULL OR published_until > published_from)
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    -- Set when staff act for a physician (代理入力): the physician's account.
    on_behalf_of_account_id BIGINT REFERENCES accounts (id),
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    before JSONB,
    after JSONB,
    ip INET,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_account_id);
CREATE INDEX audit_log_on_behalf ON audit_log (on_behalf_of_account_id);

CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    failed_at TIMESTAMPTZ
);
CREATE INDEX mail_outbox_pending ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data JSONB NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry_date);

-- Failed-login counters, keyed 'id:<login id>' or 'ip:<address>'.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_failure_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);

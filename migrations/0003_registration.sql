-- Physicians' registration: terms of use, mailed single-use tokens, member postcards, linking
-- certification data, change requests for identity fields, proxy-entry consent.

CREATE TABLE terms_versions (
    version TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    effective_from TIMESTAMPTZ NOT NULL
);

INSERT INTO terms_versions (version, title, body, effective_from) VALUES (
    '2025-01',
    'MAMIS（医師会会員情報システム）利用規約',
    '第1条（目的）この規約は、日本医師会が運営するMAMIS（以下「本システム」）の利用条件を定めるものです。
第2条（利用者）本システムは、認定産業医・認定健康スポーツ医、これらを目指す医師、研修会主催者および医師会事務局が利用します。
第3条（登録情報）利用者は、正確な情報を登録し、変更があった場合は速やかに更新するものとします。
第4条（ログインIDとパスワード）利用者は、ログインIDとパスワードを自らの責任で管理し、第三者に利用させてはなりません。
第5条（個人情報）登録された個人情報は、認定医制度の運営（単位管理、申請の審査、認定証の発行、更新のご案内）のためにのみ利用します。
第6条（代理入力）利用者の同意がある場合に限り、所属する都道府県医師会の事務局が利用者に代わって入力することがあります。その操作はすべて記録され、利用者が確認できます。
第7条（停止）保守その他の理由により、事前のお知らせのうえ本システムを停止することがあります。
第8条（改定）本規約を改定した場合は、改定後の規約への同意をお願いすることがあります。',
    '2025-01-01 00:00:00+09'
);

CREATE TABLE terms_acceptances (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    version TEXT NOT NULL REFERENCES terms_versions (version),
    accepted_at TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, version)
);

-- Links mailed to people. Only a SHA-256 of the token is stored; a token is used once.
CREATE TABLE mail_tokens (
    id BIGSERIAL PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'self_registration')),
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts (id),
    email TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX mail_tokens_account ON mail_tokens (account_id, purpose);

-- Members imported by staff; the postcard (はがき) carries the initial password, which is kept
-- only until the physician replaces it at first login.
CREATE TABLE member_import_batches (
    id BIGSERIAL PRIMARY KEY,
    association_id BIGINT NOT NULL REFERENCES associations (id),
    imported_by BIGINT NOT NULL REFERENCES accounts (id),
    file_name TEXT NOT NULL,
    rows_imported INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE member_postcards (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    batch_id BIGINT NOT NULL REFERENCES member_import_batches (id),
    initial_password TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX member_postcards_batch ON member_postcards (batch_id);

-- Certification data whose 医籍登録番号 matches a physician but whose birth date does not:
-- never linked silently; staff compare and decide.
CREATE TABLE link_reviews (
    id BIGSERIAL PRIMARY KEY,
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    certification_id BIGINT NOT NULL REFERENCES certifications (id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'linked', 'rejected')),
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by BIGINT REFERENCES accounts (id),
    note TEXT,
    UNIQUE (physician_id, certification_id)
);
CREATE INDEX link_reviews_open ON link_reviews (status) WHERE status = 'open';

-- Name, birth date, sex and 医籍登録番号 change only through staff approval.
CREATE TABLE change_requests (
    id BIGSERIAL PRIMARY KEY,
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    requested_by BIGINT NOT NULL REFERENCES accounts (id),
    changes JSONB NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by BIGINT REFERENCES accounts (id),
    decision_comment TEXT
);
CREATE UNIQUE INDEX change_requests_one_pending ON change_requests (physician_id) WHERE status = 'pending';

-- A physician's consent that their prefecture's staff may enter data for them (代理入力).
CREATE TABLE proxy_consents (
    id BIGSERIAL PRIMARY KEY,
    physician_id BIGINT NOT NULL REFERENCES physicians (id),
    association_id BIGINT NOT NULL REFERENCES associations (id),
    method TEXT NOT NULL CHECK (method IN ('written', 'phone', 'in_person', 'portal')),
    note TEXT,
    recorded_by BIGINT NOT NULL REFERENCES accounts (id),
    granted_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX proxy_consents_active ON proxy_consents (physician_id, association_id) WHERE revoked_at IS NULL;

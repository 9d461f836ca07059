-- A certification is a programme + certificate number held over a history of terms (DOMAIN §6,
-- issue 9). Renewal approval adds the next term; the term in force on a date is a query. The
-- validity columns on certifications go: one source of truth.

CREATE TABLE certification_terms (
    id BIGSERIAL PRIMARY KEY,
    certification_id BIGINT NOT NULL REFERENCES certifications (id),
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    -- How the term began: imported from the old system, a new certification, a renewal, a
    -- late renewal (within 6 months of expiry, with a reason), the COVID special measure.
    origin TEXT NOT NULL CHECK (origin IN ('imported', 'new', 'renewal', 'late_renewal',
        'covid_special')),
    -- The application whose decision began it (none for imported terms).
    application_id BIGINT REFERENCES applications (id),
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (valid_until >= valid_from),
    UNIQUE (certification_id, valid_from)
);
CREATE INDEX certification_terms_until ON certification_terms (valid_until);
CREATE UNIQUE INDEX certification_terms_application ON certification_terms (application_id)
    WHERE application_id IS NOT NULL;

INSERT INTO certification_terms (certification_id, valid_from, valid_until, origin,
        application_id, created_at)
SELECT c.id, c.valid_from, c.valid_until,
       CASE WHEN a.kind = 'new' THEN 'new' WHEN a.kind = 'renewal' THEN 'renewal'
            ELSE 'imported' END,
       a.id, c.created_at
FROM certifications c
LEFT JOIN LATERAL (
    SELECT ap.id, ap.kind FROM applications ap
    WHERE ap.status = 'approved'
      AND (ap.certification_id = c.id
           OR (ap.kind = 'new' AND ap.physician_id = c.physician_id
               AND ap.programme = c.programme))
    ORDER BY ap.decided_at DESC NULLS LAST, ap.id DESC LIMIT 1
) a ON TRUE;

DROP INDEX IF EXISTS certifications_valid_until;
ALTER TABLE certifications DROP COLUMN valid_from, DROP COLUMN valid_until;

-- Every certification with the term that stands for it on day `d`: the latest term begun by
-- then (in force when `d` is within it, expired otherwise), or, for a certification whose first
-- term has not begun, that first term; and the next term begun after it, if one is approved.
-- Inlined by the planner (plain SQL, STABLE), so a caller's WHERE on id or physician_id is
-- pushed down.
CREATE FUNCTION certifications_on(d DATE) RETURNS TABLE (
    id BIGINT, programme TEXT, certificate_number TEXT, registry_number TEXT, birth_date DATE,
    physician_id BIGINT, status TEXT, covid_special BOOLEAN, linked_at TIMESTAMPTZ,
    verify_code TEXT, term_id BIGINT, valid_from DATE, valid_until DATE, origin TEXT,
    next_term_id BIGINT, next_valid_from DATE, next_valid_until DATE
) LANGUAGE sql STABLE AS $$
    SELECT c.id, c.programme, c.certificate_number, c.registry_number, c.birth_date,
           c.physician_id, c.status, c.covid_special, c.linked_at, c.verify_code,
           t.id, t.valid_from, t.valid_until, t.origin, n.id, n.valid_from, n.valid_until
    FROM certifications c
    JOIN LATERAL (
        SELECT t.id, t.valid_from, t.valid_until, t.origin FROM certification_terms t
        WHERE t.certification_id = c.id
        ORDER BY (t.valid_from <= d) DESC,
                 CASE WHEN t.valid_from <= d THEN t.valid_from END DESC NULLS LAST,
                 t.valid_from
        LIMIT 1
    ) t ON TRUE
    LEFT JOIN LATERAL (
        SELECT n.id, n.valid_from, n.valid_until FROM certification_terms n
        WHERE n.certification_id = c.id AND n.valid_from > t.valid_from
        ORDER BY n.valid_from LIMIT 1
    ) n ON TRUE
$$;

-- A paper certificate belongs to the term it certifies.
ALTER TABLE paper_certificates ADD COLUMN term_id BIGINT REFERENCES certification_terms (id);
UPDATE paper_certificates pc SET term_id = (
    SELECT t.id FROM certification_terms t WHERE t.certification_id = pc.certification_id
    ORDER BY t.valid_from DESC LIMIT 1);

-- The requirement check as it was decided (issue 9): rules, counted units and the term it
-- was checked against, never recomputed afterwards.
ALTER TABLE applications ADD COLUMN decided_check JSONB;

-- Issue 15, part 3: per-term credit totals kept up to date on write, so that the renewal
-- check (workbook and screen) reads a handful of rows per applicant instead of joining every
-- credit of the country to its seminar for the validity window.
--
-- A term's total for (category, format) is the sum of the units of its physician's matched,
-- not withdrawn credits from seminars of the certification's programme that ended within the
-- term (valid_from … valid_until). `term_credit_totals_fresh` is that definition; the table
-- must always equal it (rows whose units fell to 0 may stay).
--
-- Kept by triggers, whatever code path writes:
-- - credits (every INSERT/UPDATE/DELETE statement, COPY included): the difference between
--   the statement's new and old qualifying rows is added to the terms they fall in;
-- - certification_terms inserted or moved, certifications relinked to another physician or
--   programme, seminars moved to other days or another programme: the terms concerned are
--   recomputed from the credits.
-- Rows are written in key order so that two writers never wait for each other in a cycle.

CREATE TABLE term_credit_totals (
    term_id BIGINT NOT NULL REFERENCES certification_terms (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    format TEXT NOT NULL,
    units NUMERIC(12, 1) NOT NULL,
    PRIMARY KEY (term_id, category, format)
);

CREATE VIEW term_credit_totals_fresh AS
SELECT t.id AS term_id, c.category, c.format, sum(c.units)::NUMERIC(12, 1) AS units
FROM certification_terms t
JOIN certifications ce ON ce.id = t.certification_id
JOIN credits c ON c.physician_id = ce.physician_id
              AND c.match_status = 'matched' AND c.withdrawn_at IS NULL
JOIN seminars s ON s.id = c.seminar_id AND s.programme = ce.programme
               AND s.ends_on BETWEEN t.valid_from AND t.valid_until
GROUP BY t.id, c.category, c.format;

CREATE FUNCTION recompute_term_credit_totals(terms BIGINT[]) RETURNS void
LANGUAGE sql VOLATILE AS $$
    DELETE FROM term_credit_totals WHERE term_id = ANY (terms);
    INSERT INTO term_credit_totals (term_id, category, format, units)
    SELECT term_id, category, format, units FROM term_credit_totals_fresh
    WHERE term_id = ANY (terms)
    ORDER BY 1, 2, 3;
$$;

-- credits: add (new qualifying rows) − (old qualifying rows) to the terms they fall in.
CREATE FUNCTION credits_term_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO term_credit_totals AS tt (term_id, category, format, units)
        SELECT t.id, d.category, d.format, sum(d.units)
        FROM changed_new d
        JOIN seminars s ON s.id = d.seminar_id
        JOIN certifications ce ON ce.physician_id = d.physician_id
                              AND ce.programme = s.programme
        JOIN certification_terms t ON t.certification_id = ce.id
                                  AND s.ends_on BETWEEN t.valid_from AND t.valid_until
        WHERE d.match_status = 'matched' AND d.withdrawn_at IS NULL
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (term_id, category, format) DO UPDATE SET units = tt.units + EXCLUDED.units;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO term_credit_totals AS tt (term_id, category, format, units)
        SELECT t.id, d.category, d.format, -sum(d.units)
        FROM changed_old d
        JOIN seminars s ON s.id = d.seminar_id
        JOIN certifications ce ON ce.physician_id = d.physician_id
                              AND ce.programme = s.programme
        JOIN certification_terms t ON t.certification_id = ce.id
                                  AND s.ends_on BETWEEN t.valid_from AND t.valid_until
        WHERE d.match_status = 'matched' AND d.withdrawn_at IS NULL
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
        ON CONFLICT (term_id, category, format) DO UPDATE SET units = tt.units + EXCLUDED.units;
    ELSE
        INSERT INTO term_credit_totals AS tt (term_id, category, format, units)
        SELECT t.id, d.category, d.format, sum(d.units)
        FROM (SELECT n.physician_id, n.seminar_id, n.category, n.format, n.units
              FROM changed_new n
              WHERE n.match_status = 'matched' AND n.withdrawn_at IS NULL
              UNION ALL
              SELECT o.physician_id, o.seminar_id, o.category, o.format, -o.units
              FROM changed_old o
              WHERE o.match_status = 'matched' AND o.withdrawn_at IS NULL) d
        JOIN seminars s ON s.id = d.seminar_id
        JOIN certifications ce ON ce.physician_id = d.physician_id
                              AND ce.programme = s.programme
        JOIN certification_terms t ON t.certification_id = ce.id
                                  AND s.ends_on BETWEEN t.valid_from AND t.valid_until
        GROUP BY 1, 2, 3
        HAVING sum(d.units) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (term_id, category, format) DO UPDATE SET units = tt.units + EXCLUDED.units;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER credits_term_totals_insert AFTER INSERT ON credits
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION credits_term_totals();
CREATE TRIGGER credits_term_totals_update AFTER UPDATE ON credits
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION credits_term_totals();
CREATE TRIGGER credits_term_totals_delete AFTER DELETE ON credits
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION credits_term_totals();

-- certification_terms: a new term starts from the credits already there.
CREATE FUNCTION terms_inserted_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recompute_term_credit_totals(ARRAY(SELECT id FROM changed_new ORDER BY id));
    RETURN NULL;
END;
$$;
CREATE TRIGGER certification_terms_totals_insert AFTER INSERT ON certification_terms
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION terms_inserted_totals();

CREATE FUNCTION term_moved_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recompute_term_credit_totals(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;
CREATE TRIGGER certification_terms_totals_update
    AFTER UPDATE OF certification_id, valid_from, valid_until ON certification_terms
    FOR EACH ROW
    WHEN (OLD.certification_id IS DISTINCT FROM NEW.certification_id
          OR OLD.valid_from IS DISTINCT FROM NEW.valid_from
          OR OLD.valid_until IS DISTINCT FROM NEW.valid_until)
    EXECUTE FUNCTION term_moved_totals();

-- certifications: linked to another physician (or none), or another programme.
CREATE FUNCTION certification_relinked_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recompute_term_credit_totals(
        ARRAY(SELECT id FROM certification_terms WHERE certification_id = NEW.id ORDER BY id));
    RETURN NULL;
END;
$$;
CREATE TRIGGER certifications_totals_update
    AFTER UPDATE OF physician_id, programme ON certifications
    FOR EACH ROW
    WHEN (OLD.physician_id IS DISTINCT FROM NEW.physician_id
          OR OLD.programme IS DISTINCT FROM NEW.programme)
    EXECUTE FUNCTION certification_relinked_totals();

-- seminars: moved to other days or another programme; every term of a physician with a
-- credit there may gain or lose it.
CREATE FUNCTION seminar_moved_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recompute_term_credit_totals(ARRAY(
        SELECT DISTINCT t.id
        FROM credits c
        JOIN certifications ce ON ce.physician_id = c.physician_id
        JOIN certification_terms t ON t.certification_id = ce.id
        WHERE c.seminar_id = NEW.id AND c.physician_id IS NOT NULL
        ORDER BY t.id));
    RETURN NULL;
END;
$$;
CREATE TRIGGER seminars_totals_update
    AFTER UPDATE OF ends_on, programme ON seminars
    FOR EACH ROW
    WHEN (OLD.ends_on IS DISTINCT FROM NEW.ends_on OR OLD.programme IS DISTINCT FROM NEW.programme)
    EXECUTE FUNCTION seminar_moved_totals();

-- The totals of the credits already there.
INSERT INTO term_credit_totals (term_id, category, format, units)
SELECT term_id, category, format, units FROM term_credit_totals_fresh ORDER BY 1, 2, 3;

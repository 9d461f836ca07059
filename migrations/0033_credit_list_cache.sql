-- Issue 10, part 6: the work page's credit list of a 20,000-attendee seminar without counting
-- 40,000 rows on every page view. Every statement that changes a seminar's credits bumps the
-- seminar's version (statement-level triggers, whatever code path wrote); the list keeps its
-- counts and page boundaries (every 100th attendee in フリガナ order) for one version and
-- recomputes them when the version moved on. Versions are taken in seminar order, so two
-- statements touching several seminars never wait for each other in a cycle.
CREATE TABLE seminar_credit_versions (
    seminar_id BIGINT PRIMARY KEY REFERENCES seminars (id),
    version BIGINT NOT NULL
);

CREATE TABLE seminar_credit_lists (
    seminar_id BIGINT PRIMARY KEY REFERENCES seminars (id),
    version BIGINT NOT NULL,
    summary JSONB NOT NULL,
    -- [[furigana, registry_number], …]: the first attendee of each page of 100.
    anchors JSONB NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION bump_seminar_credit_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO seminar_credit_versions AS v (seminar_id, version)
        SELECT DISTINCT seminar_id, 1 FROM changed_old ORDER BY 1
        ON CONFLICT (seminar_id) DO UPDATE SET version = v.version + 1;
    ELSE
        INSERT INTO seminar_credit_versions AS v (seminar_id, version)
        SELECT DISTINCT seminar_id, 1 FROM changed_new ORDER BY 1
        ON CONFLICT (seminar_id) DO UPDATE SET version = v.version + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER credits_version_insert AFTER INSERT ON credits
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION bump_seminar_credit_version();
CREATE TRIGGER credits_version_update AFTER UPDATE ON credits
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION bump_seminar_credit_version();
CREATE TRIGGER credits_version_delete AFTER DELETE ON credits
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION bump_seminar_credit_version();

-- Issue 11: the database refuses what the code never writes.
-- uploaded_files: the owner is one of three kinds, and it exists (a stored generated column per
-- kind carries the foreign key, so the code's (owner_type, owner_id) writes stay as they are).
ALTER TABLE uploaded_files
    ADD CONSTRAINT uploaded_files_owner_type
        CHECK (owner_type IN ('application', 'seminar_report', 'seminar_application'));
ALTER TABLE uploaded_files
    ADD COLUMN owner_application_id BIGINT
        GENERATED ALWAYS AS (CASE WHEN owner_type = 'application' THEN owner_id END) STORED
        REFERENCES applications (id) ON DELETE CASCADE,
    ADD COLUMN owner_seminar_id BIGINT
        GENERATED ALWAYS AS (CASE WHEN owner_type <> 'application' THEN owner_id END) STORED
        REFERENCES seminars (id) ON DELETE CASCADE;

-- declared_credits: a category of the programmes (domain::category::Category::code).
ALTER TABLE declared_credits
    ADD CONSTRAINT declared_credits_category CHECK (category IN (
        'basic_early_general', 'basic_early_health_management', 'basic_early_mental_health',
        'basic_early_health_promotion', 'basic_early_work_environment',
        'basic_early_work_management', 'basic_early_hazardous_work', 'basic_early_practice',
        'basic_practical', 'basic_late', 'lifelong_renewal', 'lifelong_practical',
        'lifelong_specialized', 'sports_early', 'sports_late', 'sports_retraining'));

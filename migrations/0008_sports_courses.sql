-- Sports as courses (issue 10 §7): a declared completion certificate (修了証) counts only with
-- its own upload, and a first sports application by exemption names which of the four.
ALTER TABLE uploaded_files
    ADD COLUMN declared_credit_id BIGINT REFERENCES declared_credits (id) ON DELETE SET NULL;
CREATE INDEX uploaded_files_declared_credit ON uploaded_files (declared_credit_id)
    WHERE declared_credit_id IS NOT NULL;

ALTER TABLE applications ADD COLUMN exemption TEXT CHECK (exemption IN
    ('jos_sports_doctor', 'jos_course', 'jspo_sports_doctor', 'jspo_basic'));

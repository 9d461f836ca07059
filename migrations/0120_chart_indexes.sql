-- Issue 14, part 3: the associations' charts at national scale. The renewal chart asks, per
-- certification due, whether a renewal application is open; the unresolved-credit chart reads
-- only held and unmatched credits by the month they were registered.
CREATE INDEX applications_certification ON applications (certification_id)
    WHERE certification_id IS NOT NULL;
CREATE INDEX credits_unresolved ON credits (registered_at)
    WHERE match_status IN ('birth_date_mismatch', 'unmatched') AND withdrawn_at IS NULL;

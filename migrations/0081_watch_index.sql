-- Issue 15: the staff deadline watch pages approved seminars by their end day, held ones
-- (newest first) then upcoming ones (soonest first); these indexes let each half stop after
-- the page instead of sorting every approved seminar of the country.
CREATE INDEX seminars_approved_by_end ON seminars (ends_on, id) WHERE status = 'approved';
CREATE INDEX seminars_approved_by_prefecture_end
    ON seminars (approving_prefecture_code, ends_on, id) WHERE status = 'approved';

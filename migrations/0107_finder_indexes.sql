-- Issue 14: the public seminar finder lists approved seminars from today on, soonest first,
-- narrowed by prefecture, programme, format and the categories a seminar grants. These
-- indexes let the page stop after its rows instead of sorting every approved seminar of the
-- country, and let a category filter start from the (few) seminars granting that category.
CREATE INDEX seminars_approved_by_start ON seminars (starts_on, id) WHERE status = 'approved';
CREATE INDEX seminars_approved_by_prefecture_start
    ON seminars (approving_prefecture_code, starts_on, id) WHERE status = 'approved';
CREATE INDEX seminar_units_by_category ON seminar_units (category, seminar_id);

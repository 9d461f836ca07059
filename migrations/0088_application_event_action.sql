-- An application's history step is one of `domain::application_event::ApplicationEvent`'s codes
-- (issue 11): the database refuses any other word (tests/it/schema.rs checks the list is the
-- domain's).
ALTER TABLE application_events ADD CONSTRAINT application_events_action CHECK (action IN (
    'created', 'submitted', 'resubmitted', 'withdrawn', 'received', 'returned', 'fee_recorded',
    'handbook_received', 'prefecture_approved', 'approved', 'rejected'));

-- What a prefecture tells its applicants (issue 9 §3, issue 13 §4): how to pay the fee
-- (審査・登録料, paid "as the prefecture instructs") and where to mail the 手帳 original.
ALTER TABLE associations ADD COLUMN fee_instructions TEXT, ADD COLUMN mailing_address TEXT;

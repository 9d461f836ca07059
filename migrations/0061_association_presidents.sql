-- The president's name of each association (会長名), printed on paper: the prefecture's
-- request letter (依頼状) names both presidents, the certificate is signed by the JMA's.
-- Staff of the association set it (/office/association).
ALTER TABLE associations ADD COLUMN president_name TEXT;

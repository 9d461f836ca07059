-- A random code per certification for the public verification page (QR on the certificate):
-- 122 random bits from gen_random_uuid(), so verification URLs cannot be enumerated from
-- certificate numbers.
ALTER TABLE certifications
    ADD COLUMN verify_code TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');
CREATE UNIQUE INDEX certifications_verify_code ON certifications (verify_code);

-- Money an account sets aside for the vouchers it issued, until settlement redeems them (and returns what expires).
ALTER TABLE accounts ADD COLUMN backing_micros bigint NOT NULL DEFAULT 0 CHECK (backing_micros >= 0);

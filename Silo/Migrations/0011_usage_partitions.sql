-- Usage records get a partition per clearing cycle, so a settled cycle's records are detached and archived
-- without touching the open cycle's (`./cluster clearing archive`, docs/METERING.md). Until now every record sat in
-- the default partition; they move to their cycle's partition here, whatever the database holds.
-- No default partition remains: DETACH PARTITION CONCURRENTLY refuses a table that has one, and a cut-off creates
-- the next cycle's partition in the transaction that opens the cycle, so no record is ever without one.

ALTER TABLE usage_records DETACH PARTITION usage_records_open;
ALTER TABLE usage_records_open RENAME TO usage_records_before_0011;

CREATE FUNCTION usage_records_partition(cycle text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cycle ~ '^c[0-9]+$' THEN 'usage_records_' || cycle ELSE 'usage_records_x' || md5(cycle) END
$$;

-- Called by a cut-off in the transaction that opens the next cycle.
CREATE FUNCTION usage_records_add_partition(cycle text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_records FOR VALUES IN (%L)', usage_records_partition(cycle), cycle);
END
$$;

SELECT usage_records_add_partition(cycle)
FROM (SELECT id AS cycle FROM clearing_cycles UNION SELECT DISTINCT cycle_id FROM usage_records_before_0011) AS cycles;

INSERT INTO usage_records SELECT * FROM usage_records_before_0011;
DROP TABLE usage_records_before_0011;

-- A settled cycle's usage once archived: where its records went, how many, and their digest.
ALTER TABLE clearing_cycles ADD COLUMN usage_archive jsonb NULL;
